"""Postal addresses as customers and the parties (suppliers, partners, employees) send them.

``state`` and ``region`` are the same field (DESIGN.md); ``country`` is an ISO
3166-1 alpha-2 code or a country id; a read returns the country's id and code.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from common.api import Strict
from common.kit import PartialUpdate, clean_text
from common.validation import normalize_country_ref

ADDRESS_FIELDS = ("street", "city", "region", "postal_code")
LIMITS = {"street": 200, "city": 100, "region": 100, "state": 100, "postal_code": 20, "country": 64}
COUNTRY = Field(default=None, max_length=64, description="ISO 3166-1 alpha-2 code or country id")


def _country(value: str | None) -> str | None:
    """An alpha-2 code in its normal form (upper case), so a merge compares like with like."""
    return None if value is None else normalize_country_ref(value)


def _limit(name: str) -> Any:
    """An optional text field: ``null``, or text up to its limit (as sent)."""
    return Field(default=None, max_length=LIMITS[name])


class AddressFields(Strict):
    """An address as a create sends it: ``state`` folds into ``region``."""

    __required__: ClassVar[frozenset[str]] = frozenset()  # must hold text once stripped

    street: str | None = _limit("street")
    city: str | None = _limit("city")
    state: str | None = _limit("state")
    region: str | None = _limit("region")
    postal_code: str | None = _limit("postal_code")
    country: str | None = COUNTRY

    @field_validator("street", "city", "state", "region", "postal_code", "country")
    @classmethod
    def _text(cls, v: str | None, info: ValidationInfo) -> str | None:
        name = str(info.field_name)
        v = clean_text(v, LIMITS[name])
        if v is None and name in cls.__required__:
            raise ValueError(f"{name.capitalize()} is required")
        return _country(v) if name == "country" else v

    @model_validator(mode="after")
    def _state_is_region(self) -> AddressFields:
        if self.state is not None and self.region is not None and self.state != self.region:
            raise ValueError("state and region are the same field; send one of them")
        if self.region is None:
            self.region = self.state
        return self


class AddressUpdate(PartialUpdate):
    """An ``address`` sub-object of an update: each field absent/null/value."""

    street: str | None = _limit("street")
    city: str | None = _limit("city")
    region: str | None = _limit("region")
    state: str | None = _limit("state")
    postal_code: str | None = _limit("postal_code")
    country: str | None = COUNTRY

    @field_validator("street", "city", "state", "region", "postal_code")
    @classmethod
    def _text(cls, v: str | None, info: ValidationInfo) -> str | None:
        return clean_text(v, LIMITS[str(info.field_name)])

    @field_validator("country")
    @classmethod
    def _country_ref(cls, v: str | None) -> str | None:
        return _country(v)

    @model_validator(mode="after")
    def _state_is_region(self) -> AddressUpdate:
        sent = self.model_fields_set
        if "state" in sent and "region" in sent and self.state != self.region:
            raise ValueError("state and region are the same field; send one of them")
        return self

    def changes(self) -> dict[str, Any]:
        """The sent fields, with ``state`` folded into ``region``."""
        return {"region" if k == "state" else k: v for k, v in super().changes().items()}


class AddressValues(BaseModel):
    """An address as reads show it."""

    street: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country_id: str | None
    country_code: str | None
