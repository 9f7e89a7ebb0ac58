# ruff: noqa: S608 - SQL here is built from declared names (checked by _NAME), never from input;
# values always travel as parameters.
"""List projections: per entity, a side table that triggers keep equal to the replica; no Qt.

A ``ListProjection`` declares the columns of an entity's list as SQL over a
record's JSON (``local_data``), the columns it can be sorted by, and the text
its filter searches. From it come a side table ``<entity>_list`` kept equal to
the entity's rows by SQLite triggers on ``records`` (so a pulled page or a
local edit updates it in the same transaction, whoever writes), one
``(column, rid)`` index per sort key, and a contentless FTS5 trigram index over
a lower-cased search text. Measured at 100k customers (bench/desktop_bench.py):
``json_extract`` in a filter scans every JSON document (~0.9 s per keystroke);
the side table answers a page of a sorted, filtered list in a few milliseconds.

A ``Lookup`` column holds a value of another record (a deal's client name):
read when the row is written, and rewritten by triggers on the other entity's
rows when that record changes, so the list sorts and searches by it too.

A snapshot (a first sync, or a new one after the server asked for a reset) is
not written into the side tables row by row: while the replica applies a
snapshot page it sets ``meta.lists_paused`` inside that page's transaction,
which the triggers on ``records`` check, and when the snapshot is complete it
rebuilds every side table and search index once from ``records``
(``rebuild_projections``; the statements are kept in the file, in
``projection_builds``, so whichever connection applies the last page can run
them). Local edits made between snapshot pages keep their triggers.

The generated SQL has a fingerprint; ``ensure_projection`` compares it (and
the declared ``version``) with the one stored in the replica's ``projections``
table and, when they differ, drops and rebuilds the side table from
``records`` in one transaction: a replica made by an older desktop follows a
changed declaration by itself.

Queries on the side table are in listing.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

ColumnType = Literal["text", "integer"]
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Set in meta only inside a transaction that applies a snapshot page (desktop/core/replica.py):
# the list triggers on ``records`` then leave the side tables to the rebuild at its end.
PAUSED = "lists_paused"
_RUNNING = f"NOT EXISTS (SELECT 1 FROM meta WHERE key = '{PAUSED}')"


def text(*paths: str) -> str:
    """SQL: the first of the JSON ``paths`` set in the record, else ''."""
    parts = ", ".join(f"json_extract({{data}}, '{p}')" for p in paths)
    return f"coalesce({parts}, '')"


def integer(path: str, default: int = 0) -> str:
    """SQL: the integer at the JSON ``path``, else ``default``."""
    return f"coalesce(json_extract({{data}}, '{path}'), {int(default)})"


def rank(path: str, order: Sequence[str]) -> str:
    """SQL: the position of the value at ``path`` in ``order`` (a pipeline's stage order)."""
    whens = " ".join(f"WHEN '{v}' THEN {n}" for n, v in enumerate(order))
    return f"CASE json_extract({{data}}, '{path}') {whens} ELSE {len(order)} END"


@dataclass(frozen=True)
class Lookup:
    """A column read from another record: ``sql`` over that record, found by the ``via`` column.

    ``entity`` may name several entities whose ids never collide (UUIDv7): a contract's
    party is a customer, supplier, partner or employee.
    """

    entity: str | tuple[str, ...]  # the referenced entity ("customer"), or several
    via: str  # the column of this projection that holds the referenced id
    sql: str  # SQL over the referenced record's {data}, e.g. text("$.name")

    @property
    def entities(self) -> tuple[str, ...]:
        return (self.entity,) if isinstance(self.entity, str) else self.entity


@dataclass(frozen=True)
class ListColumn:
    """A column of the side table: SQL over the record ({data} local_data, {server}, {id})."""

    name: str
    sql: str = ""
    type: ColumnType = "text"
    lookup: Lookup | None = None


@dataclass(frozen=True)
class ListProjection:
    """What an entity's list holds, how it sorts, what its filter searches (see module doc)."""

    entity: str
    columns: Sequence[ListColumn]
    sort_keys: Sequence[str]  # each gets a (column, rid) index; rid is the stable tie-breaker
    search: Sequence[str]  # column names, or SQL over {data}, folded into the search text
    version: int = 1  # bump to rebuild every replica's table when the SQL alone does not change
    # Columns holding a JSON array (text): a filter on one keeps the rows whose array holds
    # the value (a journal entry's accounts), not the rows equal to it.
    members: Sequence[str] = ()

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        for name in [self.entity, *names]:
            if not _NAME.match(name):
                raise ValueError(f"not a plain SQL name: {name!r}")
        if len(set(names)) != len(names) or {"rid", "id", "search"} & set(names):
            raise ValueError(f"{self.entity}: duplicate or reserved column names")
        for key in self.sort_keys:
            if key not in names:
                raise ValueError(f"{self.entity}: sort key {key!r} is not a column")
        if not set(self.members) <= set(names):
            raise ValueError(f"{self.entity}: a members column is not a column")
        for c in self.columns:
            if c.lookup is not None and c.lookup.via not in names:
                raise ValueError(f"{self.entity}.{c.name}: lookup via unknown column")

    @property
    def table(self) -> str:
        return f"{self.entity}_list"

    @property
    def fts(self) -> str:
        return f"{self.entity}_search"

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ListColumn:
        return next(c for c in self.columns if c.name == name)

    # ------------------------------------------------------------ generated SQL

    def _value(self, column: ListColumn, source: str) -> str:
        """The column's SQL for the record row aliased ``source`` (``new`` in a trigger)."""
        if column.lookup is not None:
            ref = column.lookup
            key = self._value(self.column(ref.via), source)
            inner = ref.sql.replace("{data}", "x.local_data")
            # One entity keeps the SQL (and so every replica's fingerprint) it always had.
            among = (
                f"= '{ref.entities[0]}'"
                if len(ref.entities) == 1
                else "IN (" + ", ".join(f"'{e}'" for e in ref.entities) + ")"
            )
            return (
                f"coalesce((SELECT {inner} FROM records AS x "
                f"WHERE x.entity {among} AND x.id = ({key})), '')"
            )
        return (
            column.sql.replace("{data}", f"{source}.local_data")
            .replace("{server}", f"{source}.server_data")
            .replace("{id}", f"{source}.id")
        )

    def values(self, source: str) -> list[str]:
        """SQL of id, every column and the search text, for the record row aliased ``source``."""
        by_name = {c.name: self._value(c, source) for c in self.columns}
        parts = [
            by_name[s] if s in by_name else s.replace("{data}", f"{source}.local_data")
            for s in self.search
        ]
        # Words separated (and led) by two spaces, so the trigram "  q" or " sm" marks a word
        # start: a term of one or two characters matches the start of a word, a longer one anywhere.
        joined = " || ' ' || ".join(f"({p})" for p in parts) or "''"
        search = f"'  ' || replace(lower({joined}), ' ', '  ')"
        return [f"{source}.id", *by_name.values(), search]

    @cached_property
    def statements(self) -> tuple[str, ...]:
        """Every CREATE statement of the side table, its indexes, FTS table and triggers."""
        t, fts, entity = self.table, self.fts, self.entity
        cols = ", ".join(["id", *self.names, "search"])
        new = self.values("new")
        sets = ", ".join(
            f"{n} = {v}" for n, v in zip([*self.names, "search"], new[1:], strict=True)
        )
        definitions = ",\n    ".join(
            f"{c.name} TEXT NOT NULL COLLATE NOCASE"
            if c.type == "text"
            else f"{c.name} INTEGER NOT NULL"
            for c in self.columns
        )
        out = [
            f"CREATE TABLE {t} (\n    rid INTEGER PRIMARY KEY,\n    id TEXT NOT NULL UNIQUE,\n"
            f"    {definitions},\n    search TEXT NOT NULL\n)",
            *(f"CREATE INDEX {t}_{k} ON {t} ({k}, rid)" for k in self.sort_keys),
            *(
                f"CREATE INDEX {t}_{v}_ref ON {t} ({v})"
                for v in sorted({c.lookup.via for c in self.columns if c.lookup})
                if v not in self.sort_keys
            ),
            f"CREATE VIRTUAL TABLE {fts} USING fts5(search, content='', tokenize='trigram')",
            f"CREATE TRIGGER {t}_ins AFTER INSERT ON records\n"
            f"WHEN new.entity = '{entity}' AND new.local_data IS NOT NULL AND {_RUNNING} BEGIN\n"
            f"    INSERT INTO {t} ({cols}) VALUES ({', '.join(new)});\nEND",
            f"CREATE TRIGGER {t}_upd AFTER UPDATE OF local_data ON records\n"
            f"WHEN new.entity = '{entity}' AND {_RUNNING} BEGIN\n"
            f"    DELETE FROM {t} WHERE id = new.id AND new.local_data IS NULL;\n"
            f"    UPDATE {t} SET {sets} WHERE id = new.id AND new.local_data IS NOT NULL;\n"
            f"    INSERT INTO {t} ({cols}) SELECT {', '.join(new)}\n"
            f"        WHERE new.local_data IS NOT NULL\n"
            f"        AND NOT EXISTS (SELECT 1 FROM {t} WHERE id = new.id);\nEND",
            f"CREATE TRIGGER {t}_del AFTER DELETE ON records\n"
            f"WHEN old.entity = '{entity}' AND {_RUNNING} BEGIN\n"
            f"    DELETE FROM {t} WHERE id = old.id;\nEND",
            f"CREATE TRIGGER {fts}_ins AFTER INSERT ON {t} BEGIN\n"
            f"    INSERT INTO {fts} (rowid, search) VALUES (new.rid, new.search);\nEND",
            f"CREATE TRIGGER {fts}_del AFTER DELETE ON {t} BEGIN\n"
            f"    INSERT INTO {fts} ({fts}, rowid, search) VALUES ('delete', old.rid, old.search);\nEND",
            f"CREATE TRIGGER {fts}_upd AFTER UPDATE OF search ON {t}\n"
            f"WHEN new.search IS NOT old.search BEGIN\n"
            f"    INSERT INTO {fts} ({fts}, rowid, search) VALUES ('delete', old.rid, old.search);\n"
            f"    INSERT INTO {fts} (rowid, search) VALUES (new.rid, new.search);\nEND",
        ]
        # A referenced record changed: rewrite the rows that show it, from their own records.
        r = self.values("r")
        refresh_set = f"({', '.join([*self.names, 'search'])}) = (SELECT {', '.join(r[1:])} "
        for ref_entity in sorted({e for c in self.columns if c.lookup for e in c.lookup.entities}):
            vias = sorted(
                {c.lookup.via for c in self.columns if c.lookup and ref_entity in c.lookup.entities}
            )
            for event, row in (
                ("INSERT", "new"),
                ("UPDATE OF local_data", "new"),
                ("DELETE", "old"),
            ):
                where = " OR ".join(f"{v} = {row}.id" for v in vias)
                out.append(
                    f"CREATE TRIGGER {t}_{ref_entity}_{event.split()[0].lower()} AFTER {event} "
                    f"ON records\nWHEN {row}.entity = '{ref_entity}' AND {_RUNNING} BEGIN\n"
                    f"    UPDATE {t} SET {refresh_set}FROM records AS r "
                    f"WHERE r.entity = '{entity}' AND r.id = {t}.id)\n        WHERE {where};\nEND"
                )
        return tuple(out)

    @property
    def backfill(self) -> str:
        """Fill the side table from the records already in the replica."""
        cols = ", ".join(["id", *self.names, "search"])
        return (
            f"INSERT INTO {self.table} ({cols}) SELECT {', '.join(self.values('r'))} "
            f"FROM records AS r WHERE r.entity = '{self.entity}' AND r.local_data IS NOT NULL"
        )

    @property
    def build(self) -> tuple[str, ...]:
        """Every statement that makes the side table, filled: the indexes come after the rows
        (one sorted build each instead of an insert per row and index)."""
        indexes = tuple(x for x in self.statements if x.startswith("CREATE INDEX"))
        rest = tuple(x for x in self.statements if not x.startswith("CREATE INDEX"))
        return (*rest, self.backfill, *indexes)

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever the generated SQL or the declared version does."""
        digest = hashlib.sha256("\n".join([*self.statements, self.backfill]).encode()).hexdigest()
        return f"{self.version}:{digest[:16]}"


# ---------------------------------------------------------------- building the side table

_SHARED = (
    "CREATE TABLE IF NOT EXISTS projections (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)",
    # What rebuild_projections runs: {"table", "fts", "build"} as JSON, per side table.
    "CREATE TABLE IF NOT EXISTS projection_builds (name TEXT PRIMARY KEY, build TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS records_conflict_entity_id "
    "ON records (json_extract(local_data, '$.entity_id')) WHERE entity = 'conflict'",
)


def _stored(conn: sqlite3.Connection, projection: ListProjection) -> str | None:
    try:
        row = conn.execute(
            "SELECT fingerprint FROM projections WHERE name = ?", (projection.table,)
        ).fetchone()
    except sqlite3.OperationalError:  # no projections table yet
        return None
    return None if row is None else str(row[0])


def ensure_projection(conn: sqlite3.Connection, projection: ListProjection) -> bool:
    """Create, or rebuild after a change of declaration, the side table; True if it was built."""
    if _stored(conn, projection) == projection.fingerprint:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SHARED:
            conn.execute(statement)
        if _stored(conn, projection) == projection.fingerprint:  # another connection was first
            conn.execute("COMMIT")
            return False
        _build(conn, projection.table, projection.fts, projection.build)
        conn.execute(
            "INSERT INTO projections (name, fingerprint) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint",
            (projection.table, projection.fingerprint),
        )
        build = {"table": projection.table, "fts": projection.fts, "build": projection.build}
        conn.execute(
            "INSERT INTO projection_builds (name, build) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET build = excluded.build",
            (projection.table, json.dumps(build)),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True


def rebuild_projections(conn: sqlite3.Connection) -> None:
    """Build every side table of the replica anew from ``records``, inside the caller's
    transaction (the end of a snapshot, whose pages left them to this)."""
    try:
        builds = conn.execute("SELECT build FROM projection_builds ORDER BY name").fetchall()
    except sqlite3.OperationalError:  # no list was ever opened on this file
        return
    for (text,) in builds:
        build = json.loads(text)
        _build(conn, build["table"], build["fts"], build["build"])


def _build(conn: sqlite3.Connection, table: str, fts: str, build: Sequence[str]) -> None:
    _drop(conn, table, fts)
    for statement in build:
        conn.execute(statement)


def _drop(conn: sqlite3.Connection, table: str, fts: str) -> None:
    """Drop the side table, its FTS table and every trigger of either (an older declaration's)."""
    prefixes = (f"{table}_", f"{fts}_")
    triggers = [
        str(name)
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        if str(name).startswith(prefixes)
    ]
    for name in triggers:
        conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    conn.execute(f"DROP TABLE IF EXISTS {fts}")
    conn.execute(f"DROP TABLE IF EXISTS {table}")
