"""Suppliers, partners and employees: the parties a business deals with besides its customers.

They share one shape (spec sections Suppliers, Partners, Employees): a name,
an email (both required, never cleared: "same partial update semantics as
Update Customer"), a tax id, phone, website and one postal address whose
street, city and country a create requires; an update may clear any address
field, as the spec says. Employees add a ``position``. A party is ``active``,
``inactive`` or ``blacklisted``; a blacklisted one cannot be activated or
edited (DESIGN.md, Domain rules).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.addresses import AddressFields, AddressUpdate, AddressValues
from common.api import Page, PageQuery, Strict
from common.kit import PartialUpdate, check_website, clean_text, phone_e164
from common.rules import EMAIL, NAME, PHONE, WEBSITE, not_null
from common.validation import normalize_email, normalize_name

PartyStatus = Literal["active", "inactive", "blacklisted"]
STATUSES: tuple[PartyStatus, ...] = ("active", "inactive", "blacklisted")
# The status commands and where each leads; a blacklisted party stays blacklisted.
COMMANDS: dict[str, PartyStatus] = {
    "activate": "active",
    "deactivate": "inactive",
    "blacklist": "blacklisted",
}
TRANSITIONS: dict[PartyStatus, frozenset[PartyStatus]] = {
    "active": frozenset({"inactive", "blacklisted"}),
    "inactive": frozenset({"active", "blacklisted"}),
    "blacklisted": frozenset(),
}
# The spec's examples name a country by an id of its own database; a code works everywhere.
EXAMPLE_COUNTRY = "US"


class PartyAddress(AddressFields):
    """The address of a new party: street, city and country are required."""

    __required__ = frozenset({"street", "city", "country"})

    street: str = Field(max_length=200, json_schema_extra=NAME)
    city: str = Field(max_length=100, json_schema_extra=NAME)
    country: str = Field(
        max_length=64, description="ISO 3166-1 alpha-2 code or country id", json_schema_extra=NAME
    )


class _PartyFields(Strict):
    """Validators both the create and the update of every party use."""

    @field_validator("name", check_fields=False)
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return normalize_name(v) if v is not None else None

    @field_validator("email", check_fields=False)
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return normalize_email(v) if v is not None else None

    @field_validator("tax_id", check_fields=False)
    @classmethod
    def _tax_id(cls, v: str | None) -> str | None:
        return clean_text(v, 64)

    _phone = field_validator("phone", check_fields=False)(phone_e164)
    _website = field_validator("website", check_fields=False)(check_website)


class PartyCreate(_PartyFields):
    """``POST`` of a party."""

    name: str = Field(max_length=200, json_schema_extra=NAME)
    email: str = Field(max_length=254, json_schema_extra=EMAIL)
    tax_id: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=40, json_schema_extra=PHONE)
    website: str | None = Field(default=None, max_length=500, json_schema_extra=WEBSITE)
    address: PartyAddress


class PartyUpdate(_PartyFields, PartialUpdate):
    """``PUT`` of a party: absent = unchanged, null = clear; name and email cannot be cleared."""

    __required__ = frozenset({"name", "email"})

    name: str | None = Field(default=None, max_length=200, json_schema_extra=not_null(NAME))
    email: str | None = Field(default=None, max_length=254, json_schema_extra=not_null(EMAIL))
    tax_id: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=40, json_schema_extra=PHONE)
    website: str | None = Field(default=None, max_length=500, json_schema_extra=WEBSITE)
    address: AddressUpdate | None = None


class PartyRead(BaseModel):
    id: str
    name: str
    email: str
    tax_id: str | None
    phone: str | None = Field(description="E.164")
    phone_display: str | None = Field(description="International format for people")
    website: str | None
    address: AddressValues | None
    status: PartyStatus
    created_at: datetime
    updated_at: datetime


class PartyQuery(PageQuery):
    """``GET`` of a party list: ``status`` filter, search in name, email, phone and tax id."""

    sort_by: str | None = Field(default=None, description="name, email or created_at")
    status: PartyStatus | None = None


def _example(**fields: Any) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [fields]})


def _address(street: str, city: str, region: str, postal_code: str) -> dict[str, str]:
    return {
        "street": street,
        "city": city,
        "region": region,
        "postal_code": postal_code,
        "country": EXAMPLE_COUNTRY,
    }


# ---------------------------------------------------------------- suppliers


class SupplierCreate(PartyCreate):
    model_config = _example(
        name="SupplyCo",
        tax_id="US-987654321",
        email="sales@supplyco.com",
        phone="+1-555-0300",
        address=_address("789 Industrial Rd", "Chicago", "IL", "60601"),
        website="https://supplyco.example.com",
    )


class SupplierUpdate(PartyUpdate):
    pass


class SupplierRead(PartyRead):
    pass


# ---------------------------------------------------------------- partners


class PartnerCreate(PartyCreate):
    model_config = _example(
        name="PartnerInc",
        tax_id="US-111222333",
        email="biz@partnerinc.com",
        phone="+1-555-0400",
        address=_address("321 Partnership Blvd", "Seattle", "WA", "98101"),
    )


class PartnerUpdate(PartyUpdate):
    pass


class PartnerRead(PartyRead):
    pass


# ---------------------------------------------------------------- employees


class EmployeeCreate(PartyCreate):
    model_config = _example(
        name="John Smith",
        tax_id="SS-123456789",
        position="Sales Manager",
        email="john@acme.com",
        phone="+1-555-0500",
        address=_address("555 Employee St", "Portland", "OR", "97201"),
    )

    position: str = Field(max_length=100, json_schema_extra=NAME)

    @field_validator("position")
    @classmethod
    def _position(cls, v: str) -> str:
        return normalize_name(v, field="Position", max_len=100)


class EmployeeUpdate(PartyUpdate):
    position: str | None = Field(default=None, max_length=100)

    @field_validator("position")
    @classmethod
    def _position(cls, v: str | None) -> str | None:
        return clean_text(v, 100)


class EmployeeRead(PartyRead):
    position: str | None


SupplierPage = Page[SupplierRead]
PartnerPage = Page[PartnerRead]
EmployeePage = Page[EmployeeRead]
