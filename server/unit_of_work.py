"""The unit of work: one commit per request, with audit records and the sync change log.

Services only ``flush()``. Every flush is watched: each synced record that was
created, changed or deleted is remembered with the before/after of its changed
columns. ``commit()`` then writes one audit record per changed record and, as
the transaction's *last* statements, bumps the ``sync_state`` counter, stamps
the changed rows with the new version and appends their change-log entries.
The counter row stays locked until commit, so on PostgreSQL a later version can
never become visible before an earlier one (see DESIGN.md, Sync, point 1). On
PostgreSQL the transaction also announces its version with ``pg_notify`` (sent at
commit) to every server process; after the commit the ``Database`` tells this
process's own listeners (``Database.on_commit``): both wake the live event streams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction, attributes
from sqlalchemy.orm.base import PassiveFlag

from common.ids import new_id
from server.audit.models import AuditRecord
from server.db import DATABASE, Database, utcnow
from server.sync.models import VERSION_CHANNEL, ChangeLog, SyncedMixin, SyncState

_CHANGES = "crm_changes"
_ACTOR = "crm_actor_id"
_FINALIZING = "crm_finalizing"
_ON_VERSION = "crm_on_version"
REDACTED = "***"


@dataclass
class Change:
    """What one transaction did to one record."""

    obj: SyncedMixin
    op: str  # create | update | delete
    action: str | None = None
    fields: dict[str, list[Any]] = field(default_factory=dict)  # name -> [before, after]
    audited: bool = False  # an audit record was already written for what came before
    touched: set[str] = field(default_factory=set)  # every field named, across audit records
    unnamed: bool = False  # noted without naming what changed (a link table, a command)

    def changed_fields(self) -> list[str] | None:
        """What the change log says this transaction changed: null for the whole record,
        ``[]`` for nothing (a record only sent again)."""
        if self.op in ("create", "created", "delete"):
            return None
        if not self.touched:
            return None if self.unnamed else []
        return sorted(self.touched)


def set_actor(session: Session, actor_id: str | None) -> None:
    """Name the user (or API key owner) on whose behalf this session writes."""
    session.info[_ACTOR] = actor_id


def get_actor(session: Session) -> str | None:
    value = session.info.get(_ACTOR)
    return value if isinstance(value, str) else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _changes(session: Session) -> dict[tuple[type[Any], Any], Change]:
    return session.info.setdefault(_CHANGES, {})  # type: ignore[no-any-return]


def _key(obj: Any) -> tuple[type[Any], Any]:
    # The primary key, not the identity key: new rows get theirs only after after_flush.
    return (type(obj), obj.id)


def note(
    session: Session,
    obj: SyncedMixin,
    *,
    action: str | None = None,
    fields: dict[str, tuple[Any, Any]] | None = None,
    resend: bool = False,
) -> None:
    """Record a change the column history cannot see (a named command, a link table).

    The record gets a change-log entry and an audit record even if none of its
    own columns changed. Without ``fields`` the entry names the whole record (what
    changed is unknown), unless ``resend``: the record is only to be sent again (a
    pushed update that may have changed nothing); then it names what its columns'
    history shows, perhaps nothing.
    """
    changes = _changes(session)
    key = _key(obj)
    change = changes.get(key)
    if change is None:
        change = changes[key] = Change(obj=obj, op="update")
    if not fields and not resend:
        change.unnamed = True
    if action:
        change.action = action
    for name, (before, after) in (fields or {}).items():
        prior = change.fields.get(name)
        change.fields[name] = [prior[0] if prior else _jsonable(before), _jsonable(after)]
        change.touched.add(name)


@event.listens_for(Session, "after_flush")
def _track_flush(session: Session, _ctx: UOWTransaction) -> None:
    # In after_flush the new/dirty/deleted sets and attribute history still show
    # what this flush wrote, and new rows already have their ids and defaults.
    if session.info.get(_FINALIZING):
        return
    changes = _changes(session)
    for obj in session.new:
        if isinstance(obj, SyncedMixin):
            redact = type(obj).__audit_redact__
            created = {
                a.key: [None, REDACTED if a.key in redact else _jsonable(getattr(obj, a.key))]
                for a in sa.inspect(obj).mapper.column_attrs
                if a.key != "version"
            }
            changes[_key(obj)] = Change(obj=obj, op="create", fields=created)
    for obj in session.dirty:
        if not isinstance(obj, SyncedMixin):
            continue
        state = sa.inspect(obj)
        touched = state.committed_state  # what was set since the row was loaded or flushed
        if not touched:
            continue
        redact = type(obj).__audit_redact__
        diff: dict[str, tuple[Any, Any]] = {}
        for a in state.mapper.column_attrs:
            if a.key not in touched or a.key in ("version", "updated_at"):
                continue
            hist = state.get_history(a.key, PassiveFlag.PASSIVE_NO_INITIALIZE)
            if not hist.added and not hist.deleted:
                continue
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before == after:
                continue
            if a.key in redact:
                diff[a.key] = (REDACTED, REDACTED)
            else:
                diff[a.key] = (before, after)
        if diff:
            key = _key(obj)
            existing = changes.get(key)
            if existing is not None and existing.op == "create":
                for name, (_, after) in diff.items():
                    existing.fields[name] = [None, _jsonable(after)]
            else:
                note(session, obj, fields=diff)
    for obj in session.deleted:
        if isinstance(obj, SyncedMixin):
            key = _key(obj)
            existing = changes.get(key)
            if existing is not None and existing.op == "create":
                del changes[key]  # created and deleted in one transaction: nobody saw it
                continue
            redact = type(obj).__audit_redact__
            before = {
                a.key: [REDACTED if a.key in redact else _jsonable(getattr(obj, a.key)), None]
                for a in sa.inspect(obj).mapper.column_attrs
                if a.key != "version"
            }
            changes[key] = Change(obj=obj, op="delete", fields=before)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGES, None)
    session.info.pop(_ON_VERSION, None)


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """Run a block in a SAVEPOINT; if it fails, its writes and their tracked changes are undone."""
    session.flush()
    saved = {
        k: Change(v.obj, v.op, v.action, dict(v.fields), v.audited, set(v.touched), v.unnamed)
        for k, v in _changes(session).items()
    }
    callbacks = list(session.info.get(_ON_VERSION, []))
    nested = session.begin_nested()
    try:
        yield
        session.flush()
    except BaseException:
        nested.rollback()
        session.info[_CHANGES] = saved
        session.info[_ON_VERSION] = callbacks
        raise
    nested.commit()
    _write_audit(session)  # each savepoint (a pushed mutation) is its own audit record


def _write_audit(session: Session) -> None:
    """Write audit records for the changes noted so far; the change log still comes at commit.

    One multi-row INSERT, whatever the number of records.
    """
    actor = get_actor(session)
    rows: list[dict[str, Any]] = []
    for ch in _changes(session).values():
        if ch.audited and not ch.fields and not ch.action:
            continue
        rows.append(
            {
                "id": new_id(),
                "created_at": utcnow(),
                "actor_id": actor,
                "action": ch.action or ("update" if ch.op == "created" else ch.op),
                "entity": type(ch.obj).__entity__,
                "entity_id": ch.obj.id,  # type: ignore[attr-defined]
                "changes": ch.fields,
            }
        )
        ch.audited, ch.action, ch.fields = True, None, {}
        if ch.op == "create":
            ch.op = "created"  # later edits in this transaction are updates of it
    if rows:
        insert_rows(session, AuditRecord, rows)


def insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of column values) in as few statements as the driver allows.

    Asking for the primary key back makes SQLAlchemy send them as multi-row VALUES
    batches ("insertmanyvalues") on every engine, not one statement per row.
    """
    if not rows:
        return
    table = cast(sa.Table, model.__table__)
    session.execute(sa.insert(table).returning(*table.primary_key.columns), rows)


def checkpoint(session: Session) -> None:
    """Flush, and write one audit record per record changed since the last one.

    What a savepoint's end does, without the savepoint: a push applying several
    mutations at once calls it after each group of mutations of distinct records,
    so each mutation still has its own audit record.
    """
    type(session).flush(session)  # a real flush, also inside ``deferred_flushes``
    _write_audit(session)


@contextmanager
def deferred_flushes(session: Session) -> Iterator[None]:
    """Inside the block, explicit ``session.flush()`` calls (the services') wait.

    Autoflush still runs before every query, so a query always sees the block's
    writes; only the flushes services make at the end of each write are held
    back, and the block's pending writes go out together at the next query,
    ``checkpoint`` or the end of the block (the unit of work batches the
    statements). A write the database refuses then fails at that later flush,
    not inside the service call that made it: the caller must be able to undo
    and redo the whole block (a push replays its batch one mutation at a time).
    New objects get their defaults (a generated id, ``created_at``) only then.
    """
    flush, autoflush = session.flush, session._autoflush
    depth = {"auto": 0}

    def held_flush(objects: Any = None) -> None:
        if depth["auto"]:
            flush(objects)

    def real_autoflush() -> None:
        depth["auto"] += 1
        try:
            autoflush()
        finally:
            depth["auto"] -= 1

    session.flush = held_flush  # type: ignore[method-assign]
    session._autoflush = real_autoflush  # type: ignore[method-assign]
    try:
        yield
    finally:
        del session.flush
        del session._autoflush
    session.flush()


def on_version(session: Session, callback: Callable[[Session, int | None], None]) -> None:
    """Call ``callback(session, version)`` inside commit, once this transaction has its version.

    ``version`` is None when the transaction changed no synced record (it gets none);
    the callback runs all the same, just before the commit.
    """
    session.info.setdefault(_ON_VERSION, []).append(callback)


def _bump(session: Session) -> int:
    """The next version; the counter's row stays locked until the transaction ends."""
    with session.no_autoflush:
        version = session.execute(
            sa.update(SyncState)
            .where(SyncState.id == 1)
            .values(version=SyncState.version + 1)
            .returning(SyncState.version)
        ).scalar_one()
        if session.get_bind().dialect.name == "postgresql":
            # Delivered by PostgreSQL at commit (never on rollback) to every process's listener.
            session.execute(sa.select(sa.func.pg_notify(VERSION_CHANNEL, str(version))))
        return version


def commit(session: Session) -> int | None:
    """Flush, write audit and change log, commit. Returns the new sync version, if any."""
    session.flush()
    changes = list(_changes(session).values())
    callbacks = session.info.pop(_ON_VERSION, [])
    version: int | None = None
    session.info[_FINALIZING] = True
    try:
        if changes:
            _write_audit(session)
            session.flush()
            # From here on: the last statements of the transaction, under the counter's row lock.
            version = _bump(session)
            _stamp(session, changes, version)
        for callback in callbacks:
            callback(session, version)
        session.flush()
    finally:
        session.info.pop(_FINALIZING, None)
        session.info.pop(_CHANGES, None)
    session.commit()
    db = session.info.get(DATABASE)
    if version is not None and isinstance(db, Database):
        db.committed(version)  # this process's open event streams wake at once
    return version


_STAMP_CHUNK = 500  # ids per UPDATE ... WHERE id IN (...)


def _stamp(session: Session, changes: list[Change], version: int) -> None:
    """Give every changed row ``version`` (one UPDATE per table and chunk of ids) and its
    change-log entry (one multi-row INSERT)."""
    to_stamp: dict[Any, list[str]] = {}
    log: list[dict[str, Any]] = []
    now = utcnow()
    for ch in changes:
        cls = type(ch.obj)
        entity_id = ch.obj.id  # type: ignore[attr-defined]
        if ch.op != "delete":
            to_stamp.setdefault(cls.__table__, []).append(entity_id)  # type: ignore[attr-defined]
            attributes.set_committed_value(ch.obj, "version", version)
        log.append(
            {
                "version": version,
                "entity": cls.__entity__,
                "entity_id": entity_id,
                "op": "delete" if ch.op == "delete" else "upsert",
                "changed_at": now,
                "fields": ch.changed_fields(),
            }
        )
    for table, ids in to_stamp.items():
        values: dict[str, Any] = {"version": version}
        if "updated_at" in table.c:
            values["updated_at"] = table.c.updated_at  # keep it: stamping is no edit
        for start in range(0, len(ids), _STAMP_CHUNK):
            chunk = ids[start : start + _STAMP_CHUNK]
            session.execute(sa.update(table).where(table.c.id.in_(chunk)).values(**values))
    insert_rows(session, ChangeLog, log)


@contextmanager
def transaction(db: Database) -> Iterator[Session]:
    """A write session committed once at the end (audit, change log), rolled back on any error.

    What a request's session does, for callers without a request: the console
    (``crm-server users``), the first start, the demo (through ``AppContext.unit_of_work``).
    """
    with db.session(write=True) as session:
        try:
            yield session
            commit(session)
        except BaseException:
            session.rollback()
            raise
