# ruff: noqa: S608 - SQL here is built from the declared tax table, never from input.
"""What the kit knows of sales documents (orders, invoices) and their lines; no Qt.

A document's lines are in the record in one of two shapes: as the server reads
them (``common.lines.LineRead``: amounts computed, the tax rate's basis points
as issued) or as the desktop sends them (``common.lines.LineInput``: a rate
code, no amounts) while an offline draft or a line edit waits in the outbox.
Totals are computed from either shape with ``common.lines.totals``, the server's
own arithmetic: live in the form, and in SQL for the list (``total_sql``,
generated from the same tax table and checked against ``totals`` by the tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from common.lines import Totals, totals
from common.taxes import BASIS, TAX_RATES

Line = Mapping[str, Any]


def basis_points(line: Line) -> int:
    """A line's tax rate in basis points: as the server stored it, else the table's."""
    stored = line.get("tax_basis_points")
    if stored is not None:
        return int(stored)
    rate = TAX_RATES.get(str(line.get("tax_rate") or ""))
    return rate.basis_points if rate is not None else 0


def line_terms(lines: Iterable[Line]) -> list[tuple[int, int, str | None, int]]:
    """``(quantity, unit_price, tax_rate, basis_points)`` per line, as ``totals`` takes them."""
    return [
        (
            int(line.get("quantity") or 0),
            int(line.get("unit_price") or 0),
            line.get("tax_rate") or None,
            basis_points(line),
        )
        for line in lines
    ]


def document_totals(lines: Sequence[Line] | None) -> Totals:
    """The document's subtotal, tax per rate and total from its lines (either shape)."""
    return totals(line_terms(lines or ()))


def line_input(line: Line) -> dict[str, Any]:
    """A line as an update or a create sends it (``LineInput``), from either shape."""
    out: dict[str, Any] = {
        "item_id": line.get("item_id"),
        "description": line.get("description"),
        "quantity": line.get("quantity"),
        "unit_price": line.get("unit_price"),
        "tax_rate": line.get("tax_rate"),
    }
    if line.get("id"):
        out = {"id": line["id"], **out}
    return {k: v for k, v in out.items() if v is not None}


def _bp_sql(line: str) -> str:
    whens = " ".join(f"WHEN '{code}' THEN {r.basis_points}" for code, r in TAX_RATES.items())
    return (
        f"coalesce(json_extract({line}, '$.tax_basis_points'), "
        f"CASE json_extract({line}, '$.tax_rate') {whens} ELSE 0 END)"
    )


def total_sql(path: str = "$.lines", *, with_tax: bool = True) -> str:
    """SQL over {data}: the lines' total in cents (with tax rounded half-up per line, as
    ``common.taxes.tax_of``), 0 without lines."""
    q = "coalesce(json_extract(l.value, '$.quantity'), 0)"
    p = "coalesce(json_extract(l.value, '$.unit_price'), 0)"
    amount = f"{q} * {p}"
    if with_tax:
        # tax_of: (a * bp * 2 + BASIS) // (2 * BASIS) on non-negative integers, taken apart
        # as (a // BASIS) * bp + ((a % BASIS) * bp * 2 + BASIS) // (2 * BASIS) so that no
        # product passes SQLite's 64-bit integers (past them it turns to floating point).
        bp, a = _bp_sql("l.value"), f"({q} * {p})"
        amount += (
            f" + ({a} / {BASIS}) * {bp} + (({a} % {BASIS}) * {bp} * 2 + {BASIS}) / {2 * BASIS}"
        )
    return f"(SELECT coalesce(sum({amount}), 0) FROM json_each({{data}}, '{path}') AS l)"
