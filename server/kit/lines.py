"""Document lines as kit children: columns, replacing a document's lines, server-computed totals.

An order or an invoice keeps its lines in a child table (``LineColumns``) that
travels inside the root's sync row (a :class:`server.kit.Child`). The root
holds the totals, recomputed here from the lines after every change with
``common.lines.totals`` (tax half-up per line); no total is ever taken from a
client. A line change is noted on the root (``unit_of_work.note``) with the
lines before and after, so the root's audit record and change-log entry carry
it and its version moves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from common.ids import new_id
from common.lines import LineRead, Totals, line_amounts, totals
from server.errors import InvalidTransition, ValidationFailed
from server.unit_of_work import note


class LineColumns:
    """The columns every document line has; the owner's foreign key is the subclass's."""

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    position: Mapped[int] = mapped_column(sa.Integer)
    sku: Mapped[str | None] = mapped_column(sa.String(64))
    description: Mapped[str | None] = mapped_column(sa.String(500))
    quantity: Mapped[int] = mapped_column(sa.Integer)
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)  # cents
    tax_rate: Mapped[str | None] = mapped_column(sa.String(20))
    tax_basis_points: Mapped[int] = mapped_column(sa.Integer, default=0)
    subtotal: Mapped[int] = mapped_column(sa.BigInteger)  # quantity * unit_price
    tax: Mapped[int] = mapped_column(sa.BigInteger)

    @declared_attr
    def item_id(cls) -> Mapped[str | None]:  # noqa: N805 - a declared_attr takes the class
        return mapped_column(sa.String(36), sa.ForeignKey("catalog_items.id"), index=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:  # noqa: N805
        return (
            sa.CheckConstraint("quantity > 0", name="quantity_positive"),
            sa.CheckConstraint("unit_price >= 0", name="unit_price_nonnegative"),
            sa.CheckConstraint("tax_basis_points >= 0", name="tax_basis_points_nonnegative"),
            sa.CheckConstraint("subtotal = quantity * unit_price", name="subtotal_computed"),
            sa.CheckConstraint("tax >= 0", name="tax_nonnegative"),
        )


class Document(Protocol):
    """A root with lines and the totals computed from them."""

    subtotal: int
    tax_total: int
    total: int


@dataclass(frozen=True)
class LineValues:
    """A line resolved by its module (item defaults filled in, currency checked)."""

    id: str | None
    item_id: str | None
    sku: str | None
    description: str | None
    quantity: int
    unit_price: int
    tax_rate: str | None
    tax_basis_points: int


def refuse_locked(
    changes: Mapping[str, Any],
    status: str,
    editable: Mapping[Any, frozenset[str]],
    *,
    kind: str,
    what: str,
) -> None:
    """Refuse the changed fields a document past draft no longer takes (``editable[status]``).

    ``kind`` is "invoice" or "order"; ``what`` names the document in the message
    ("Invoice INV-2026-001", "The order").
    """
    if status == "draft":
        return
    locked = sorted(set(changes) - editable[status])
    if locked:
        raise InvalidTransition(
            f"{what} is {status}: {', '.join(locked)} can no longer change",
            details=dict.fromkeys(locked, f"Locked once the {kind} is {status}"),
        )


def snapshot(rows: Sequence[LineColumns]) -> list[dict[str, Any]]:
    """The lines as the audit log records them."""
    return [
        {
            "id": r.id,
            "item_id": r.item_id,
            "description": r.description,
            "quantity": r.quantity,
            "unit_price": r.unit_price,
            "tax_rate": r.tax_rate,
        }
        for r in rows
    ]


def line_read(row: LineColumns) -> LineRead:
    return LineRead(
        id=row.id,
        position=row.position,
        item_id=row.item_id,
        sku=row.sku,
        description=row.description,
        quantity=row.quantity,
        unit_price=row.unit_price,
        tax_rate=row.tax_rate,
        tax_basis_points=row.tax_basis_points,
        subtotal=row.subtotal,
        tax=row.tax,
        total=row.subtotal + row.tax,
    )


def document_totals(rows: Sequence[LineColumns]) -> Totals:
    """The totals of these lines (tax per rate included), as the root stores them."""
    return totals((r.quantity, r.unit_price, r.tax_rate, r.tax_basis_points) for r in rows)


def _fill(row: LineColumns, position: int, v: LineValues) -> None:
    amounts = line_amounts(v.quantity, v.unit_price, v.tax_basis_points if v.tax_rate else 0)
    row.position = position
    row.item_id = v.item_id
    row.sku = v.sku
    row.description = v.description
    row.quantity = v.quantity
    row.unit_price = v.unit_price
    row.tax_rate = v.tax_rate
    row.tax_basis_points = v.tax_basis_points if v.tax_rate else 0
    row.subtotal = amounts.subtotal
    row.tax = amounts.tax


def set_lines(
    session: Session,
    root: Any,
    rows: list[Any],
    values: Sequence[LineValues],
    model: type[LineColumns],
    *,
    field: str = "lines",
) -> None:
    """Make ``rows`` (the root's loaded line list) equal ``values``, in order.

    A value whose id names one of the root's lines updates that line; another id
    must be new (a line of another document is a 422); lines not named are
    removed. Then the root's totals are recomputed and the change noted on it.
    """
    before = snapshot(rows)
    existing = {r.id: r for r in rows}
    seen: set[str] = set()
    details: dict[str, str] = {}
    for i, v in enumerate(values):
        if v.id is None:
            continue
        if v.id in seen:
            details[f"{field}.{i}.id"] = "Two lines have this id"
        seen.add(v.id)
        if v.id not in existing:
            with session.no_autoflush:
                taken = session.get(model, v.id) is not None
            if taken:
                details[f"{field}.{i}.id"] = "This id belongs to another line"
    if details:
        raise ValidationFailed(details)
    kept: list[Any] = []
    for i, v in enumerate(values):
        row = existing.get(v.id) if v.id is not None else None
        if row is None:
            row = model(id=v.id or new_id())  # type: ignore[call-arg]
        _fill(row, i, v)
        kept.append(row)
    for row in rows:
        if not any(row is k for k in kept):
            session.delete(row)  # explicit: orphan deletes are invisible to the unit of work
    rows[:] = kept
    recompute(root, rows)
    after = snapshot(rows)
    if before != after and sa.inspect(root).persistent:
        # A new root's create record already carries everything it holds.
        note(session, root, fields={field: (before, after)})


def recompute(root: Document, rows: Sequence[LineColumns]) -> Totals:
    """Store the totals of ``rows`` on ``root``; return them (tax per rate included)."""
    t = document_totals(rows)
    root.subtotal, root.tax_total, root.total = t.subtotal, t.tax_total, t.total
    return t


def lines_as_sent(rows: Sequence[LineColumns]) -> list[dict[str, Any]]:
    """The lines as an update's ``lines`` sends them: a merge compares a pushed base with this."""
    return [
        {
            "id": r.id,
            "item_id": r.item_id,
            "description": r.description,
            "quantity": r.quantity,
            "unit_price": r.unit_price,
            "tax_rate": r.tax_rate,
        }
        for r in rows
    ]
