"""Customers: request and response schemas.

Updates follow the general partial-update rule (DESIGN.md): an absent field is
unchanged, ``null`` clears it, a value sets it; clearing a required field
(name, email, currency, credit_limit) is a 422. Money is integer cents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt, field_validator

from common.addresses import AddressFields, AddressValues
from common.addresses import AddressUpdate as AddressUpdate  # the customer form uses it
from common.api import Page, PageQuery, Strict
from common.kit import PartialUpdate, check_social, check_website
from common.kit import clean_text as kit_clean_text
from common.kit import phone_e164 as _phone
from common.rules import CURRENCY, EMAIL, NAME, NOT_BLANK, PHONE, WEBSITE, not_null
from common.validation import normalize_currency, normalize_email, normalize_name

MAX_MONEY = 2**63 - 1
Money = StrictInt  # JSON integers only: 100.0, "100" and true are refused
AddressType = Literal["billing", "shipping"]
TEXT_LIMITS = {
    "tax_id": 64,
    "website": 500,
    "company": 200,
    "notes": 10_000,
    "street": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
}
_READ_ONLY_MSG = "total_purchases is computed by the server and cannot be set"
SOCIAL: dict[str, Any] = {
    "maxProperties": 20,
    "propertyNames": {"maxLength": 40, "pattern": NOT_BLANK},
    "additionalProperties": {"type": "string", "maxLength": 200},
    "examples": [{"twitter": "@acme"}],
}


# At most one billing address (an address without a type is one).
ONE_BILLING: dict[str, Any] = {
    "contains": {
        "anyOf": [
            {"type": "object", "not": {"required": ["type"]}},
            {"type": "object", "properties": {"type": {"const": "billing"}}, "required": ["type"]},
        ]
    },
    "minContains": 0,
    "maxContains": 1,
}


def _limit(field: str) -> Any:
    """An optional text field of ``TEXT_LIMITS``: ``null``, or text up to its limit."""
    return Field(default=None, max_length=TEXT_LIMITS[field])


def clean_text(value: str | None, field: str) -> str | None:
    """Strip; an empty string means "no value"; refuse text over the field's limit."""
    return kit_clean_text(value, TEXT_LIMITS[field])


class _NoTotalPurchases(Strict):
    """Refuses ``total_purchases`` with a clear reason rather than "unknown field"."""

    total_purchases: Any = Field(
        default=None, exclude=True, json_schema_extra={"readOnly": True}, description=_READ_ONLY_MSG
    )

    @field_validator("total_purchases")
    @classmethod
    def _refuse(cls, _v: Any) -> Any:
        raise ValueError(_READ_ONLY_MSG)


class AddressCreate(AddressFields):
    """One address of ``POST /customers``; ``state`` and ``region`` are the same field."""

    type: AddressType = "billing"


class CustomerCreate(_NoTotalPurchases):
    """``POST /customers``."""

    name: str = Field(max_length=200, examples=["Acme Corporation"], json_schema_extra=NAME)
    email: str | None = Field(
        default=None, max_length=254, examples=["contact@acme.com"], json_schema_extra=EMAIL
    )
    phone: str | None = Field(default=None, max_length=40, json_schema_extra=PHONE)
    tax_id: str | None = _limit("tax_id")
    website: str | None = Field(default=None, max_length=500, json_schema_extra=WEBSITE)
    social_media: dict[str, str] | None = Field(default=None, json_schema_extra=SOCIAL)
    company: str | None = _limit("company")
    notes: str | None = _limit("notes")
    credit_limit: Money = Field(default=0, ge=0, le=MAX_MONEY, description="Cents")
    currency: str = Field(default="USD", json_schema_extra=CURRENCY)
    addresses: list[AddressCreate] = Field(
        default_factory=list, max_length=20, json_schema_extra=ONE_BILLING
    )

    _name = field_validator("name")(normalize_name)

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return normalize_email(v) if v is not None else None

    _currency = field_validator("currency")(normalize_currency)
    _phone = field_validator("phone")(_phone)
    _website = field_validator("website")(check_website)
    _social = field_validator("social_media")(check_social)

    @field_validator("tax_id", "company", "notes")
    @classmethod
    def _text(cls, v: str | None, info: Any) -> str | None:
        return clean_text(v, info.field_name)

    @field_validator("addresses")
    @classmethod
    def _one_billing(cls, v: list[AddressCreate]) -> list[AddressCreate]:
        if sum(1 for a in v if a.type == "billing") > 1:
            raise ValueError("At most one billing address")
        return v


class CustomerUpdate(_NoTotalPurchases, PartialUpdate):
    """``PUT /customers/:id``: absent = unchanged, null = clear, value = set."""

    __required__ = frozenset({"name", "email", "currency", "credit_limit"})

    name: str | None = Field(default=None, max_length=200, json_schema_extra=not_null(NAME))
    email: str | None = Field(default=None, max_length=254, json_schema_extra=not_null(EMAIL))
    phone: str | None = Field(default=None, max_length=40, json_schema_extra=PHONE)
    tax_id: str | None = _limit("tax_id")
    website: str | None = Field(default=None, max_length=500, json_schema_extra=WEBSITE)
    social_media: dict[str, str] | None = Field(default=None, json_schema_extra=SOCIAL)
    company: str | None = _limit("company")
    notes: str | None = _limit("notes")
    credit_limit: Money | None = Field(
        default=None, ge=0, le=MAX_MONEY, description="Cents", json_schema_extra=not_null()
    )
    currency: str | None = Field(default=None, json_schema_extra=not_null(CURRENCY))
    address: AddressUpdate | None = None

    _phone = field_validator("phone")(_phone)
    _website = field_validator("website")(check_website)
    _social = field_validator("social_media")(check_social)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return normalize_name(v) if v is not None else None

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return normalize_email(v) if v is not None else None

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str | None) -> str | None:
        return normalize_currency(v) if v is not None else None

    @field_validator("tax_id", "company", "notes")
    @classmethod
    def _text(cls, v: str | None, info: Any) -> str | None:
        return clean_text(v, info.field_name)


class AddressRead(AddressValues):
    id: str
    type: AddressType


class CurrencyAmount(BaseModel):
    """An amount in one currency (cents)."""

    currency: str
    amount: int = Field(description="Cents")


class CustomerRead(BaseModel):
    id: str
    name: str
    email: str | None
    phone: str | None = Field(description="E.164")
    phone_display: str | None = Field(description="International format for people")
    tax_id: str | None
    website: str | None
    social_media: dict[str, str] | None
    company: str | None
    notes: str | None
    credit_limit: int = Field(description="Cents")
    total_purchases: int = Field(
        description="Cents, computed by the server: what the customer paid on invoices in "
        "the customer's own currency (payments in other currencies are in ``purchases``; "
        "nothing is converted: the server keeps no exchange rates)"
    )
    purchases: list[CurrencyAmount] = Field(
        description="What the customer paid, per currency (cents; one entry per currency "
        "paid in, by code); ``total_purchases`` is the entry in ``currency``"
    )
    currency: str
    active: bool
    addresses: list[AddressRead]
    address: AddressRead | None = Field(description="The billing address, for convenience")
    created_at: datetime
    updated_at: datetime


CustomerPage = Page[CustomerRead]


class CustomerQuery(PageQuery):
    """``GET /customers``: search matches name, email, phone and company."""

    sort_by: str | None = Field(
        default=None, description="name, email, created_at, credit_limit or total_purchases"
    )
    active: bool | None = None
