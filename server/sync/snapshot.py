"""Snapshot and list pages from Core rows: records read as plain rows, not ORM objects.

A snapshot copies every row a replica may read, and a list page is read far more
often than it is written; building an ORM object (identity map, instrumented
attributes, relationship loaders) per row cost more than serialising it.
``CoreRecord`` reads like the ORM object the entity's ``serialize`` and REST read
expect (attributes by column name, plus the relations the loader attached), so
each entity keeps one serialisation for REST, pull and push. An entity whose
resource declares a ``CoreLoad`` (``Resource.core``) is read this way for
snapshot pages (``EntitySpec.snapshot_load``) and list pages
(``server.listing.paginate``); the others through the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.countries.models import Country


class CoreRecord:
    """A Core row read like its ORM object: ``rec.name``; relations set as attributes."""

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "__dict__", values)

    def __getattr__(self, name: str) -> Any:  # (says to mypy: any column, any relation set)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value


def core_records(
    session: Session,
    table: sa.FromClause,
    where: sa.ColumnElement[bool],
    *,
    order_by: Sequence[sa.ColumnElement[Any]] = (),
    limit: int | None = None,
) -> list[CoreRecord]:
    query = sa.select(table).where(where).order_by(*(order_by or [table.c.id]))
    if limit is not None:
        query = query.limit(limit)
    result = session.execute(query)
    keys = list(result.keys())
    return [CoreRecord(dict(zip(keys, r, strict=True))) for r in result]


@dataclass(frozen=True)
class CoreLoad:
    """How an entity's records are read from Core rows: its table (one kind of a shared
    table: ``kind``) and the relations ``attach`` sets on a page of them (addresses ...).
    """

    table: sa.FromClause
    kind: sa.ColumnElement[bool] | None = None
    attach: Callable[[Session, list[CoreRecord]], list[CoreRecord]] | None = None

    def select(self) -> sa.Select[Any]:
        """The entity's rows: filters, order and window are added by the caller."""
        query = sa.select(self.table)
        return query if self.kind is None else query.where(self.kind)

    def fetch(self, session: Session, query: sa.Select[Any]) -> tuple[list[CoreRecord], list[Any]]:
        """The records ``query`` (from :meth:`select`) reads, and each row's further columns."""
        # Core statements on the session's connection: no ORM execution layer per statement.
        result = session.connection().execute(query)
        keys = list(result.keys())[: len(self.table.c)]
        rows = result.all()
        records = [CoreRecord(dict(zip(keys, r, strict=False))) for r in rows]
        if self.attach is not None and records:
            records = self.attach(session, records)
        return records, [r[len(keys) :] for r in rows]

    def snapshot(self, session: Session, where: sa.ColumnElement[bool], limit: int) -> list[Any]:
        """A snapshot page (``EntitySpec.snapshot_load``): rows matching ``where`` in id order."""
        query = self.select().where(where).order_by(self.table.c.id).limit(limit)
        return self.fetch(session, query)[0]


def with_countries(
    table: sa.FromClause, key: sa.ColumnElement[Any], order_by: Sequence[sa.ColumnElement[Any]]
) -> sa.Select[Any]:
    """``table``'s rows whose ``key`` is one of ``:keys``, each with its country's row.

    Built once (a module constant): SQLAlchemy then finds its compiled form without
    building the statement and its cache key again per page.
    """
    countries = Country.__table__
    return (
        sa.select(table, countries)
        .select_from(table.outerjoin(countries, table.c.country_id == countries.c.id))
        .where(key.in_(sa.bindparam("keys", expanding=True)))
        .order_by(*order_by)
    )


def records_with_countries(
    session: Session, query: sa.Select[Any], table: sa.FromClause, keys: Sequence[Any]
) -> list[CoreRecord]:
    """The rows of a ``with_countries`` query, ``rec.country`` set as ``attach_countries`` sets it."""
    own = [c.key for c in table.c]
    theirs = [c.key for c in Country.__table__.c]
    records = []
    for r in session.connection().execute(query, {"keys": list(keys)}):
        rec = CoreRecord(dict(zip(own, r, strict=False)))
        rec.country = (
            CoreRecord(dict(zip(theirs, r[len(own) :], strict=True)))
            if rec.country_id is not None
            else None
        )
        records.append(rec)
    return records


def attach_countries(session: Session, records: Iterable[CoreRecord]) -> list[CoreRecord]:
    """``rec.country``: the country row of ``rec.country_id`` (None without one)."""
    records = list(records)
    ids = {r.country_id for r in records if r.country_id is not None}
    table = Country.__table__
    countries = {c.id: c for c in core_records(session, table, table.c.id.in_(ids))} if ids else {}
    for r in records:
        r.country = countries.get(r.country_id) if r.country_id is not None else None
    return records
