"""The one list helper: filter, search, sort and page a query the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Generic, Literal, TypeVar

import sqlalchemy as sa
from fastapi import Query
from sqlalchemy.orm import QueryableAttribute, Session

from common.api import MAX_LIMIT as MAX_LIMIT
from common.api import MAX_PAGE as MAX_PAGE
from server.errors import ValidationFailed
from server.sync.models import SyncState
from server.sync.snapshot import CoreLoad
from server.totals import TOTALS, Totals

T = TypeVar("T")
Column = sa.ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class PageRequest:
    """What the client asked for; checked against the endpoint's own sort fields."""

    page: int = 1
    limit: int = 20
    sort_by: str | None = None
    sort_order: Literal["asc", "desc"] = "asc"
    search: str | None = None
    offset: int | None = None  # limit/offset lists (Micro CRM): rows to skip, instead of page


@dataclass(frozen=True)
class PageResult(Generic[T]):
    items: list[T]
    total: int
    page: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.page * self.limit < self.total


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with LIKE's own wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_clause(columns: Sequence[Column], text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring match on any of ``columns``."""
    pattern = like_pattern(text.strip().lower())
    return sa.or_(*(sa.func.lower(c).like(pattern, escape="\\") for c in columns))


@cache
def _upper_forms() -> dict[str, str]:
    """Each lowercase character and the single characters that lower() maps to it."""
    forms: dict[str, str] = {}
    for code in range(0x10000):  # the Basic Multilingual Plane: every script in common use
        ch = chr(code)
        low = ch.lower()
        if low != ch and len(low) == 1:
            forms[low] = forms.get(low, "") + ch
    return forms


def _glob_pattern(term: str) -> str:
    """A case-blind GLOB pattern for ``term`` anywhere: ``öK*`` -> ``*[öÖ][kK…][*]*``.

    SQLite's lower() and LIKE fold ASCII only; a character class per letter
    folds as PostgreSQL's lower() does (``Ö``, ``Ї``, ``ẞ``).
    """
    forms = _upper_forms()
    parts = []
    for ch in term.lower():
        variants = forms.get(ch, "")
        if variants:
            parts.append(f"[{ch}{variants}]")  # letters only: nothing special inside a class
        elif ch in "*?[":
            parts.append(f"[{ch}]")
        else:
            parts.append(ch)
    return "*" + "".join(parts) + "*"


def substring_filter(
    session: Session, columns: Sequence[Column], text: str
) -> sa.ColumnElement[bool]:
    """Case-insensitive substring of any of ``columns``: the same rows on SQLite and PostgreSQL."""
    term = text.strip()
    if session.get_bind().dialect.name != "sqlite":
        return search_clause(columns, term)
    if term.isascii():
        # SQLite's LIKE folds ASCII case itself: lower() would only triple the cost.
        pattern = like_pattern(term)
        return sa.or_(*(c.like(pattern, escape="\\") for c in columns))
    return sa.or_(*(c.op("GLOB", is_comparison=True)(_glob_pattern(term)) for c in columns))


def check_page(req: PageRequest, sortable: Mapping[str, Any]) -> None:
    """Refuse a page request the endpoint cannot serve, naming each bad field."""
    details: dict[str, str] = {}
    if not 1 <= req.page <= MAX_PAGE:
        details["page"] = f"Page must be between 1 and {MAX_PAGE}"
    if req.offset is not None and not 0 <= req.offset <= MAX_PAGE * MAX_LIMIT:
        details["offset"] = f"Offset must be between 0 and {MAX_PAGE * MAX_LIMIT}"
    if not 1 <= req.limit <= MAX_LIMIT:
        details["limit"] = f"Limit must be between 1 and {MAX_LIMIT}"
    if req.sort_by is not None and req.sort_by not in sortable:
        details["sort_by"] = "Unknown sort field; use one of: " + ", ".join(sorted(sortable))
    if req.sort_order not in ("asc", "desc"):
        details["sort_order"] = "Sort order must be asc or desc"
    if details:
        raise ValidationFailed(details)


# The sync version, read in the page's own statement: the state the page shows.
SYNC_VERSION = sa.select(SyncState.version).where(SyncState.id == 1).scalar_subquery()


def paginate(
    session: Session,
    stmt: sa.Select[Any],
    req: PageRequest,
    *,
    sortable: Mapping[str, Column],
    default_sort: str,
    tiebreak: Column,
    search_columns: Sequence[Column] = (),
    filters: Sequence[sa.ColumnElement[bool]] = (),
    transform: Callable[[Any], T] | None = None,
    total_key: Hashable | None = None,
    core: CoreLoad | None = None,
) -> PageResult[T]:
    """Apply filters, search, a stable sort and the page window; give the exact total.

    A page that ends the list gives its total itself (rows before it + its rows).
    Otherwise the rows are counted, once per ``total_key`` and sync version when
    the caller passes one: only for lists of synced rows, whose every write moves
    the version (``server.totals``). The total is exact for the version the page
    was read at, or for a later one if a write landed between the two statements.
    With ``core`` (``stmt`` is its ``select()``), the page's records are Core rows
    read like ORM objects (``server.sync.snapshot``), not ORM objects.
    """
    check_page(req, sortable)
    for f in filters:
        stmt = stmt.where(f)
    if req.search and req.search.strip() and search_columns:
        stmt = stmt.where(search_clause(search_columns, req.search))
    column = sortable[req.sort_by or default_sort]
    order = column.desc() if req.sort_order == "desc" else column.asc()
    tie = tiebreak.desc() if req.sort_order == "desc" else tiebreak.asc()
    skip = req.offset if req.offset is not None else (req.page - 1) * req.limit
    page = stmt.order_by(order, tie).limit(req.limit).offset(skip)
    totals: Totals | None = session.info.get(TOTALS) if total_key is not None else None
    version: int | None = None
    rows: Sequence[Any]
    if core is not None:
        records, further = core.fetch(
            session, page if totals is None else page.add_columns(SYNC_VERSION)
        )
        rows, version = records, (further[0][0] if totals is not None and further else None)
    elif totals is None:
        rows = session.scalars(page).all()
    else:
        found = session.execute(page.add_columns(SYNC_VERSION)).all()
        rows = [row[0] for row in found]
        version = found[0][1] if found else None
    if (rows or skip == 0) and len(rows) < req.limit:
        total = skip + len(rows)  # this page ends the list
    else:
        total = _count(session, stmt, totals, total_key, version)
    items: list[T] = [transform(r) for r in rows] if transform else [*rows]
    return PageResult(items=items, total=total, page=req.page, limit=req.limit)


def _count(
    session: Session,
    stmt: sa.Select[Any],
    totals: Totals | None,
    key: Hashable,
    version: int | None,
) -> int:
    """The rows ``stmt`` selects: remembered for ``version``, or counted (and remembered)."""
    rows = stmt.order_by(None).subquery()
    if totals is None:
        return int(session.scalar(sa.select(sa.func.count()).select_from(rows)) or 0)
    with totals.counting(key):
        known = totals.get(key, version) if version is not None else None
        if known is not None:
            return known
        total, counted_at = session.execute(
            sa.select(sa.func.count(), SYNC_VERSION).select_from(rows)
        ).one()
        totals.put(key, counted_at, total)
        return int(total)


# ---------------------------------------------------------------- the query string, as documented

PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]


def sort_by_statement(sorts: Mapping[str, Any]) -> dict[str, Any]:
    """What the document says of a ``sort_by`` over ``sorts``: its names, as an enum."""
    names = sorted(sorts)
    return {"description": f"One of: {', '.join(names)}", "json_schema_extra": {"enum": names}}


def sort_by(sorts: Mapping[str, Any]) -> Any:
    """The ``sort_by`` query parameter of a list sorted by ``sorts``."""
    return Query(**sort_by_statement(sorts))
