# ruff: noqa: S608 - SQL here is built from declared names (checked by ListProjection), never
# from input; values always travel as parameters.
"""Queries on a list projection's side table: sort, filter as you type, page; no Qt.

A page is fetched with keyset pagination on ``(sort column, rid)``. A filter
first walks the sort index and stops at the page size (fast when many rows
match); if that takes longer than a small time budget (few rows match) it asks
the trigram index for the matching rows instead and sorts those. Terms shorter
than three characters cannot use the trigram index and fall back to a scan of
the side table. Case folding of short terms is ASCII only (SQLite's ``LIKE``);
the trigram index folds Unicode.

Open conflicts (``conflict`` records with status ``open``) and pending edits
(any outbox entry of the record, commands included) are looked up for the rows
of a page only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from desktop.core.kit.projection import ListProjection, ensure_projection
from desktop.core.replica import Replica

PAGE_SIZE = 200
WALK_BUDGET_S = 0.012  # how long the sorted index walk may look for matches before the FTS plan


@dataclass(frozen=True)
class ListQuery:
    """What a list shows: a filter text, column = value filters, and the sort."""

    text: str = ""
    sort: str = ""  # "" : the projection's first sort key
    descending: bool = False
    filters: Mapping[str, Any] = field(default_factory=dict)  # column -> value; None: any
    # column -> (lowest, highest), both inclusive; None: open at that end. A row whose
    # column is empty ('') is outside every range with a bound.
    ranges: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ListRow:
    """One row of a list: the projection's columns plus the replica's markers."""

    rid: int
    id: str
    values: Mapping[str, Any]
    pending: bool  # an outbox entry of this record waits to be sent
    conflict: bool  # an open conflict record names this record
    pending_command: str | None = None  # the latest queued command (its effect comes by pull)
    pending_args: Mapping[str, Any] = field(default_factory=dict)
    moving: bool = False  # a value shown is a queued command's, not yet the server's

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def sort_value(self, key: str) -> Any:
        value = self.values[key]
        return int(value) if isinstance(value, bool) else value


class _Interrupted(Exception):
    pass


def _terms(text: str) -> list[str]:
    """Search terms: lower-cased words; a short one is anchored at a word start (see values())."""
    return [t if len(t) >= 3 else " " * (3 - len(t)) + t for t in text.lower().split()]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class EntityList:
    """Read-only list queries of one projection on a replica file, on their own connection.

    WAL lets these reads run while the sync worker writes, without waiting for
    the replica's lock; every query sees the last committed state. Create one
    per view and ``close()`` it with the view. ``adjust`` rewrites each row as
    the user should see it (a deal with a queued stage move shows the new stage).
    """

    def __init__(
        self,
        projection: ListProjection,
        replica: Replica | str | Path,
        *,
        adjust: Callable[[ListRow], ListRow] | None = None,
    ) -> None:
        self.projection = projection
        self._adjust = adjust
        path = replica.path if isinstance(replica, Replica) else Path(replica)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=30
        )
        ensure_projection(self._conn, projection)
        p = projection
        entity = f"'{p.entity}'"
        self._columns = ", ".join(["rid", "id", *p.names])
        self._row_sql = (
            "SELECT p.rid, p.id, "
            + ", ".join(f"p.{n}" for n in p.names)
            + f""",
    EXISTS (SELECT 1 FROM outbox AS o WHERE o.entity = {entity} AND o.id = p.id),
    EXISTS (
        SELECT 1 FROM records AS c
        WHERE c.entity = 'conflict' AND json_extract(c.local_data, '$.entity_id') = p.id
        AND json_extract(c.local_data, '$.entity') = {entity}
        AND json_extract(c.local_data, '$.status') = 'open'
    ),
    (
        SELECT o.payload FROM outbox AS o
        WHERE o.entity = {entity} AND o.id = p.id AND o.op = 'command'
        ORDER BY o.mutation_id DESC LIMIT 1
    )
FROM ({{inner}}) AS p ORDER BY {{outer_order}}"""
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EntityList:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ queries

    def page(
        self, query: ListQuery, *, after: ListRow | None = None, limit: int = PAGE_SIZE
    ) -> list[ListRow]:
        """Up to ``limit`` rows of ``query`` after the row ``after`` (keyset pagination)."""
        sort = self._sort(query)
        terms = _terms(query.text)
        with self._lock:
            where, params = self._where(query, after, sort)
            if not terms:
                return self._rows(where, params, query, sort, limit, plan="walk")
            like = [_like(t) for t in terms]
            where_like = [*where, *("search LIKE ? ESCAPE '\\'" for _ in like)]
            try:
                return self._rows(
                    where_like,
                    [*params, *like],
                    query,
                    sort,
                    limit,
                    plan="walk",
                    budget=WALK_BUDGET_S,
                )
            except _Interrupted:
                pass
            # Every term is at least three characters (short ones carry their word-start spaces),
            # so the trigram index finds the candidates; then sort just those.
            match = " AND ".join(_fts_phrase(t) for t in terms)
            fts = f"rid IN (SELECT rowid FROM {self.projection.fts} WHERE {self.projection.fts} MATCH ?)"
            return self._rows([*where, fts], [*params, match], query, sort, limit, plan="sort")

    def rows(self, query: ListQuery) -> list[ListRow]:
        """Every row of ``query`` (for views that show them all at once: the pipeline)."""
        out: list[ListRow] = []
        while True:
            page = self.page(query, after=out[-1] if out else None, limit=1000)
            out.extend(page)
            if len(page) < 1000:
                return out

    def get(self, record_id: str) -> ListRow | None:
        """The row of one record (None when the replica has no such record)."""
        with self._lock:
            return next(
                iter(
                    self._rows(
                        ["id = ?"],
                        [record_id],
                        ListQuery(),
                        self._sort(ListQuery()),
                        1,
                        plan="walk",
                    )
                ),
                None,
            )

    def count(self, query: ListQuery | None = None) -> int:
        """How many rows match ``query`` (a whole scan when filtered: not per keystroke)."""
        query = query or ListQuery()
        with self._lock:
            where, params = self._where(query, None, self._sort(query))
            for term in _terms(query.text):
                where.append("search LIKE ? ESCAPE '\\'")
                params.append(_like(term))
            sql = f"SELECT count(*) FROM {self.projection.table}" + (
                " WHERE " + " AND ".join(where) if where else ""
            )
            return int(self._conn.execute(sql, params).fetchone()[0])

    # ------------------------------------------------------------ plumbing

    def _sort(self, query: ListQuery) -> str:
        sort = query.sort or self.projection.sort_keys[0]
        if sort not in self.projection.sort_keys:
            raise ValueError(f"cannot sort {self.projection.entity} by {sort!r}")
        return sort

    def _where(
        self, query: ListQuery, after: ListRow | None, sort: str
    ) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for name, value in query.filters.items():
            if value is None:
                continue
            if name not in self.projection.names:
                raise ValueError(f"cannot filter {self.projection.entity} by {name!r}")
            if name in self.projection.members:
                where.append(f"EXISTS (SELECT 1 FROM json_each({name}) WHERE value = ?)")
            else:
                where.append(f"{name} = ?")
            params.append(int(value) if isinstance(value, bool) else value)
        for name, (low, high) in query.ranges.items():
            if name not in self.projection.names:
                raise ValueError(f"cannot filter {self.projection.entity} by {name!r}")
            if low is not None:
                where.append(f"{name} >= ?")
                params.append(low)
            if high is not None:
                where.append(f"{name} <= ? AND {name} != ''")
                params.append(high)
        if after is not None:
            op = "<" if query.descending else ">"
            where.append(f"({sort}, rid) {op} (?, ?)")
            params.extend([self._stored_sort_value(after, sort), after.rid])
        return where, params

    def _stored_sort_value(self, row: ListRow, sort: str) -> Any:
        """The sort value as the side table holds it (``adjust`` may have changed the row's)."""
        if not row.moving:
            return row.sort_value(sort)
        found = self._conn.execute(
            f"SELECT {sort} FROM {self.projection.table} WHERE rid = ?",
            (row.rid,),
        ).fetchone()
        return row.sort_value(sort) if found is None else found[0]

    def _rows(
        self,
        where: Sequence[str],
        params: Sequence[Any],
        query: ListQuery,
        sort: str,
        limit: int,
        *,
        plan: Literal["walk", "sort"],
        budget: float | None = None,
    ) -> list[ListRow]:
        direction = "DESC" if query.descending else "ASC"
        # "walk": ORDER BY the indexed column, so SQLite walks its index and stops at the limit.
        # "sort": unary + keeps the column's collation but not its index: filter first, then sort.
        prefix = "" if plan == "walk" else "+"
        order = f"{prefix}{sort} {direction}, {prefix}rid {direction}"
        inner = (
            f"SELECT {self._columns} FROM {self.projection.table}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order} LIMIT ?"
        )
        sql = self._row_sql.format(
            inner=inner, outer_order=f"p.{sort} {direction}, p.rid {direction}"
        )
        if budget is not None:
            deadline = time.perf_counter() + budget
            self._conn.set_progress_handler(lambda: int(time.perf_counter() > deadline), 2000)
        try:
            found = self._conn.execute(sql, [*params, limit]).fetchall()
        except sqlite3.OperationalError as exc:
            if budget is not None and "interrupt" in str(exc):
                raise _Interrupted from None
            raise
        finally:
            if budget is not None:
                self._conn.set_progress_handler(None, 0)
        names = self.projection.names
        n = len(names)
        rows: list[ListRow] = []
        for r in found:
            command: str | None = None
            args: dict[str, Any] = {}
            if r[n + 4] is not None:
                payload = json.loads(r[n + 4])
                command = payload.get("command")
                args = payload.get("args") or {}
            rows.append(
                ListRow(
                    rid=r[0],
                    id=r[1],
                    values=dict(zip(names, r[2 : n + 2], strict=True)),
                    pending=bool(r[n + 2]),
                    conflict=bool(r[n + 3]),
                    pending_command=command,
                    pending_args=args,
                )
            )
        if self._adjust is not None:
            rows = [self._adjust(row) for row in rows]
        return rows
