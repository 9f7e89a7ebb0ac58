"""Snapshot pages from Core rows: records read as plain rows, not ORM objects.

A snapshot copies every row a replica may read; building an ORM object (identity
map, instrumented attributes, relationship loaders) per row cost more than
serialising it. ``CoreRecord`` reads like the ORM object the entity's
``serialize`` expects (attributes by column name, plus the relations the loader
attached), so each entity keeps one serialisation for REST, pull and push.
An entity with a ``snapshot_load`` (``EntitySpec``) is read this way; the
others through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def attach_countries(session: Session, records: Iterable[CoreRecord]) -> list[CoreRecord]:
    """``rec.country``: the country row of ``rec.country_id`` (None without one)."""
    records = list(records)
    ids = {r.country_id for r in records if r.country_id is not None}
    table = Country.__table__
    countries = {c.id: c for c in core_records(session, table, table.c.id.in_(ids))} if ids else {}
    for r in records:
        r.country = countries.get(r.country_id) if r.country_id is not None else None
    return records
