"""Countries: request and response schemas.

Countries follow their own documented update rule (DESIGN.md, partial updates):
in ``PUT /countries/:id`` a ``null`` leaves a field unchanged and an empty string
clears it; ``name`` is merged per language.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from common.api import Strict
from common.validation import normalize_currency

_ALPHA2 = re.compile(r"^[A-Z]{2}$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_NUMERIC = re.compile(r"^[0-9]{3}$")
_PHONE_CODE = re.compile(r"^\+[0-9]{1,4}$")
_LANG = re.compile(r"^[a-z]{2,3}$")
MAX_COUNTRY_NAME = 100


def normalize_country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased, or ``ValueError``."""
    code = value.strip().upper()
    if not _ALPHA2.match(code):
        raise ValueError("Country code must be two letters (ISO 3166-1 alpha-2), e.g. UA")
    return code


def _alpha3(value: str) -> str:
    code = value.strip().upper()
    if not _ALPHA3.match(code):
        raise ValueError("alpha3 must be three letters, e.g. UKR")
    return code


def _numeric(value: str) -> str:
    value = value.strip()
    if not _NUMERIC.match(value):
        raise ValueError("numeric_code must be three digits, e.g. 804")
    return value


def _phone_code(value: str) -> str:
    value = value.strip()
    if not _PHONE_CODE.match(value):
        raise ValueError("phone_code must be + and 1-4 digits, e.g. +380")
    return value


def _names(value: dict[str, str], *, require_en: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang, text in value.items():
        if not _LANG.match(lang):
            raise ValueError(f"Unknown language key {lang!r}: use codes like en, uk, de")
        text = text.strip()
        if len(text) > MAX_COUNTRY_NAME:
            raise ValueError(f"Name in {lang!r} must be at most {MAX_COUNTRY_NAME} characters")
        out[lang] = text
    if require_en and not out.get("en"):
        raise ValueError("Name must have a non-empty 'en' entry")
    if not require_en and out.get("en") == "":
        raise ValueError("The 'en' name cannot be cleared")
    return out


class CountryCreate(Strict):
    """``POST /countries``: code and name.en required."""

    code: str = Field(max_length=8, examples=["PL"])
    name: dict[str, str] = Field(examples=[{"en": "Poland", "uk": "Польща", "de": "Polen"}])
    alpha3: str | None = Field(default=None, max_length=8, examples=["POL"])
    numeric_code: str | None = Field(default=None, max_length=8, examples=["616"])
    phone_code: str | None = Field(default=None, max_length=8, examples=["+48"])
    currency_code: str | None = Field(default=None, max_length=8, examples=["PLN"])
    region: str | None = Field(default=None, max_length=64, examples=["Europe"])
    flag_emoji: str | None = Field(default=None, max_length=16, examples=["🇵🇱"])

    _code = field_validator("code")(normalize_country_code)

    @field_validator("name")
    @classmethod
    def _name(cls, v: dict[str, str]) -> dict[str, str]:
        names = _names(v, require_en=True)
        return {k: t for k, t in names.items() if t}

    @field_validator("alpha3")
    @classmethod
    def _a3(cls, v: str | None) -> str | None:
        return _alpha3(v) if v else None

    @field_validator("numeric_code")
    @classmethod
    def _num(cls, v: str | None) -> str | None:
        return _numeric(v) if v else None

    @field_validator("phone_code")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return _phone_code(v) if v else None

    @field_validator("currency_code")
    @classmethod
    def _currency(cls, v: str | None) -> str | None:
        return normalize_currency(v) if v else None

    @field_validator("region", "flag_emoji")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        return (v.strip() or None) if v is not None else None


class CountryUpdate(Strict):
    """``PUT /countries/:id``: null or absent = unchanged, "" = clear; name merged per language.

    In ``name``, a language set to "" is removed; ``en`` can never be removed.
    """

    code: str | None = Field(default=None, max_length=8)
    name: dict[str, str] | None = None
    alpha3: str | None = Field(default=None, max_length=8)
    numeric_code: str | None = Field(default=None, max_length=8)
    phone_code: str | None = Field(default=None, max_length=8)
    currency_code: str | None = Field(default=None, max_length=8)
    region: str | None = Field(default=None, max_length=64)
    flag_emoji: str | None = Field(default=None, max_length=16)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("Country code cannot be cleared")
        return normalize_country_code(v) if v is not None else None

    @field_validator("name")
    @classmethod
    def _name(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return _names(v, require_en=False) if v is not None else None

    @field_validator("alpha3")
    @classmethod
    def _a3(cls, v: str | None) -> str | None:
        return _alpha3(v) if v else v

    @field_validator("numeric_code")
    @classmethod
    def _num(cls, v: str | None) -> str | None:
        return _numeric(v) if v else v

    @field_validator("phone_code")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return _phone_code(v) if v else v

    @field_validator("currency_code")
    @classmethod
    def _currency(cls, v: str | None) -> str | None:
        return normalize_currency(v) if v else v

    @field_validator("region", "flag_emoji")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        return v.strip() if v is not None else None

    def changes(self) -> dict[str, object]:
        """The fields to write: null means unchanged, "" becomes None (cleared)."""
        out: dict[str, object] = {}
        for key, value in self.provided().items():
            if value is None:
                continue
            out[key] = None if value == "" else value
        return out


class CountryRead(BaseModel):
    id: str
    code: str
    alpha3: str | None
    numeric_code: str | None
    name: dict[str, str]
    phone_code: str | None
    currency_code: str | None
    region: str | None
    flag_emoji: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
