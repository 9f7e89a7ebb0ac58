"""The local SQLite replica: synced records, the outbox of local edits, the sync cursor.

One file per server + user profile. What the user sees (``local_data``) is the
last state pulled from the server (``server_data``) with the still-pending
local edits of the outbox replayed on top. Every local edit writes its record
row and its outbox entry in one transaction; every pulled page is applied
together with its cursor in one transaction, so a crash at any point leaves a
replica that either has the page and its cursor or neither (docs/sync-protocol.md).

No Qt here: the desktop runs these calls on a single-worker executor.
"""

from __future__ import annotations

import builtins
import copy
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from common.api import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from common.documents import Company
from common.ids import new_id
from common.sync import Mutation, MutationResult, PullResponse
from desktop.core.kit.projection import PAUSED, rebuild_projections

Op = Literal["create", "update", "delete", "command"]
Data = dict[str, Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER,
    server_data TEXT,
    local_data TEXT,
    dirty INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (entity, id)
);
CREATE TABLE IF NOT EXISTS outbox (
    mutation_id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete', 'command')),
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_record ON outbox (entity, id, mutation_id);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS rejections (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id INTEGER NOT NULL,
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    op TEXT NOT NULL,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    created_at TEXT NOT NULL,
    dismissed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS conflict_results (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id INTEGER NOT NULL,
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    conflict_ids TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


# Set while a snapshot is under way: the list side tables wait for its end (projection.py).
LISTS_STALE = "lists_stale"

# A page is one JSON object (common.sync.PullResponse); its top-level members, then each of
# its changes read once by SQLite (each change's members pivoted into one row) into
# temp.pulled, which the checks and the writes below read.
_TOP = "SELECT key, type, atom FROM json_each(?)"
_PULLED = """
CREATE TEMP TABLE IF NOT EXISTS pulled (
    seq INTEGER PRIMARY KEY, kind TEXT, entity, entity_type TEXT, id, id_type TEXT,
    op, version, version_type TEXT, data, data_type TEXT
)
"""
_READ_CHANGES = """
INSERT INTO temp.pulled
SELECT c.key, c.type,
    max(CASE f.key WHEN 'entity' THEN f.atom END), max(CASE f.key WHEN 'entity' THEN f.type END),
    max(CASE f.key WHEN 'id' THEN f.atom END), max(CASE f.key WHEN 'id' THEN f.type END),
    max(CASE f.key WHEN 'op' THEN f.atom END),
    max(CASE f.key WHEN 'version' THEN f.atom END), max(CASE f.key WHEN 'version' THEN f.type END),
    max(CASE f.key WHEN 'data' THEN f.value END), max(CASE f.key WHEN 'data' THEN f.type END)
FROM json_each(?, '$.changes') AS c LEFT JOIN json_each(c.value) AS f ON c.type = 'object'
GROUP BY c.key
"""
_BAD_CHANGE = """
SELECT seq FROM temp.pulled WHERE NOT coalesce(
    kind = 'object' AND entity_type = 'text' AND id_type = 'text' AND version_type = 'integer'
    AND CASE op
        WHEN 'upsert' THEN data_type = 'object'
        WHEN 'delete' THEN coalesce(data_type, 'null') = 'null'
        ELSE 0 END,
    0
) LIMIT 1
"""
_HELD = "EXISTS (SELECT 1 FROM outbox AS o WHERE o.entity = c.entity AND o.id = c.id)"
# (S608: built from the constants above only; the page itself travels as a parameter.)
_PENDING_CHANGES = (
    f"SELECT entity, id, op, version, data FROM temp.pulled AS c WHERE {_HELD} ORDER BY seq"  # noqa: S608
)
_UPSERT_CHANGES = f"""
INSERT INTO records (entity, id, version, server_data, local_data, dirty)
SELECT entity, id, version, data, data, 0 FROM temp.pulled AS c
WHERE op = 'upsert' AND NOT {_HELD} ORDER BY seq
ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version,
    server_data = excluded.server_data, local_data = excluded.local_data, dirty = 0
"""  # noqa: S608
_DELETE_CHANGES = f"""
DELETE FROM records WHERE (entity, id) IN (
    SELECT entity, id FROM temp.pulled AS c WHERE op = 'delete' AND NOT {_HELD}
)
"""  # noqa: S608
# Bytes that may belong to a control character in a page (JSON escapes one as \u00XX; DEL
# and the C1 controls, UTF-8 C2 80-9F, may also come as they are): seen in C (bytes.find);
# a hit is then confirmed exactly (an escaped quote, an accented letter also hit).
_SUSPECT = (b"\\u", b"\x7f", b"\xc2")


class BadPage(ValueError):
    """A pulled page this replica cannot take (not the protocol's shape, or text no field
    may hold); nothing of it was applied."""


@dataclass(frozen=True)
class PageInfo:
    """What the client needs to know of a page: where the next one starts, what it held."""

    cursor: str
    has_more: bool
    phase: Literal["snapshot", "incremental"]
    reset: bool
    server_version: int
    changes: int
    entities: tuple[str, ...]  # the entities its changes touch


def _read_page(conn: sqlite3.Connection, text: str) -> PageInfo:
    """The page's own fields; its changes read into temp.pulled and their shapes checked."""
    try:
        top = {key: (kind, atom) for key, kind, atom in conn.execute(_TOP, (text,))}
        conn.execute(_PULLED)
        conn.execute("DELETE FROM temp.pulled")
        if top.get("changes", ("",))[0] == "array":
            conn.execute(_READ_CHANGES, (text,))
        bad = conn.execute(_BAD_CHANGE).fetchone()
    except sqlite3.OperationalError as exc:  # malformed JSON, or not an object
        raise BadPage(f"The server's answer is not a sync page: {exc}") from None
    kinds = {key: kind for key, (kind, _) in top.items()}
    if (
        kinds.get("changes") != "array"
        or kinds.get("cursor") != "text"
        or kinds.get("has_more") not in ("true", "false")
        or top.get("phase", ("", ""))[1] not in ("snapshot", "incremental")
        or kinds.get("reset", "false") not in ("true", "false")
        or kinds.get("server_version") != "integer"
    ):
        raise BadPage("The server's answer is not a sync page")
    if bad is not None:
        raise BadPage(f"Change {bad[0]} of the page is not a record change")
    return PageInfo(
        cursor=str(top["cursor"][1]),
        has_more=kinds["has_more"] == "true",
        phase=top["phase"][1],
        reset=kinds.get("reset") == "true",
        server_version=int(top["server_version"][1]),
        changes=int(conn.execute("SELECT count(*) FROM temp.pulled").fetchone()[0]),
        entities=tuple(
            str(e) for (e,) in conn.execute("SELECT DISTINCT entity FROM temp.pulled ORDER BY 1")
        ),
    )


def _check_page_text(text: str) -> None:
    """Refuse a page with text no server field may hold (common.api's rule), naming the record."""
    try:
        page = json.loads(text)
    except ValueError as exc:
        raise BadPage(f"The server's answer is not a sync page: {exc}") from None
    for change in page.get("changes") or [] if isinstance(page, dict) else []:
        if has_control_characters(change):
            entity = change.get("entity") if isinstance(change, dict) else None
            id = change.get("id") if isinstance(change, dict) else None
            raise BadPage(f"The server sent {entity} {id}: {CONTROL_CHARACTERS_MESSAGE}")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _loads(value: str | None) -> Any:
    return None if value is None else json.loads(value)


@dataclass(frozen=True)
class Rejection:
    """A local edit the server refused; it has been undone locally."""

    seq: int
    mutation_id: int
    entity: str
    id: str
    op: str
    payload: Data
    error: Data
    created_at: str


@dataclass(frozen=True)
class PendingMutation:
    mutation_id: int
    entity: str
    id: str
    op: Op
    payload: Data
    created_at: str

    def to_wire(self) -> Mutation:
        p = self.payload
        return Mutation(
            mutation_id=self.mutation_id,
            entity=self.entity,
            op=self.op,
            id=self.id,
            data=p.get("data"),
            changes=p.get("changes"),
            base=p.get("base"),
            base_version=p.get("base_version"),
            command=p.get("command"),
            args=p.get("args"),
            made_at=self.created_at or None,
        )


def _apply_changes(target: Data, changes: Data) -> Data:
    """``target`` with ``changes`` on top; nested objects (an address) merge field by field."""
    out = copy.deepcopy(target)
    for name, value in changes.items():
        current = out.get(name)
        if isinstance(value, dict) and isinstance(current, dict):
            out[name] = {**current, **copy.deepcopy(value)}
        else:
            out[name] = copy.deepcopy(value)
    return out


def _replay(base: Data | None, pending: Sequence[PendingMutation]) -> Data | None:
    """What the user sees: ``base`` with the pending edits replayed in order."""
    local = copy.deepcopy(base)
    for m in pending:
        if m.op == "create":
            local = {**copy.deepcopy(m.payload["data"]), "id": m.id}
        elif m.op == "update":
            if local is not None:
                local = _apply_changes(local, m.payload["changes"])
        elif m.op == "delete":
            local = None
        # "command": the server decides; its effect arrives by pull.
    return local


def _seen(local: Data, changes: Data) -> Data:
    """The values the user saw for the changed fields: the base of an update.

    A field the record does not have (a local create that left it to the server's
    default, not yet acknowledged) is left out: the server then knows the base is
    unknown rather than empty. A nested object the record shows as null was seen
    empty, every sub-field of it; so was a sub-field a nested object shown lacks
    (an address made here holds only the fields typed into it).
    """
    base: Data = {}
    for name, value in changes.items():
        if name not in local:
            continue
        seen = local[name]
        if isinstance(value, dict) and isinstance(seen, dict):
            base[name] = {sub: copy.deepcopy(seen.get(sub)) for sub in value}
        else:
            base[name] = copy.deepcopy(seen)
    return base


def _fill_base(payload: Data, row: Data) -> Data:
    """An update made before its record's create was acknowledged, completed from ``row``
    (the record as the server made it): what it left out as unknown, it now knows."""
    out = copy.deepcopy(payload)
    base = out.setdefault("base", {})
    for name, value in _seen(row, payload.get("changes") or {}).items():
        if name not in base:
            base[name] = value
        elif isinstance(value, dict) and isinstance(base[name], dict):
            base[name] = {**value, **base[name]}
    return out


def _check_text(value: Any) -> None:
    """Refuse at the edit what every server text input refuses (common.api's rule)."""
    if has_control_characters(value):
        raise ValueError(CONTROL_CHARACTERS_MESSAGE)


class RecordNotFound(KeyError):
    """No such record in the replica (or it was deleted locally)."""


class Replica:
    """The replica file. Thread-safe: every call takes one lock and runs in its own transaction."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        # FULL: what the user was shown as saved survives a power loss.
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self._tx() as c:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    c.execute(statement)
            if self._meta(c, "client_id") is None:
                self._set_meta(c, "client_id", new_id())
                self._set_meta(c, "next_mutation_id", "1")

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything in it commits together or not at all."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @staticmethod
    def _meta(c: sqlite3.Connection, key: str) -> str | None:
        row = c.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0]) if row[0] is not None else None

    @staticmethod
    def _set_meta(c: sqlite3.Connection, key: str, value: str | None) -> None:
        c.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _get_meta(self, key: str) -> str | None:
        with self._lock:
            return self._meta(self._conn, key)

    @property
    def client_id(self) -> str:
        value = self._get_meta("client_id")
        assert value is not None
        return value

    @property
    def cursor(self) -> str | None:
        return self._get_meta("cursor")

    @property
    def last_sync_at(self) -> str | None:
        return self._get_meta("last_sync_at")

    def company(self) -> Company | None:
        """The seller as the server's settings name it (documents print it); None: not known."""
        stored = _loads(self._get_meta("company"))
        if not isinstance(stored, dict) or not stored.get("name"):
            return None
        return Company(str(stored["name"]), str(stored.get("address") or ""))

    def set_company(self, company: Company) -> None:
        with self._tx() as c:
            self._set_meta(c, "company", _dumps({"name": company.name, "address": company.address}))

    def permissions(self) -> builtins.list[str] | None:
        """The user's permissions as the server last told them (None: not known yet)."""
        stored = _loads(self._get_meta("permissions"))
        return [str(p) for p in stored] if isinstance(stored, list) else None

    def set_permissions(self, permissions: Sequence[str]) -> None:
        with self._tx() as c:
            self._set_meta(c, "permissions", _dumps(sorted(permissions)))

    def clear_cursor(self) -> None:
        """Forget the cursor: the next pull starts a snapshot (after a 410 reset_required)."""
        with self._tx() as c:
            self._set_meta(c, "cursor", None)

    def mark_synced(self) -> None:
        with self._tx() as c:
            self._set_meta(c, "last_sync_at", _now())

    # ------------------------------------------------------------ reading

    def get(self, *, entity: str, id: str) -> Data | None:
        """The record as the user sees it; None when unknown or deleted locally."""
        with self._lock:
            row = self._conn.execute(
                "SELECT local_data FROM records WHERE entity = ? AND id = ?", (entity, id)
            ).fetchone()
        return None if row is None else _loads(row[0])

    def list(self, *, entity: str) -> builtins.list[Data]:
        """Every record of ``entity`` the user sees, in id order (UUIDv7: creation order)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT local_data FROM records WHERE entity = ? AND local_data IS NOT NULL "
                "ORDER BY id",
                (entity,),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def server_version(self, *, entity: str, id: str) -> int | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT version FROM records WHERE entity = ? AND id = ?", (entity, id)
            ).fetchone()
        return None if row is None else row[0]

    def is_dirty(self, *, entity: str, id: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT dirty FROM records WHERE entity = ? AND id = ?", (entity, id)
            ).fetchone()
        return bool(row and row[0])

    def pending_count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def pending(self, *, limit: int | None = None) -> builtins.list[PendingMutation]:
        """The outbox in mutation id order (the order the user made the edits)."""
        sql = "SELECT mutation_id, entity, id, op, payload, created_at FROM outbox ORDER BY mutation_id"
        with self._lock:
            if limit is None:
                rows = self._conn.execute(sql).fetchall()
            else:
                rows = self._conn.execute(sql + " LIMIT ?", (limit,)).fetchall()
        return [PendingMutation(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def rejections(self, *, include_dismissed: bool = False) -> builtins.list[Rejection]:
        """Refused edits (already undone locally), oldest first, for the UI to explain."""
        sql = "SELECT seq, mutation_id, entity, id, op, payload, error, created_at FROM rejections"
        if not include_dismissed:
            sql += " WHERE dismissed = 0"
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY seq").fetchall()
        return [
            Rejection(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]), r[7])
            for r in rows
        ]

    def dismiss_rejection(self, *, seq: int) -> None:
        """The user has read why: stop showing it."""
        with self._tx() as c:
            c.execute("UPDATE rejections SET dismissed = 1 WHERE seq = ?", (seq,))

    def conflict_results(self) -> builtins.list[tuple[int, str, str, builtins.list[str]]]:
        """(mutation_id, entity, id, conflict record ids) of pushes that made conflicts."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT mutation_id, entity, id, conflict_ids FROM conflict_results ORDER BY seq"
            ).fetchall()
        return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    # ------------------------------------------------------------ local edits

    def _pending_for(
        self, c: sqlite3.Connection, entity: str, id: str
    ) -> builtins.list[PendingMutation]:
        rows = c.execute(
            "SELECT mutation_id, entity, id, op, payload, created_at FROM outbox "
            "WHERE entity = ? AND id = ? ORDER BY mutation_id",
            (entity, id),
        ).fetchall()
        return [PendingMutation(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def _enqueue(self, c: sqlite3.Connection, entity: str, id: str, op: Op, payload: Data) -> int:
        mutation_id = int(self._meta(c, "next_mutation_id") or "1")
        # Refuse at the edit what the wire protocol would refuse (a pydantic ValueError).
        PendingMutation(mutation_id, entity, id, op, payload, "").to_wire()
        c.execute(
            "INSERT INTO outbox (mutation_id, entity, id, op, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (mutation_id, entity, id, op, _dumps(payload), _now()),
        )
        self._set_meta(c, "next_mutation_id", str(mutation_id + 1))
        return mutation_id

    def _recompute(self, c: sqlite3.Connection, entity: str, id: str) -> None:
        """local_data = server_data + the pending edits of this record; drop rows nobody holds."""
        row = c.execute(
            "SELECT server_data, local_data FROM records WHERE entity = ? AND id = ?",
            (entity, id),
        ).fetchone()
        pending = self._pending_for(c, entity, id)
        if row is None and not pending:
            return
        server = _loads(row[0]) if row else None
        base = server
        if server is None and row is not None and pending:
            # Deleted on the server while an edit here is pending: keep showing the edit
            # (the push makes a conflict record; nothing is lost silently).
            base = _loads(row[1])
        local = _replay(base, pending)
        if server is None and not pending:
            c.execute("DELETE FROM records WHERE entity = ? AND id = ?", (entity, id))
            return
        c.execute(
            "INSERT INTO records (entity, id, version, server_data, local_data, dirty) "
            "VALUES (?, ?, NULL, NULL, ?, ?) "
            "ON CONFLICT (entity, id) DO UPDATE SET local_data = excluded.local_data, "
            "dirty = excluded.dirty",
            (entity, id, None if local is None else _dumps(local), 1 if pending else 0),
        )

    def create(self, *, entity: str, data: Data) -> str:
        """A new record with a fresh UUIDv7 id; returns the id."""
        _check_text(data)
        record_id = new_id()
        fields = {k: v for k, v in data.items() if k != "id"}
        with self._tx() as c:
            self._enqueue(c, entity, record_id, "create", {"data": fields})
            self._recompute(c, entity, record_id)
        return record_id

    def update(self, *, entity: str, id: str, changes: Data) -> int:
        """Change some fields; the outbox keeps the values the user saw (``base``)."""
        if not changes:
            raise ValueError("an update needs at least one changed field")
        _check_text(changes)
        with self._tx() as c:
            row = c.execute(
                "SELECT version, local_data FROM records WHERE entity = ? AND id = ?",
                (entity, id),
            ).fetchone()
            if row is None or row[1] is None:
                raise RecordNotFound(f"{entity} {id}")
            local: Data = json.loads(row[1])
            payload = {"changes": changes, "base": _seen(local, changes), "base_version": row[0]}
            mutation_id = self._enqueue(c, entity, id, "update", payload)
            self._recompute(c, entity, id)
        return mutation_id

    def delete(self, *, entity: str, id: str) -> int:
        with self._tx() as c:
            row = c.execute(
                "SELECT version, local_data FROM records WHERE entity = ? AND id = ?",
                (entity, id),
            ).fetchone()
            if row is None or row[1] is None:
                raise RecordNotFound(f"{entity} {id}")
            mutation_id = self._enqueue(c, entity, id, "delete", {"base_version": row[0]})
            self._recompute(c, entity, id)
        return mutation_id

    def command(self, *, entity: str, id: str, name: str, args: Data | None = None) -> int:
        """A server-validated action; its effect shows up when the server's answer is pulled."""
        _check_text([name, args])
        with self._tx() as c:
            return self._enqueue(c, entity, id, "command", {"command": name, "args": args or {}})

    def renumber_outbox(self, *, first: int) -> None:
        """Number the pending mutations from ``first`` on (the server expects ``first`` next).

        Only for a server that never saw the pending ids (its data was replaced
        or restored from a backup): without it the queue would jam on a 409.
        """
        with self._tx() as c:
            ids = [r[0] for r in c.execute("SELECT mutation_id FROM outbox ORDER BY mutation_id")]
            if not ids or ids[0] == first:
                return
            offset = -ids[0] - 1_000_000_000  # through negative ids: no primary key clash
            c.execute("UPDATE outbox SET mutation_id = mutation_id + ?", (offset,))
            c.execute(
                "UPDATE outbox SET mutation_id = mutation_id - ? + ?", (offset + ids[0], first)
            )
            self._set_meta(c, "next_mutation_id", str(first + len(ids)))

    def reject_unsent(self, *, mutation_id: int, error: Data) -> None:
        """Refuse a mutation the server would not take at all (it never stored it).

        It is undone and recorded like a rejection; the ones after it move down
        one number, since the server expects ids without gaps.
        """
        with self._tx() as c:
            row = c.execute(
                "SELECT entity, id, op, payload FROM outbox WHERE mutation_id = ?", (mutation_id,)
            ).fetchone()
            if row is None:
                return
            entity, id, op, payload = row
            c.execute(
                "INSERT INTO rejections "
                "(mutation_id, entity, id, op, payload, error, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (mutation_id, entity, id, op, payload, _dumps(error), _now()),
            )
            c.execute("DELETE FROM outbox WHERE mutation_id = ?", (mutation_id,))
            # Through negative ids, so no step clashes with the primary key.
            c.execute(
                "UPDATE outbox SET mutation_id = -mutation_id WHERE mutation_id > ?", (mutation_id,)
            )
            c.execute("UPDATE outbox SET mutation_id = -mutation_id - 1 WHERE mutation_id < 0")
            next_id = int(self._meta(c, "next_mutation_id") or "1")
            self._set_meta(c, "next_mutation_id", str(next_id - 1))
            self._recompute(c, entity, id)

    # ------------------------------------------------------------ sync

    def apply_pull_page(self, page: PullResponse) -> PageInfo:
        """Apply one pulled page and store its cursor, in one transaction."""
        return self.apply_pull_body(json.dumps(page.model_dump(warnings=False), ensure_ascii=False))

    def apply_pull_body(self, body: bytes | str) -> PageInfo:
        """Apply one pull answer as the server sent it (its JSON text), with its cursor, in one
        transaction; raise ``BadPage`` (nothing applied) for a page this replica cannot take.

        The rows are stored as received: SQLite reads them out of the page (json_each)
        and checks each change's shape; control characters (which no server text field
        holds, see common.api) are looked for in the raw text and confirmed exactly only
        where that finds one. A snapshot page (``phase: snapshot``) leaves the list side
        tables to one rebuild when the snapshot is complete (desktop/core/kit/projection.py)
        and commits without waiting for the disk (``synchronous=NORMAL``): a power loss
        can only lose whole pages together with their cursor, and the snapshot resumes
        from the cursor that survived; no edit of the user's is in a pulled page.
        """
        raw = body if isinstance(body, bytes) else body.encode()
        try:
            text = raw.decode()
        except UnicodeDecodeError as exc:
            raise BadPage(f"The server's answer is not UTF-8 text: {exc}") from None
        if any(raw.find(b) >= 0 for b in _SUSPECT):
            _check_page_text(text)
        with self._lock:
            self._conn.execute("BEGIN")  # temp.pulled is read once, under the same lock
            try:
                info = _read_page(self._conn, text)
            finally:
                self._conn.execute("COMMIT")
            snapshot = info.phase == "snapshot"
            if snapshot:
                self._conn.execute("PRAGMA synchronous=NORMAL")
            try:
                with self._tx() as c:
                    self._apply_body(c, info)
            finally:
                if snapshot:
                    self._conn.execute("PRAGMA synchronous=FULL")
        return info

    def _apply_body(self, c: sqlite3.Connection, info: PageInfo) -> None:
        snapshot = info.phase == "snapshot"
        stale = self._meta(c, LISTS_STALE) is not None
        if snapshot:
            # The list triggers stand aside for this transaction (see projection.py); the
            # lists show what they showed before the snapshot until it is complete.
            self._set_meta(c, PAUSED, "1")
        if info.reset:
            c.execute("DELETE FROM records")
            # Pending creates stay visible; edits of other records reappear with their rows.
            for entity, id in c.execute("SELECT DISTINCT entity, id FROM outbox").fetchall():
                self._recompute(c, entity, id)
        if stale and not snapshot:
            # The snapshot ended on an earlier page that said more was coming: lists first.
            self._rebuild_lists(c)
        # A record with a pending edit is replayed one by one; the others (nearly all of a
        # snapshot) show exactly the server's row and go in with one statement each way.
        for entity, id, op, version, data in c.execute(_PENDING_CHANGES).fetchall():
            if op == "upsert":
                c.execute(
                    "INSERT INTO records (entity, id, version, server_data, local_data, dirty) "
                    "VALUES (?, ?, ?, ?, NULL, 0) "
                    "ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version, "
                    "server_data = excluded.server_data",
                    (entity, id, version, data),
                )
            else:
                c.execute(
                    "UPDATE records SET server_data = NULL, version = ? "
                    "WHERE entity = ? AND id = ?",
                    (version, entity, id),
                )
            self._recompute(c, entity, id)
        c.execute(_UPSERT_CHANGES)
        c.execute(_DELETE_CHANGES)
        if snapshot and not info.has_more:
            self._rebuild_lists(c)
        elif snapshot:
            self._set_meta(c, LISTS_STALE, "1")
        c.execute("DELETE FROM meta WHERE key = ?", (PAUSED,))
        c.execute("DELETE FROM temp.pulled")
        self._set_meta(c, "cursor", info.cursor)
        self._set_meta(c, "server_version", str(info.server_version))
        self._set_meta(c, "last_pull_at", _now())

    def _rebuild_lists(self, c: sqlite3.Connection) -> None:
        rebuild_projections(c)
        c.execute("DELETE FROM meta WHERE key = ?", (LISTS_STALE,))

    def _take_created(
        self, c: sqlite3.Connection, entity: str, id: str, version: int, data: Data
    ) -> None:
        """A create of ours was applied: hold the record as the server made it, at its version.

        Edits made while the create was pending saw only the create: they carry no
        version and leave out the base of what it left to the server. They learn both
        here, so the server can tell them from writes of others. The row itself is
        kept unless a pull already brought this version or a later one.
        """
        row = c.execute(
            "SELECT version FROM records WHERE entity = ? AND id = ?", (entity, id)
        ).fetchone()
        if row is None:
            return
        if row[0] is None or row[0] < version:
            c.execute(
                "UPDATE records SET version = ?, server_data = ? WHERE entity = ? AND id = ?",
                (version, _dumps(data), entity, id),
            )
        for m in self._pending_for(c, entity, id):
            if m.op not in ("update", "delete"):
                continue
            payload = _fill_base(m.payload, data) if m.op == "update" else dict(m.payload)
            if payload.get("base_version") is None:
                payload["base_version"] = version
            if payload == m.payload:
                continue
            c.execute(
                "UPDATE outbox SET payload = ? WHERE mutation_id = ?",
                (_dumps(payload), m.mutation_id),
            )

    def _unassume(
        self, c: sqlite3.Connection, entity: str, id: str, refused_id: int, refused: Data
    ) -> None:
        """Later edits were made on top of a refused one: their base is what it replaced.

        A base equal to the refused value goes back to the refused edit's own base (or
        is left out, if it had none): the server never held the refused value.
        """
        changes, before = refused.get("changes") or {}, refused.get("base") or {}
        for m in self._pending_for(c, entity, id):
            if m.mutation_id <= refused_id or m.op != "update":
                continue
            payload = copy.deepcopy(m.payload)
            base = payload.get("base") or {}
            for name, value in changes.items():
                if name not in base:
                    continue
                if isinstance(value, dict) and isinstance(base[name], dict):
                    seen, was = base[name], before.get(name)
                    for sub, v in value.items():
                        if sub in seen and seen[sub] == v:
                            if isinstance(was, dict) and sub in was:
                                seen[sub] = was[sub]
                            elif was is None and name in before:
                                seen[sub] = None
                            else:
                                del seen[sub]
                    if not seen:
                        del base[name]  # nothing known is left: unknown, not "seen empty"
                elif base[name] == value:
                    if name in before:
                        base[name] = copy.deepcopy(before[name])
                    else:
                        del base[name]
            if payload != m.payload:
                c.execute(
                    "UPDATE outbox SET payload = ? WHERE mutation_id = ?",
                    (_dumps(payload), m.mutation_id),
                )

    def ack(self, *, results: Sequence[MutationResult], last_mutation_id: int) -> None:
        """Drop acknowledged outbox entries; undo rejected ones and keep why, in one transaction.

        An applied edit stays in ``local_data`` until the next pull brings the
        server's row, so the user never sees the old value flash back. A
        rejected or conflicting one is recomputed from ``server_data``.
        """
        with self._tx() as c:
            touched: set[tuple[str, str]] = set()
            # Rejected: nothing applied. Conflict: the server may have kept its own value (a
            # "manual" field, a refused delete) and will not resend an unchanged row. Both are
            # shown as the server has them plus what is still pending.
            recompute: set[tuple[str, str]] = set()
            by_id = {r.mutation_id: r for r in results}
            rows = c.execute(
                "SELECT mutation_id, entity, id, op, payload FROM outbox WHERE mutation_id <= ?",
                (last_mutation_id,),
            ).fetchall()
            for mutation_id, entity, id, op, payload in rows:
                touched.add((entity, id))
                result = by_id.get(mutation_id)
                if result is not None and result.status != "applied":
                    recompute.add((entity, id))
                if result is not None and result.status == "rejected":
                    if op == "update":
                        self._unassume(c, entity, id, mutation_id, json.loads(payload))
                    error = result.error.model_dump() if result.error else {}
                    c.execute(
                        "INSERT INTO rejections "
                        "(mutation_id, entity, id, op, payload, error, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (mutation_id, entity, id, op, payload, _dumps(error), _now()),
                    )
                elif result is not None and result.status == "conflict":
                    c.execute(
                        "INSERT INTO conflict_results "
                        "(mutation_id, entity, id, conflict_ids, created_at) VALUES (?, ?, ?, ?, ?)",
                        (mutation_id, entity, id, _dumps(result.conflicts), _now()),
                    )
            c.execute("DELETE FROM outbox WHERE mutation_id <= ?", (last_mutation_id,))
            for mutation_id, entity, id, op, _ in rows:
                result = by_id.get(mutation_id)
                if result is None or result.status != "applied" or result.version is None:
                    continue
                if op == "create" and result.data is not None:
                    self._take_created(c, entity, id, result.version, result.data)
                held = c.execute(
                    "SELECT version FROM records WHERE entity = ? AND id = ?", (entity, id)
                ).fetchone()
                if held is not None and held[0] is not None and held[0] >= result.version:
                    # The row held is the server's from after this edit: show it as it is.
                    recompute.add((entity, id))
            for entity, id in touched:
                if (entity, id) in recompute:
                    self._recompute(c, entity, id)
                else:
                    dirty = c.execute(
                        "SELECT count(*) FROM outbox WHERE entity = ? AND id = ?", (entity, id)
                    ).fetchone()[0]
                    c.execute(
                        "UPDATE records SET dirty = ? WHERE entity = ? AND id = ?",
                        (1 if dirty else 0, entity, id),
                    )
