"""Lines of sales documents (orders and invoices): input, read and the arithmetic of totals.

A document's totals come only from its lines: each line's subtotal is
``quantity * unit_price`` cents, its tax that subtotal at the line's rate
rounded half-up to the cent (``common.taxes``); the document's ``subtotal``
excludes tax and ``total`` includes it. The server computes what it stores
with :func:`totals`; the desktop shows live totals with the same function.
Quantities are whole units (> 0); money is integer cents in the document's
currency, which every line shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, StrictInt, field_validator

from common.api import Strict
from common.ids import is_uuid
from common.kit import clean_text
from common.rules import CURRENCY
from common.taxes import TAX_RATE_SCHEMA, TAX_RATES, check_tax_rate, tax_of
from common.validation import normalize_currency

MAX_LINES = 200
MAX_QUANTITY = 1_000_000
MAX_UNIT_PRICE = 10_000_000_000  # cents: 100 million units of a currency
# MAX_LINES * MAX_QUANTITY * MAX_UNIT_PRICE plus 25 % tax stays far inside a signed 64-bit integer.
DESCRIPTION_LIMIT = 500
LINE_ID: dict[str, Any] = {
    "format": "uuid",
    "description": "The line's id (a replica makes a UUIDv7 offline); the server makes one if absent",
}


def check_line_id(value: str | None) -> str | None:
    if value is not None and not is_uuid(value):
        raise ValueError("Must be a UUID")
    return value.lower() if value is not None else None


def check_currency(value: str | None) -> str | None:
    return normalize_currency(value) if value is not None else None


class LineInput(Strict):
    """A line as a create, an update's ``lines`` or ``POST .../lines`` sends it."""

    id: str | None = Field(default=None, max_length=36, json_schema_extra=LINE_ID)
    item_id: str | None = Field(
        default=None, max_length=36, description="A catalog item (its name and price by default)"
    )
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY, description="Whole units, > 0")
    unit_price: StrictInt | None = Field(
        default=None, ge=0, le=MAX_UNIT_PRICE, description="Cents; defaults to the item's price"
    )
    currency: str | None = Field(
        default=None,
        json_schema_extra={**CURRENCY, "description": "Must be the document's currency"},
    )
    tax_rate: str | None = Field(default=None, max_length=20, json_schema_extra=TAX_RATE_SCHEMA)

    _id = field_validator("id")(check_line_id)
    _currency = field_validator("currency")(check_currency)
    _tax = field_validator("tax_rate")(check_tax_rate)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)


class TaxLine(BaseModel):
    """Tax per rate, as a document shows it."""

    tax_rate: str
    name: str
    basis_points: int
    base: int = Field(description="Cents the rate applies to")
    tax: int = Field(description="Cents")


class LineRead(BaseModel):
    """A line as reads show it; its amounts are computed by the server."""

    id: str
    position: int = Field(description="0-based order of the line in its document")
    item_id: str | None
    sku: str | None = Field(description="The catalog item's SKU when the line was written")
    description: str | None
    quantity: int
    unit_price: int = Field(description="Cents")
    tax_rate: str | None
    tax_basis_points: int = Field(description="The rate when the line was written; 0 for none")
    subtotal: int = Field(description="quantity * unit_price, cents")
    tax: int = Field(description="Cents, rounded half-up per line")
    total: int = Field(description="subtotal + tax, cents")


@dataclass(frozen=True)
class LineAmounts:
    subtotal: int
    tax: int

    @property
    def total(self) -> int:
        return self.subtotal + self.tax


def line_amounts(quantity: int, unit_price: int, basis_points: int) -> LineAmounts:
    """One line's subtotal and tax (half-up to the cent)."""
    subtotal = quantity * unit_price
    return LineAmounts(subtotal, tax_of(subtotal, basis_points))


@dataclass(frozen=True)
class Totals:
    subtotal: int
    tax_total: int
    taxes: tuple[TaxLine, ...]

    @property
    def total(self) -> int:
        return self.subtotal + self.tax_total


def totals(lines: Iterable[tuple[int, int, str | None, int]]) -> Totals:
    """A document's totals from ``(quantity, unit_price, tax_rate, basis_points)`` per line.

    Tax is rounded per line and summed per rate (the rate's name from the table,
    its basis points as the line stored them).
    """
    subtotal = tax_total = 0
    per_rate: dict[tuple[str, int], list[int]] = {}
    for quantity, unit_price, code, bp in lines:
        amounts = line_amounts(quantity, unit_price, bp if code else 0)
        subtotal += amounts.subtotal
        tax_total += amounts.tax
        if code:
            acc = per_rate.setdefault((code, bp), [0, 0])
            acc[0] += amounts.subtotal
            acc[1] += amounts.tax
    taxes = tuple(
        TaxLine(
            tax_rate=code,
            name=TAX_RATES[code].name if code in TAX_RATES else code,
            basis_points=bp,
            base=base,
            tax=tax,
        )
        for (code, bp), (base, tax) in sorted(per_rate.items(), key=lambda kv: -kv[0][1])
    )
    return Totals(subtotal=subtotal, tax_total=tax_total, taxes=taxes)
