"""Inventory (spec sections Warehouses and Stock): warehouses, stock per item and warehouse, movements.

A warehouse has a name, a location, an optional ``capacity`` (units it holds at
most, over all items; none = unlimited) and an ``active`` flag changed by the
``activate``/``deactivate`` commands. Every catalog item has one stock record in
every warehouse, made by the server when the item or the warehouse is made, so
``GET /stock?warehouse_id=&item_id=`` always finds it (quantity 0 while nothing
moved) and a replica can adjust it offline.

A stock record holds ``quantity`` (on hand) and ``reserved`` (held for confirmed
orders); ``available`` is their difference. Neither is ever negative and
``reserved`` never exceeds ``quantity`` (a service check and CHECK constraints);
a warehouse's ``stock_total`` (all its quantities) never exceeds its capacity.
Quantities change only by server-validated commands, each writing a movement
(who, when, why, which document): ``adjust`` (a signed change with a reason; the
DESIGN.md decision on the spec's open point), ``transfer`` between two warehouses
(atomic), and an order naming a warehouse: confirm reserves, ship issues, cancel
releases. The low-stock threshold is per stock record (``low_stock_threshold``):
reorder points differ per warehouse; a record at or below it reads ``low``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from common.api import Page, PageQuery, Strict
from common.kit import PartialUpdate, clean_text
from common.rules import NAME, NOT_BLANK, not_null
from common.validation import normalize_name

WAREHOUSE_ENTITY = "warehouse"
STOCK_ENTITY = "stock"
MOVEMENT_ENTITY = "stock_movement"
MAX_QUANTITY = 1_000_000_000  # units in one record or one warehouse
LOCATION_LIMIT = 200
REASON_LIMIT = 500

MovementKind = Literal["adjust", "transfer_out", "transfer_in", "reserve", "release", "issue"]
MOVEMENT_KINDS: tuple[MovementKind, ...] = (
    "adjust",
    "transfer_out",
    "transfer_in",
    "reserve",
    "release",
    "issue",
)
DocumentType = Literal["order"]
DOCUMENT_TYPES: tuple[DocumentType, ...] = ("order",)

Quantity = StrictInt
REASON_SCHEMA: dict[str, Any] = {"pattern": NOT_BLANK, "examples": ["Inventory count adjustment"]}


def check_reason(value: str | None) -> str | None:
    """A movement's reason: stripped, not blank."""
    if value is None:
        return None
    reason = clean_text(value, REASON_LIMIT)
    if reason is None:
        raise ValueError("A reason is required")
    return reason


def optional_reason(value: str | None) -> str | None:
    """An optional reason: stripped; blank is none."""
    return clean_text(value, REASON_LIMIT)


def is_low(quantity: int, reserved: int, threshold: int | None) -> bool:
    """A record is low when what is available is at or below its threshold (if it has one)."""
    return threshold is not None and quantity - reserved <= threshold


# ---------------------------------------------------------------- warehouses


class WarehouseCreate(Strict):
    """``POST /warehouses`` (the spec's example)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Main Warehouse", "location": "New York, NY", "capacity": 10000}]
        },
    )

    name: str = Field(max_length=200, json_schema_extra=NAME)
    location: str | None = Field(default=None, max_length=LOCATION_LIMIT)
    capacity: StrictInt | None = Field(
        default=None, ge=0, le=MAX_QUANTITY, description="Units it holds at most; none: unlimited"
    )
    active: StrictBool = True

    _name = field_validator("name")(normalize_name)

    @field_validator("location")
    @classmethod
    def _location(cls, v: str | None) -> str | None:
        return clean_text(v, LOCATION_LIMIT)


class WarehouseUpdate(PartialUpdate):
    """``PATCH /warehouses/:id``: absent = unchanged, null = clear (location, capacity).

    A capacity below what the warehouse holds is a 409; ``active`` changes only
    by ``activate``/``deactivate``.
    """

    __required__ = frozenset({"name"})

    name: str | None = Field(default=None, max_length=200, json_schema_extra=not_null(NAME))
    location: str | None = Field(default=None, max_length=LOCATION_LIMIT)
    capacity: StrictInt | None = Field(default=None, ge=0, le=MAX_QUANTITY)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return normalize_name(v) if v is not None else None

    @field_validator("location")
    @classmethod
    def _location(cls, v: str | None) -> str | None:
        return clean_text(v, LOCATION_LIMIT)


class WarehouseRead(BaseModel):
    id: str
    name: str
    location: str | None
    capacity: int | None
    active: bool
    stock_total: int = Field(description="Units on hand over all its stock records")
    created_at: datetime
    updated_at: datetime


class WarehouseQuery(PageQuery):
    """``GET /warehouses``: ``active`` filter; search in name and location; by name."""

    sort_by: str | None = Field(default=None, description="name or created_at")
    active: bool | None = None


WarehousePage = Page[WarehouseRead]

# ---------------------------------------------------------------- stock


class StockUpdate(PartialUpdate):
    """``PATCH /stock/:id``: only the low-stock threshold (quantities move by commands)."""

    low_stock_threshold: StrictInt | None = Field(
        default=None, ge=0, le=MAX_QUANTITY, description="Low at or below this many available"
    )


class StockCreate(Strict):
    """Stock records are made by the server (one per item and warehouse); nothing creates one."""


class StockRead(BaseModel):
    id: str
    item_id: str
    item_sku: str
    item_name: str
    warehouse_id: str
    warehouse_name: str
    quantity: int = Field(description="On hand")
    reserved: int = Field(description="Held for confirmed orders")
    available: int = Field(description="quantity - reserved")
    low_stock_threshold: int | None
    low: bool = Field(description="available <= low_stock_threshold")
    created_at: datetime
    updated_at: datetime


class StockQuery(PageQuery):
    """``GET /stock?warehouse_id=&item_id=``; ``low=true`` lists records at or below their threshold."""

    sort_by: str | None = Field(default=None, description="quantity, updated_at or created_at")
    warehouse_id: str | None = Field(default=None, max_length=36)
    item_id: str | None = Field(default=None, max_length=36)
    low: bool | None = None


StockPage = Page[StockRead]


class AdjustStock(Strict):
    """``POST /stock/:id/adjust`` (sync command ``adjust``): a signed change of the quantity on hand."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"quantity": 100, "reason": "Inventory count adjustment"}]},
    )

    quantity: StrictInt = Field(
        ge=-MAX_QUANTITY,
        le=MAX_QUANTITY,
        description="Units added (> 0) or taken away (< 0); never 0",
        json_schema_extra={"not": {"const": 0}},
    )
    reason: str = Field(max_length=REASON_LIMIT, json_schema_extra=REASON_SCHEMA)

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, v: int) -> int:
        if v == 0:
            raise ValueError("A change of 0 moves nothing")
        return v

    _reason = field_validator("reason")(check_reason)


class TransferStock(Strict):
    """``POST /stock/transfer``: move units of an item between two warehouses, atomically."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "item_id": "0193...",
                    "from_warehouse_id": "0193...",
                    "to_warehouse_id": "0194...",
                    "quantity": 50,
                }
            ]
        },
    )

    item_id: str = Field(max_length=36)
    from_warehouse_id: str = Field(max_length=36)
    to_warehouse_id: str = Field(max_length=36, description="Another warehouse than the source")
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)
    reason: str | None = Field(default=None, max_length=REASON_LIMIT, description="Optional")

    _reason = field_validator("reason")(optional_reason)


class TransferFrom(Strict):
    """The sync command ``transfer`` of the source stock record: where to and how many."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"to_warehouse_id": "0194...", "quantity": 5}]},
    )

    to_warehouse_id: str = Field(max_length=36)
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)
    reason: str | None = Field(default=None, max_length=REASON_LIMIT, description="Optional")

    _reason = field_validator("reason")(optional_reason)


class MovementRead(BaseModel):
    id: str
    stock_id: str
    item_id: str
    warehouse_id: str
    kind: MovementKind
    quantity: int = Field(description="Change of the quantity on hand (signed)")
    reserved: int = Field(description="Change of the reserved quantity (signed)")
    quantity_after: int
    reserved_after: int
    reason: str | None
    document_type: DocumentType | None
    document_id: str | None
    transfer_id: str | None = Field(description="Pairs a transfer's two movements")
    actor_id: str | None = Field(description="Who moved it (null: the server itself)")
    created_at: datetime


class TransferRead(BaseModel):
    """``POST /stock/transfer``'s answer: both records after the move and its two movements."""

    transfer_id: str
    source: StockRead
    destination: StockRead
    movements: list[MovementRead]


class MovementQuery(PageQuery):
    """``GET /stock/movements``: by stock record, item, warehouse, kind or document; newest first."""

    sort_by: str | None = Field(default=None, description="created_at")
    sort_order: Literal["asc", "desc"] = "desc"
    stock_id: str | None = Field(default=None, max_length=36)
    item_id: str | None = Field(default=None, max_length=36)
    warehouse_id: str | None = Field(default=None, max_length=36)
    kind: MovementKind | None = None
    document_id: str | None = Field(default=None, max_length=36)
    transfer_id: str | None = Field(default=None, max_length=36)


class MovementCreate(Strict):
    """Movements are written by the stock commands only; nothing creates one directly."""


class MovementUpdate(PartialUpdate):
    """Movements never change."""


MovementPage = Page[MovementRead]

# The server-validated commands of stock records: REST ``POST /stock/:id/adjust`` and the
# sync commands ``adjust`` and ``transfer`` (of the source record).
STOCK_COMMANDS: dict[str, type[BaseModel]] = {"adjust": AdjustStock, "transfer": TransferFrom}
