"""The catalog (spec section Catalog): items and the categories they belong to.

An item has a unique ``sku``, a name, a price in integer cents and its
currency, a default tax rate for the lines it fills in, and a status
(active, inactive, discontinued); only an active item goes on a new order
line. Categories are records of their own (a name, an optional parent: a
tree), so ``category_id`` points somewhere real. Updates are partial
(absent = unchanged, null = clear, value = set); clearing a required field
is a 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from common.api import Page, PageQuery, Strict
from common.kit import PartialUpdate, clean_text
from common.lines import MAX_UNIT_PRICE, check_currency
from common.rules import CURRENCY, NAME, NOT_BLANK, not_null
from common.taxes import TAX_RATE_SCHEMA, check_tax_rate
from common.validation import normalize_currency, normalize_name

ItemStatus = Literal["active", "inactive", "discontinued"]
ITEM_STATUSES: tuple[ItemStatus, ...] = ("active", "inactive", "discontinued")
SKU_LIMIT = 64
DESCRIPTION_LIMIT = 2000
SKU: dict[str, Any] = {
    "pattern": NOT_BLANK,
    "description": "Unique stock-keeping unit (compared without surrounding white space)",
    "examples": ["PROD-001"],
}


def check_sku(value: str | None) -> str | None:
    if value is None:
        return None
    sku = value.strip()
    if not sku:
        raise ValueError("SKU is required")
    return sku


# ---------------------------------------------------------------- categories


class CategoryCreate(Strict):
    """``POST /catalog/categories``."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Software"}]}
    )

    name: str = Field(max_length=200, json_schema_extra=NAME)
    parent_id: str | None = Field(default=None, max_length=36, description="The parent category")
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)

    _name = field_validator("name")(normalize_name)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)


class CategoryUpdate(PartialUpdate):
    """``PATCH /catalog/categories/:id``: absent = unchanged, null = clear (not the name)."""

    __required__ = frozenset({"name"})

    name: str | None = Field(default=None, max_length=200, json_schema_extra=not_null(NAME))
    parent_id: str | None = Field(default=None, max_length=36)
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return normalize_name(v) if v is not None else None

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)


class CategoryRead(BaseModel):
    id: str
    name: str
    parent_id: str | None
    description: str | None
    created_at: datetime
    updated_at: datetime


class CategoryQuery(PageQuery):
    """``GET /catalog/categories``: search in the name; ``parent_id`` lists one level."""

    sort_by: str | None = Field(default=None, description="name or created_at")
    parent_id: str | None = Field(default=None, max_length=36)


# ---------------------------------------------------------------- items


class ItemCreate(Strict):
    """``POST /catalog/items`` (the spec's example body)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sku": "PROD-001",
                    "name": "Product Name",
                    "description": "Product description",
                    "unit_price": 5000,
                    "currency": "USD",
                    "status": "active",
                }
            ]
        },
    )

    sku: str = Field(max_length=SKU_LIMIT, json_schema_extra=SKU)
    name: str = Field(max_length=200, json_schema_extra=NAME)
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)
    category_id: str | None = Field(default=None, max_length=36)
    unit_price: StrictInt = Field(ge=0, le=MAX_UNIT_PRICE, description="Cents")
    currency: str = Field(default="USD", json_schema_extra=CURRENCY)
    tax_rate: str | None = Field(
        default=None,
        max_length=20,
        json_schema_extra={**TAX_RATE_SCHEMA, "description": "Default tax rate of its lines"},
    )
    status: ItemStatus = "active"

    _sku = field_validator("sku")(check_sku)
    _name = field_validator("name")(normalize_name)
    _currency = field_validator("currency")(normalize_currency)
    _tax = field_validator("tax_rate")(check_tax_rate)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)


class ItemUpdate(PartialUpdate):
    """``PATCH /catalog/items/:id``: absent = unchanged, null = clear, value = set."""

    __required__ = frozenset({"sku", "name", "unit_price", "currency", "status"})

    sku: str | None = Field(default=None, max_length=SKU_LIMIT, json_schema_extra=not_null(SKU))
    name: str | None = Field(default=None, max_length=200, json_schema_extra=not_null(NAME))
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)
    category_id: str | None = Field(default=None, max_length=36)
    unit_price: StrictInt | None = Field(
        default=None, ge=0, le=MAX_UNIT_PRICE, description="Cents", json_schema_extra=not_null()
    )
    currency: str | None = Field(default=None, json_schema_extra=not_null(CURRENCY))
    tax_rate: str | None = Field(default=None, max_length=20, json_schema_extra=TAX_RATE_SCHEMA)
    status: ItemStatus | None = Field(default=None, json_schema_extra=not_null())

    _sku = field_validator("sku")(check_sku)
    _currency = field_validator("currency")(check_currency)
    _tax = field_validator("tax_rate")(check_tax_rate)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return normalize_name(v) if v is not None else None

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)


class ItemRead(BaseModel):
    id: str
    sku: str
    name: str
    description: str | None
    category_id: str | None
    category_name: str | None
    unit_price: int = Field(description="Cents")
    currency: str
    tax_rate: str | None
    status: ItemStatus
    created_at: datetime
    updated_at: datetime


class ItemQuery(PageQuery):
    """``GET /catalog/items``: ``category_id`` and ``status`` filters; search in SKU and name."""

    sort_by: str | None = Field(default=None, description="name, sku, unit_price or created_at")
    category_id: str | None = Field(default=None, max_length=36)
    status: ItemStatus | None = None


ItemPage = Page[ItemRead]
CategoryPage = Page[CategoryRead]

# The sync entities; their rows are ItemRead / CategoryRead + version.
ITEM_ENTITY = "catalog_item"
CATEGORY_ENTITY = "catalog_category"
