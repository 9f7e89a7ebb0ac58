"""Orders (spec section Orders): a customer's order of catalog items, moved through its states.

An order starts ``draft``; its status moves only by the ``status`` command
(``PATCH /orders/:id/status``) along :data:`TRANSITIONS`: draft → pending →
confirmed → shipped → delivered, cancelled from any state that is not final.
Its lines (catalog items; the unit price defaults to the item's) change only
in draft, and confirming needs at least one line. Totals come from the lines
(``common.lines``), computed by the server. The shipping address uses
``state`` and an ISO country code, as the spec's example shows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.addresses import AddressFields, AddressValues
from common.api import Page, PageQuery, Strict
from common.kit import PartialUpdate, clean_text
from common.lines import MAX_LINES, LineInput, LineRead, TaxLine, check_currency, check_line_id
from common.rules import CURRENCY, not_null

OrderStatus = Literal["draft", "pending", "confirmed", "shipped", "delivered", "cancelled"]
ORDER_STATUSES: tuple[OrderStatus, ...] = (
    "draft",
    "pending",
    "confirmed",
    "shipped",
    "delivered",
    "cancelled",
)
FINAL: frozenset[OrderStatus] = frozenset({"delivered", "cancelled"})
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    "draft": frozenset({"pending", "cancelled"}),
    "pending": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered", "cancelled"}),
    "delivered": frozenset(),
    "cancelled": frozenset(),
}
# An order may be invoiced once it is confirmed (and not cancelled).
INVOICEABLE: frozenset[OrderStatus] = frozenset({"confirmed", "shipped", "delivered"})
NOTES_LIMIT = 10_000
WAREHOUSE = (
    "The warehouse that reserves the items on confirm, issues them on ship and releases them "
    "on cancel; none (services, drop shipping): no stock moves. Set until the order is confirmed"
)
NUMBER_PREFIX = "ORD"  # ORD-<year>-<nnn>, gapless per year, like invoices


def format_number(year: int, n: int) -> str:
    """``ORD-2026-001``: at least three digits, more once a year passes 999 orders."""
    return f"{NUMBER_PREFIX}-{year}-{n:03d}"


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order in ``current`` may move to ``target`` (staying put is not a move)."""
    return target in TRANSITIONS[current]


class ShippingAddress(AddressFields):
    """``shipping_address``: street, city, ``state`` (= region), postal code, ISO country code."""


class OrderLineInput(LineInput):
    """An order line: a catalog item and a quantity; the price defaults to the item's."""

    item_id: str = Field(max_length=36, description="A catalog item")


class OrderCreate(Strict):
    """``POST /orders``; a replica's offline draft is the same body."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer_id": "0193...",
                    "shipping_address": {
                        "street": "456 Oak St",
                        "city": "Los Angeles",
                        "state": "CA",
                        "postal_code": "90001",
                        "country": "US",
                    },
                    "lines": [
                        {
                            "item_id": "0193...",
                            "quantity": 5,
                            "unit_price": 10000,
                            "currency": "USD",
                        }
                    ],
                }
            ]
        },
    )

    customer_id: str = Field(max_length=36)
    currency: str | None = Field(
        default=None,
        json_schema_extra={
            **CURRENCY,
            "description": "Defaults to the lines' currency, else the customer's",
        },
    )
    shipping_address: ShippingAddress | None = None
    notes: str | None = Field(default=None, max_length=NOTES_LIMIT)
    lines: list[OrderLineInput] = Field(default_factory=list, max_length=MAX_LINES)
    warehouse_id: str | None = Field(default=None, max_length=36, description=WAREHOUSE)

    _currency = field_validator("currency")(check_currency)

    @field_validator("notes")
    @classmethod
    def _notes(cls, v: str | None) -> str | None:
        return clean_text(v, NOTES_LIMIT)


class OrderUpdate(PartialUpdate):
    """``PATCH /orders/:id``: in draft, anything; ``lines`` replaces the whole list.

    A line sent with the id of an existing line keeps that id. After draft only
    ``notes`` and ``shipping_address`` may change (``warehouse_id`` while pending too;
    409 otherwise); never the status
    (the ``status`` command does that).
    """

    __required__ = frozenset({"customer_id", "lines"})

    customer_id: str | None = Field(default=None, max_length=36, json_schema_extra=not_null())
    shipping_address: ShippingAddress | None = Field(
        default=None, description="The whole address; null removes it"
    )
    notes: str | None = Field(default=None, max_length=NOTES_LIMIT)
    lines: list[OrderLineInput] | None = Field(
        default=None, max_length=MAX_LINES, json_schema_extra=not_null()
    )
    warehouse_id: str | None = Field(default=None, max_length=36, description=WAREHOUSE)

    @field_validator("notes")
    @classmethod
    def _notes(cls, v: str | None) -> str | None:
        return clean_text(v, NOTES_LIMIT)


class SetOrderStatus(Strict):
    """``PATCH /orders/:id/status`` (and the sync command ``status``)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "confirmed"}]}
    )

    status: OrderStatus


class InvoiceOrder(Strict):
    """``POST /orders/:id/invoice`` (sync command ``invoice``): a draft invoice from its lines.

    A replica names the new invoice's id (a UUIDv7 it made), so it can show and
    edit the draft before the server's answer comes back.
    """

    invoice_id: str | None = Field(
        default=None,
        max_length=36,
        description="The new invoice's id",
        json_schema_extra={"format": "uuid"},
    )
    due_date: date | None = None

    _id = field_validator("invoice_id")(check_line_id)


class OrderRead(BaseModel):
    id: str
    number: str | None = Field(
        description="ORD-<year>-<nnn>, assigned by the server when the order reaches it "
        "(the spec names no field; this one mirrors the invoice's); null only on a "
        "replica's offline draft that has not reached it"
    )
    customer_id: str
    customer_name: str
    status: OrderStatus
    currency: str
    shipping_address: AddressValues | None
    notes: str | None
    lines: list[LineRead]
    taxes: list[TaxLine]
    subtotal: int = Field(description="Cents, without tax")
    tax_total: int = Field(description="Cents")
    total: int = Field(description="Cents, with tax")
    invoice_id: str | None = Field(description="The invoice made from this order, if any")
    warehouse_id: str | None = Field(default=None, description="Where its stock is reserved")
    created_at: datetime
    updated_at: datetime


class OrderQuery(PageQuery):
    """``GET /orders``: ``status`` and ``customer_id`` filters; search in the number and
    notes; newest first by default."""

    sort_by: str | None = Field(default=None, description="created_at, number or total")
    sort_order: Literal["asc", "desc"] = "desc"
    status: OrderStatus | None = None
    customer_id: str | None = Field(default=None, max_length=36)


OrderPage = Page[OrderRead]

ENTITY = "order"  # the sync entity; its rows are OrderRead + version
# The server-validated commands: REST ``PATCH /orders/:id/status``, ``POST /orders/:id/invoice``,
# and the sync commands of the same names.
COMMANDS: dict[str, type[BaseModel]] = {"status": SetOrderStatus, "invoice": InvoiceOrder}
