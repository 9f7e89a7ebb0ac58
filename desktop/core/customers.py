"""Customer list queries over the replica: sort, filter as you type, page; no Qt.

The list reads a side table, ``customer_list``, that SQLite triggers on
``records`` keep equal to the customer rows' ``local_data`` (so a pulled page
or a local edit updates it in the same transaction, whoever writes), plus a
contentless FTS5 trigram index over a lower-cased search text (name, company,
email, phone, city). Measured at 100k customers (bench/desktop_bench.py):
``json_extract`` in a filter scans every JSON document (~0.9 s per keystroke)
and expression indexes help only sorting; the side table answers a page of a
sorted, filtered list in a few milliseconds.

A page is fetched with keyset pagination on ``(sort column, rid)``. A filter
first walks the sort index and stops at the page size (fast when many rows
match); if that takes longer than a small time budget (few rows match) it
asks the trigram index for the matching rows instead and sorts those.
Filter terms shorter than three characters cannot use the trigram index and
fall back to a scan of the side table. Case folding of short terms is ASCII only
(SQLite's ``LIKE``); the trigram index folds Unicode.

Open conflicts (``conflict`` records with status ``open``) and pending edits
(any outbox entry of the customer, commands included) are looked up for the
rows of a page only.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from desktop.core.replica import Replica

SCHEMA_VERSION = "1"
PAGE_SIZE = 200
WALK_BUDGET_S = 0.012  # how long the sorted index walk may look for matches before the FTS plan

SortKey = Literal[
    "name", "company", "email", "phone", "city", "country", "credit_limit", "currency", "active"
]
SORT_KEYS: tuple[SortKey, ...] = (
    "name",
    "company",
    "email",
    "phone",
    "city",
    "country",
    "credit_limit",
    "currency",
    "active",
)
ADDRESS_FIELDS = ("street", "city", "region", "postal_code", "country")


def _j(path: str) -> str:
    return f"json_extract(new.local_data, '{path}')"


# What a list row shows, from a customer's local_data. A locally created customer that has
# not been pulled back yet has the create shape (``addresses`` with ``country``); a pulled one
# the read shape (``address`` with ``country_code``); a local address edit adds ``country``.
_VALUES = {
    "id": "new.id",
    "name": f"coalesce({_j('$.name')}, '')",
    "company": f"coalesce({_j('$.company')}, '')",
    "email": f"coalesce({_j('$.email')}, '')",
    # phone_display comes from the server: show it only while the number is still the server's.
    "phone": (
        f"CASE WHEN json_extract(new.server_data, '$.phone') IS {_j('$.phone')} "
        f"THEN coalesce({_j('$.phone_display')}, {_j('$.phone')}, '') "
        f"ELSE coalesce({_j('$.phone')}, '') END"
    ),
    "city": f"coalesce({_j('$.address.city')}, {_j('$.addresses[0].city')}, '')",
    "country": (
        f"coalesce({_j('$.address.country')}, {_j('$.address.country_code')}, "
        f"{_j('$.addresses[0].country')}, {_j('$.addresses[0].country_code')}, '')"
    ),
    "credit_limit": f"coalesce({_j('$.credit_limit')}, 0)",
    "currency": f"coalesce({_j('$.currency')}, '')",
    "active": f"coalesce({_j('$.active')}, 1)",
}
# Words separated (and led) by two spaces, so the trigram "  q" or " sm" marks a word start:
# a term of one or two characters matches the start of a word, a longer one anywhere.
_SEARCH = (
    "'  ' || replace(lower({name} || ' ' || {company} || ' ' || {email} || ' ' || {phone} || ' ' || "
    f"coalesce({_j('$.phone')}, '') || ' ' || {{city}}), ' ', '  ')"
).format(**_VALUES)
_COLS = ", ".join([*_VALUES, "search"])
_VALS = ", ".join([*_VALUES.values(), _SEARCH])
_SETS = ", ".join(f"{k} = {v}" for k, v in _VALUES.items() if k != "id")

_INDEXES = "\n".join(
    f"CREATE INDEX IF NOT EXISTS customer_list_{k} ON customer_list ({k}, rid);" for k in SORT_KEYS
)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS customer_list (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL COLLATE NOCASE,
    company TEXT NOT NULL COLLATE NOCASE,
    email TEXT NOT NULL COLLATE NOCASE,
    phone TEXT NOT NULL COLLATE NOCASE,
    city TEXT NOT NULL COLLATE NOCASE,
    country TEXT NOT NULL COLLATE NOCASE,
    credit_limit INTEGER NOT NULL,
    currency TEXT NOT NULL COLLATE NOCASE,
    active INTEGER NOT NULL,
    search TEXT NOT NULL
);
{_INDEXES}
CREATE VIRTUAL TABLE IF NOT EXISTS customer_search USING fts5(
    search, content='', tokenize='trigram'
);
CREATE INDEX IF NOT EXISTS records_conflict_entity_id
    ON records (json_extract(local_data, '$.entity_id')) WHERE entity = 'conflict';
CREATE TRIGGER IF NOT EXISTS customer_list_ins AFTER INSERT ON records
WHEN new.entity = 'customer' AND new.local_data IS NOT NULL BEGIN
    INSERT INTO customer_list ({_COLS}) VALUES ({_VALS});
END;
CREATE TRIGGER IF NOT EXISTS customer_list_upd AFTER UPDATE OF local_data ON records
WHEN new.entity = 'customer' BEGIN
    DELETE FROM customer_list WHERE id = new.id AND new.local_data IS NULL;
    UPDATE customer_list SET {_SETS}, search = {_SEARCH}
        WHERE id = new.id AND new.local_data IS NOT NULL;
    INSERT INTO customer_list ({_COLS}) SELECT {_VALS}
        WHERE new.local_data IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM customer_list WHERE id = new.id);
END;
CREATE TRIGGER IF NOT EXISTS customer_list_del AFTER DELETE ON records
WHEN old.entity = 'customer' BEGIN
    DELETE FROM customer_list WHERE id = old.id;
END;
CREATE TRIGGER IF NOT EXISTS customer_search_ins AFTER INSERT ON customer_list BEGIN
    INSERT INTO customer_search (rowid, search) VALUES (new.rid, new.search);
END;
CREATE TRIGGER IF NOT EXISTS customer_search_del AFTER DELETE ON customer_list BEGIN
    INSERT INTO customer_search (customer_search, rowid, search)
        VALUES ('delete', old.rid, old.search);
END;
CREATE TRIGGER IF NOT EXISTS customer_search_upd AFTER UPDATE OF search ON customer_list
WHEN new.search IS NOT old.search BEGIN
    INSERT INTO customer_search (customer_search, rowid, search)
        VALUES ('delete', old.rid, old.search);
    INSERT INTO customer_search (rowid, search) VALUES (new.rid, new.search);
END;
"""  # noqa: S608 - identifiers from fixed lists
_BACKFILL = (
    f"INSERT INTO customer_list ({_COLS}) SELECT {_VALS.replace('new.', 'r.')} "  # noqa: S608 - identifiers from fixed lists; values are parameters
    "FROM records AS r WHERE r.entity = 'customer' AND r.local_data IS NOT NULL"
)
_OBJECTS = (
    "customer_list",
    "customer_search",
    "customer_list_ins",
    "customer_list_upd",
    "customer_list_del",
    "customer_search_ins",
    "customer_search_del",
    "customer_search_upd",
    "records_conflict_entity_id",
)


@dataclass(frozen=True)
class ListQuery:
    """What the list shows: a filter text, active/inactive/all, and the sort."""

    text: str = ""
    active: bool | None = None
    sort: SortKey = "name"
    descending: bool = False


@dataclass(frozen=True)
class CustomerRow:
    """One row of the customer list."""

    rid: int
    id: str
    name: str
    company: str
    email: str
    phone: str
    city: str
    country: str
    credit_limit: int
    currency: str
    active: bool
    pending: bool
    conflict: bool
    pending_command: str | None

    def sort_value(self, key: SortKey) -> Any:
        value = getattr(self, key)
        return int(value) if isinstance(value, bool) else value


_ROW_SQL = """
SELECT p.rid, p.id, p.name, p.company, p.email, p.phone, p.city, p.country, p.credit_limit,
    p.currency, p.active,
    EXISTS (SELECT 1 FROM outbox AS o WHERE o.entity = 'customer' AND o.id = p.id),
    EXISTS (
        SELECT 1 FROM records AS c
        WHERE c.entity = 'conflict' AND json_extract(c.local_data, '$.entity_id') = p.id
        AND json_extract(c.local_data, '$.entity') = 'customer'
        AND json_extract(c.local_data, '$.status') = 'open'
    ),
    (
        SELECT json_extract(o.payload, '$.command') FROM outbox AS o
        WHERE o.entity = 'customer' AND o.id = p.id AND o.op = 'command'
        ORDER BY o.mutation_id DESC LIMIT 1
    )
FROM ({inner}) AS p ORDER BY {outer_order}
"""


class _Interrupted(Exception):
    pass


def _terms(text: str) -> list[str]:
    """Search terms: lower-cased words; a short one is anchored at a word start (see _SEARCH)."""
    return [t if len(t) >= 3 else " " * (3 - len(t)) + t for t in text.lower().split()]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class CustomerList:
    """Read-only list queries on a replica file, on their own SQLite connection.

    WAL lets these reads run while the sync worker writes, without waiting for
    the replica's lock; every query sees the last committed state. Create one
    per view and ``close()`` it with the view.
    """

    def __init__(self, replica: Replica | str | Path) -> None:
        path = replica.path if isinstance(replica, Replica) else Path(replica)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=30
        )
        ensure_schema(self._conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> CustomerList:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ queries

    def page(
        self, query: ListQuery, *, after: CustomerRow | None = None, limit: int = PAGE_SIZE
    ) -> list[CustomerRow]:
        """Up to ``limit`` rows of ``query`` after the row ``after`` (keyset pagination)."""
        if query.sort not in SORT_KEYS:
            raise ValueError(f"cannot sort by {query.sort!r}")
        where, params = self._where(query, after)
        terms = _terms(query.text)
        with self._lock:
            if not terms:
                return self._rows(where, params, query, limit, plan="walk")
            like = [_like(t) for t in terms]
            where_like = [*where, *("search LIKE ? ESCAPE '\\'" for _ in like)]
            try:
                return self._rows(
                    where_like, [*params, *like], query, limit, plan="walk", budget=WALK_BUDGET_S
                )
            except _Interrupted:
                pass
            # Every term is at least three characters (short ones carry their word-start spaces),
            # so the trigram index finds the candidates; then sort just those.
            match = " AND ".join(_fts_phrase(t) for t in terms)
            fts = "rid IN (SELECT rowid FROM customer_search WHERE customer_search MATCH ?)"
            return self._rows([*where, fts], [*params, match], query, limit, plan="sort")

    def count(self, query: ListQuery | None = None) -> int:
        """How many customers match ``query`` (a whole scan when filtered: not per keystroke)."""
        query = query or ListQuery()
        where, params = self._where(query, None)
        for term in _terms(query.text):
            where.append("search LIKE ? ESCAPE '\\'")
            params.append(_like(term))
        sql = "SELECT count(*) FROM customer_list" + (  # noqa: S608 - identifiers from fixed lists; values are parameters
            " WHERE " + " AND ".join(where) if where else ""
        )
        with self._lock:
            return int(self._conn.execute(sql, params).fetchone()[0])

    # ------------------------------------------------------------ plumbing

    @staticmethod
    def _where(query: ListQuery, after: CustomerRow | None) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if query.active is not None:
            where.append("active = ?")
            params.append(1 if query.active else 0)
        if after is not None:
            op = "<" if query.descending else ">"
            where.append(f"({query.sort}, rid) {op} (?, ?)")
            params.extend([after.sort_value(query.sort), after.rid])
        return where, params

    def _rows(
        self,
        where: Sequence[str],
        params: Sequence[Any],
        query: ListQuery,
        limit: int,
        *,
        plan: Literal["walk", "sort"],
        budget: float | None = None,
    ) -> list[CustomerRow]:
        direction = "DESC" if query.descending else "ASC"
        # "walk": ORDER BY the indexed column, so SQLite walks its index and stops at the limit.
        # "sort": unary + keeps the column's collation but not its index: filter first, then sort.
        prefix = "" if plan == "walk" else "+"
        order = f"{prefix}{query.sort} {direction}, {prefix}rid {direction}"
        inner = (
            "SELECT rid, id, name, company, email, phone, city, country, credit_limit, currency, "  # noqa: S608 - identifiers from fixed lists; values are parameters
            "active FROM customer_list"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order} LIMIT ?"
        )
        sql = _ROW_SQL.format(
            inner=inner, outer_order=f"p.{query.sort} {direction}, p.rid {direction}"
        )
        if budget is not None:
            deadline = time.perf_counter() + budget
            self._conn.set_progress_handler(lambda: int(time.perf_counter() > deadline), 2000)
        try:
            rows = self._conn.execute(sql, [*params, limit]).fetchall()
        except sqlite3.OperationalError as exc:
            if budget is not None and "interrupt" in str(exc):
                raise _Interrupted from None
            raise
        finally:
            if budget is not None:
                self._conn.set_progress_handler(None, 0)
        return [
            CustomerRow(
                rid=r[0],
                id=r[1],
                name=r[2],
                company=r[3],
                email=r[4],
                phone=r[5],
                city=r[6],
                country=r[7],
                credit_limit=int(r[8]),
                currency=r[9],
                active=bool(r[10]),
                pending=bool(r[11]),
                conflict=bool(r[12]),
                pending_command=r[13],
            )
            for r in rows
        ]


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the side table, its index and triggers once per replica file (and fill it)."""
    names = {
        r[0]
        for r in conn.execute(
            f"SELECT name FROM sqlite_master WHERE name IN ({','.join('?' * len(_OBJECTS))})",  # noqa: S608 - placeholders only
            _OBJECTS,
        )
    }
    if names == set(_OBJECTS):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        fresh = (
            conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'customer_list'").fetchone()
            is None
        )
        for statement in _statements(SCHEMA):
            conn.execute(statement)
        if fresh:
            conn.execute(_BACKFILL)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a script into statements (trigger bodies contain semicolons)."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s.strip(" ;\n")]


def search_customers(replica: Replica, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """Customers matching ``text`` by name, company, email, phone or city (the global search)."""
    if not text.strip():
        return []
    with CustomerList(replica) as customers:
        rows = customers.page(ListQuery(text=text), limit=limit)
    return [
        {
            "id": r.id,
            "name": r.name,
            "company": r.company or None,
            "email": r.email,
            "phone": r.phone or None,
            "city": r.city or None,
            "country": r.country or None,
            "active": r.active,
            "pending": r.pending,
            "conflict": r.conflict,
        }
        for r in rows
    ]


def billing_address(record: dict[str, Any]) -> dict[str, str | None]:
    """The billing address of a customer record, whatever shape the replica holds it in.

    Pulled rows have ``address`` with ``country_code``; a local create has
    ``addresses`` with ``country``; a local address edit adds ``country`` to
    ``address``. Keys: street, city, region, postal_code, country (alpha-2).
    """
    out: dict[str, str | None] = dict.fromkeys(ADDRESS_FIELDS)
    sources: list[dict[str, Any]] = [
        a
        for a in record.get("addresses") or []
        if isinstance(a, dict) and a.get("type", "billing") == "billing"
    ][:1]
    if isinstance(record.get("address"), dict):
        sources.append(record["address"])
    for source in sources:
        for key in ("street", "city", "region", "postal_code"):
            if key in source:
                out[key] = source[key]
        if source.get("region") is None and source.get("state") is not None:
            out["region"] = source["state"]
        if "country" in source:
            out["country"] = source["country"]
        elif "country_code" in source:
            out["country"] = source["country_code"]
    return out
