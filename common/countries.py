"""Countries: request and response schemas.

Countries follow their own documented update rule (DESIGN.md, partial updates):
in ``PUT /countries/:id`` a ``null`` leaves a field unchanged and an empty string
clears it; ``name`` is merged per language.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from common.api import Strict
from common.rules import CURRENCY, DIGITS3, LANGUAGE, NOT_BLANK, PHONE_CODE, letter_code, or_empty
from common.validation import normalize_currency

_ALPHA2 = re.compile(r"^[A-Z]{2}$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_NUMERIC = re.compile(r"^[0-9]{3}$")
_PHONE_CODE = re.compile(r"^\+[0-9]{1,4}$")
_LANG = re.compile(r"^[a-z]{2,3}$")
MAX_COUNTRY_NAME = 100


def _names_schema(*, create: bool) -> dict[str, Any]:
    """Names per language: ``en`` required on create and never blank; another "" removes it."""
    text = {"type": "string", "maxLength": MAX_COUNTRY_NAME}
    return {
        "propertyNames": {"pattern": LANGUAGE},
        "additionalProperties": text,
        "properties": {"en": {**text, "pattern": NOT_BLANK}},
        **({"required": ["en"]} if create else {}),
    }


def _ascii_upper(value: str) -> str:
    # Only ASCII letters: "ß".upper() is "SS", which would pass for a code.
    value = value.strip()
    return value.upper() if value.isascii() else value


def normalize_country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased, or ``ValueError``."""
    code = _ascii_upper(value)
    if not _ALPHA2.fullmatch(code):
        raise ValueError("Country code must be two letters (ISO 3166-1 alpha-2), e.g. UA")
    return code


def _alpha3(value: str) -> str:
    code = _ascii_upper(value)
    if not _ALPHA3.fullmatch(code):
        raise ValueError("alpha3 must be three letters, e.g. UKR")
    return code


def _numeric(value: str) -> str:
    value = value.strip()
    if not _NUMERIC.fullmatch(value):
        raise ValueError("numeric_code must be three digits, e.g. 804")
    return value


def _phone_code(value: str) -> str:
    value = value.strip()
    if not _PHONE_CODE.fullmatch(value):
        raise ValueError("phone_code must be + and 1-4 digits, e.g. +380")
    return value


def _names(value: dict[str, str], *, require_en: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang, text in value.items():
        if not _LANG.fullmatch(lang):
            raise ValueError(f"Unknown language key {lang!r}: use codes like en, uk, de")
        if len(text) > MAX_COUNTRY_NAME:
            raise ValueError(f"Name in {lang!r} must be at most {MAX_COUNTRY_NAME} characters")
        out[lang] = text.strip()
    if require_en and not out.get("en"):
        raise ValueError("Name must have a non-empty 'en' entry")
    if not require_en and out.get("en") == "":
        raise ValueError("The 'en' name cannot be cleared")
    return out


class CountryCreate(Strict):
    """``POST /countries``: code and name.en required."""

    code: str = Field(max_length=8, json_schema_extra=letter_code(2, "PL"))
    name: dict[str, str] = Field(
        examples=[{"en": "Poland", "uk": "Польща", "de": "Polen"}],
        json_schema_extra=_names_schema(create=True),
    )
    alpha3: str | None = Field(
        default=None, max_length=8, json_schema_extra=or_empty(letter_code(3, "POL"))
    )
    numeric_code: str | None = Field(
        default=None, max_length=8, json_schema_extra=or_empty(DIGITS3)
    )
    phone_code: str | None = Field(
        default=None, max_length=8, json_schema_extra=or_empty(PHONE_CODE)
    )
    currency_code: str | None = Field(
        default=None, max_length=8, json_schema_extra=or_empty(CURRENCY)
    )
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

    code: str | None = Field(default=None, max_length=8, json_schema_extra=letter_code(2, "PL"))
    name: dict[str, str] | None = Field(default=None, json_schema_extra=_names_schema(create=False))
    alpha3: str | None = Field(
        default=None, max_length=8, json_schema_extra=or_empty(letter_code(3, "POL"))
    )
    numeric_code: str | None = Field(
        default=None, max_length=8, json_schema_extra=or_empty(DIGITS3)
    )
    phone_code: str | None = Field(
        default=None, max_length=8, json_schema_extra=or_empty(PHONE_CODE)
    )
    currency_code: str | None = Field(
        default=None, max_length=8, json_schema_extra=or_empty(CURRENCY)
    )
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
