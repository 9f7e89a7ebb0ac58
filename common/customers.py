"""Customers: request and response schemas.

Updates follow the general partial-update rule (DESIGN.md): an absent field is
unchanged, ``null`` clears it, a value sets it; clearing a required field
(name, email, currency, credit_limit) is a 422. Money is integer cents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt, field_validator, model_validator

from common.api import Page, Strict
from common.validation import (
    normalize_country_ref,
    normalize_currency,
    normalize_email,
    normalize_name,
    normalize_phone,
)

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


def clean_text(value: str | None, field: str) -> str | None:
    """Strip; an empty string means "no value"; refuse text over the field's limit."""
    if value is None:
        return None
    value = value.strip()
    limit = TEXT_LIMITS[field]
    if len(value) > limit:
        raise ValueError(f"Must be at most {limit} characters")
    return value or None


def check_website(value: str | None) -> str | None:
    value = clean_text(value, "website")
    if value is None:
        return None
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or " " in value:
        raise ValueError("Website must be an http(s) address, e.g. https://example.com")
    return value


def check_social(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    if len(value) > 20:
        raise ValueError("At most 20 social media entries")
    out: dict[str, str] = {}
    for key, handle in value.items():
        key = key.strip().lower()
        if not key or len(key) > 40:
            raise ValueError("Social media keys must be 1-40 characters, e.g. twitter")
        if len(handle) > 200:
            raise ValueError(f"The {key} entry must be at most 200 characters")
        out[key] = handle.strip()
    return out


def _phone(value: str | None) -> str | None:
    """E.164, or None for an empty string; the display form is derived from it."""
    if value is None or not value.strip():
        return None
    if len(value) > 40:
        raise ValueError("Invalid phone number: too long")
    return normalize_phone(value)[0]


class _NoTotalPurchases(Strict):
    """Refuses ``total_purchases`` with a clear reason rather than "unknown field"."""

    total_purchases: Any = Field(
        default=None, exclude=True, json_schema_extra={"readOnly": True}, description=_READ_ONLY_MSG
    )

    @field_validator("total_purchases")
    @classmethod
    def _refuse(cls, _v: Any) -> Any:
        raise ValueError(_READ_ONLY_MSG)


class AddressCreate(Strict):
    """One address of ``POST /customers``; ``state`` and ``region`` are the same field."""

    type: AddressType = "billing"
    street: str | None = None
    city: str | None = None
    state: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = Field(
        default=None, max_length=64, description="ISO 3166-1 alpha-2 code or country id"
    )

    @field_validator("street", "city", "state", "region", "postal_code")
    @classmethod
    def _text(cls, v: str | None, info: Any) -> str | None:
        return clean_text(v, "region" if info.field_name == "state" else info.field_name)

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        return normalize_country_ref(v) if v is not None else None

    @model_validator(mode="after")
    def _state_is_region(self) -> AddressCreate:
        if self.state is not None and self.region is not None and self.state != self.region:
            raise ValueError("state and region are the same field; send one of them")
        if self.region is None:
            self.region = self.state
        return self


class CustomerCreate(_NoTotalPurchases):
    """``POST /customers``."""

    name: str = Field(max_length=200, examples=["Acme Corporation"])
    email: str | None = Field(default=None, max_length=254, examples=["contact@acme.com"])
    phone: str | None = Field(default=None, examples=["+1-555-0100"])
    tax_id: str | None = None
    website: str | None = None
    social_media: dict[str, str] | None = None
    company: str | None = None
    notes: str | None = None
    credit_limit: Money = Field(default=0, ge=0, le=MAX_MONEY, description="Cents")
    currency: str = Field(default="USD", examples=["USD"])
    addresses: list[AddressCreate] = Field(default_factory=list, max_length=20)

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


class AddressUpdate(Strict):
    """The billing address in ``PUT /customers/:id``: each field absent/null/value."""

    street: str | None = None
    city: str | None = None
    region: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = Field(
        default=None, max_length=64, description="ISO 3166-1 alpha-2 code or country id"
    )

    @field_validator("street", "city", "state", "region", "postal_code")
    @classmethod
    def _text(cls, v: str | None, info: Any) -> str | None:
        return clean_text(v, "region" if info.field_name == "state" else info.field_name)

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        return normalize_country_ref(v) if v is not None else None

    @model_validator(mode="after")
    def _state_is_region(self) -> AddressUpdate:
        sent = self.model_fields_set
        if "state" in sent and "region" in sent and self.state != self.region:
            raise ValueError("state and region are the same field; send one of them")
        return self

    def changes(self) -> dict[str, str | None]:
        """The sent fields, with ``state`` folded into ``region``."""
        out: dict[str, str | None] = {}
        for key in self.model_fields_set:
            out["region" if key == "state" else key] = getattr(self, key)
        return out


class CustomerUpdate(_NoTotalPurchases):
    """``PUT /customers/:id``: absent = unchanged, null = clear, value = set."""

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = None
    tax_id: str | None = None
    website: str | None = None
    social_media: dict[str, str] | None = None
    company: str | None = None
    notes: str | None = None
    credit_limit: Money | None = Field(default=None, ge=0, le=MAX_MONEY, description="Cents")
    currency: str | None = None
    address: AddressUpdate | None = None

    _phone = field_validator("phone")(_phone)
    _website = field_validator("website")(check_website)
    _social = field_validator("social_media")(check_social)

    @field_validator("name", "email", "currency", "credit_limit", mode="before")
    @classmethod
    def _required(cls, v: Any, info: Any) -> Any:
        # Validators run only for sent fields, so None here is an explicit null.
        if v is None:
            raise ValueError(f"{info.field_name} is required and cannot be cleared")
        return v

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


class AddressRead(BaseModel):
    id: str
    type: AddressType
    street: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country_id: str | None
    country_code: str | None


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
    total_purchases: int = Field(description="Cents, computed by the server")
    currency: str
    active: bool
    addresses: list[AddressRead]
    address: AddressRead | None = Field(description="The billing address, for convenience")
    created_at: datetime
    updated_at: datetime


CustomerPage = Page[CustomerRead]
