"""Tax rates a document line may carry, and the rounding of tax to the cent.

A small fixed table of named rates in basis points (2000 = 20 %): the server
and the desktop read the same one, so a line's tax is computed alike online
and offline. A line stores the rate's code *and* its basis points, so an issued
document keeps the rate it was issued with even if the table changes later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BASIS = 10_000  # basis points in 100 %


@dataclass(frozen=True)
class TaxRate:
    code: str  # what a line sends: "vat_20"
    name: str  # what a document shows: "VAT 20 %"
    basis_points: int  # 2000 = 20 %


TAX_RATES: dict[str, TaxRate] = {
    r.code: r
    for r in (
        TaxRate("vat_25", "VAT 25 %", 2500),
        TaxRate("vat_20", "VAT 20 %", 2000),
        TaxRate("vat_19", "VAT 19 %", 1900),
        TaxRate("vat_14", "VAT 14 %", 1400),
        TaxRate("vat_10", "VAT 10 %", 1000),
        TaxRate("vat_7", "VAT 7 %", 700),
        TaxRate("vat_5", "VAT 5 %", 500),
        TaxRate("vat_0", "VAT 0 %", 0),
    )
}
TAX_CODES: tuple[str, ...] = tuple(TAX_RATES)
# What a tax_rate field accepts, as JSON Schema (null: the line carries no tax).
TAX_RATE_SCHEMA: dict[str, Any] = {
    "enum": [*TAX_CODES, None],
    "description": "Code of a tax rate from the table (" + ", ".join(TAX_CODES) + "); null: no tax",
}


def check_tax_rate(value: str | None) -> str | None:
    """A known rate code exactly as the table spells it, or None for no tax."""
    if value is None:
        return None
    if value not in TAX_RATES:
        raise ValueError(f"Unknown tax rate {value!r}; one of {', '.join(TAX_CODES)}")
    return value


def tax_of(amount: int, basis_points: int) -> int:
    """Tax on ``amount`` cents at ``basis_points``, rounded half-up to the cent (integers only)."""
    if amount < 0 or basis_points < 0:
        raise ValueError("amount and basis points must not be negative")
    return (amount * basis_points * 2 + BASIS) // (2 * BASIS)
