"""Pull: pages of changes after a cursor. Push: a replica's mutations, each applied at most once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from common.api import ErrorBody
from common.sync import (
    Mutation,
    MutationResult,
    PushRequest,
    PushResponse,
    Row,
)
from server.auth.principal import Principal
from server.db import utcnow
from server.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
    validation_details,
)
from server.sync import merge
from server.sync.cursor import Cursor, CursorCodec, MalformedCursor, UnknownCursor, fingerprint
from server.sync.models import ChangeLog, SyncClient, SyncMutation, SyncState
from server.sync.registry import EntitySpec, spec_for, specs
from server.unit_of_work import (
    checkpoint,
    deferred_flushes,
    insert_rows,
    note,
    on_version,
    savepoint,
)


class ResetRequired(DomainError):
    """The cursor cannot be served any more: the replica must start over from a snapshot."""

    status, code = 410, "reset_required"


def _state(session: Session) -> SyncState:
    state = session.get(SyncState, 1)
    assert state is not None, "sync_state row missing"
    return state


def _rows(
    session: Session,
    spec: EntitySpec,
    visible: sa.ColumnElement[bool],
    ids: Sequence[str],
    *,
    fresh: bool = False,
) -> dict[str, Any]:
    """The visible records with these ids; ``fresh``: reloaded over what the session holds."""
    found: dict[str, Any] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = spec.select().where(spec.model.id.in_(chunk), visible)
        if fresh:
            query = query.execution_options(populate_existing=True)
        for obj in session.scalars(query):
            found[obj.id] = obj
    return found


@dataclass(frozen=True)
class PullPage:
    """A pull answer (common.sync.PullResponse's shape), its rows serialised once, for the wire."""

    changes: list[dict[str, Any]]
    cursor: str
    has_more: bool
    phase: str
    reset: bool
    server_version: int

    def to_json(self) -> bytes:
        """The answer's JSON, written straight from the rows (no response model per row)."""
        return json.dumps(
            {
                "changes": self.changes,
                "cursor": self.cursor,
                "has_more": self.has_more,
                "phase": self.phase,
                "reset": self.reset,
                "server_version": self.server_version,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()


def _change(entity: str, id: str, op: str, version: int, data: Row | None) -> dict[str, Any]:
    """One change as common.sync.Change serialises it."""
    return {"entity": entity, "id": id, "op": op, "version": version, "data": data}


def pull(
    *,
    session: Session,
    principal: Principal,
    codec: CursorCodec,
    cursor: str | None,
    limit: int,
) -> PullPage:
    """One page of changes the caller may read, after ``cursor`` (none: start a snapshot)."""
    state = _state(session)
    fp = fingerprint(principal.id, principal.permissions)
    if cursor is None:
        return _snapshot(
            session,
            principal,
            codec,
            Cursor(state.epoch, fp, "s", state.version),
            limit,
            state,
            reset=True,
        )
    try:
        cur = codec.decode(cursor)
    except MalformedCursor:
        raise BadRequest(
            "Malformed sync cursor", details={"cursor": "Not a cursor this server issued"}
        ) from None
    except UnknownCursor:
        raise ResetRequired(
            "This cursor was not issued with the server's current key; start a fresh sync"
        ) from None
    if cur.epoch != state.epoch:
        raise ResetRequired("The server's data was replaced (new epoch); start a fresh sync")
    if cur.fingerprint != fp:
        raise ResetRequired("Your permissions changed; start a fresh sync")
    if cur.version < state.purged_version:
        raise ResetRequired(
            "This replica was offline longer than the server keeps deletions; start a fresh sync"
        )
    if cur.mode == "s":
        return _snapshot(session, principal, codec, cur, limit, state, reset=False)
    return _incremental(session, principal, codec, cur, limit, state)


def _snapshot_rows(
    session: Session, spec: EntitySpec, where: sa.ColumnElement[bool], limit: int
) -> list[Any]:
    """The entity's rows for a snapshot page: from Core rows where the entity says how."""
    if spec.snapshot_load is not None:
        return spec.snapshot_load(session, where, limit)
    return list(session.scalars(spec.select().where(where).order_by(spec.model.id).limit(limit)))


def _snapshot(
    session: Session,
    principal: Principal,
    codec: CursorCodec,
    cur: Cursor,
    limit: int,
    state: SyncState,
    *,
    reset: bool,
) -> PullPage:
    """Copy every visible row, entity by entity in id order; resumable at any page."""
    changes: list[dict[str, Any]] = []
    all_specs = specs()
    index, after = cur.entity_index, cur.after_id
    while index < len(all_specs) and len(changes) < limit:
        spec = all_specs[index]
        visible = spec.visible(principal)
        if visible is None:
            index, after = index + 1, ""
            continue
        rows = _snapshot_rows(
            session, spec, sa.and_(visible, spec.model.id > after), limit - len(changes)
        )
        serialize = spec.serialize
        changes.extend(_change(spec.entity, r.id, "upsert", r.version, serialize(r)) for r in rows)
        if len(changes) < limit:
            index, after = index + 1, ""
        else:
            after = rows[-1].id
    if index >= len(all_specs):
        # Snapshot complete: continue with the changes made since it started.
        nxt = Cursor(cur.epoch, cur.fingerprint, "i", cur.version)
        has_more = state.version > cur.version
    else:
        nxt = Cursor(cur.epoch, cur.fingerprint, "s", cur.version, index, after)
        has_more = True
    return PullPage(
        changes=changes,
        cursor=codec.encode(nxt),
        has_more=has_more,
        phase="snapshot",
        reset=reset,
        server_version=state.version,
    )


def _incremental(
    session: Session,
    principal: Principal,
    codec: CursorCodec,
    cur: Cursor,
    limit: int,
    state: SyncState,
) -> PullPage:
    """The change log after the cursor, whole versions only, latest state of each record."""
    entries = list(
        session.execute(
            sa.select(ChangeLog.version, ChangeLog.entity, ChangeLog.entity_id, ChangeLog.op)
            .where(ChangeLog.version > cur.version)
            .order_by(ChangeLog.version)
            .limit(limit)
        )
    )
    if len(entries) == limit:
        # Never split a version across pages: take the rest of the last one.
        last = entries[-1].version
        entries = [e for e in entries if e.version < last]
        entries.extend(
            session.execute(
                sa.select(
                    ChangeLog.version, ChangeLog.entity, ChangeLog.entity_id, ChangeLog.op
                ).where(ChangeLog.version == last)
            )
        )
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    for version, entity, entity_id, op in entries:
        latest[(entity, entity_id)] = (version, op)
    by_entity: dict[str, list[str]] = {}
    for (entity, entity_id), (_, op) in latest.items():
        if op == "upsert":
            by_entity.setdefault(entity, []).append(entity_id)
    loaded: dict[tuple[str, str], Any] = {}
    visible_by_entity: dict[str, bool] = {}
    for entity, ids in by_entity.items():
        spec = spec_for(entity)
        visible = spec.visible(principal) if spec else None
        visible_by_entity[entity] = visible is not None
        if spec is None or visible is None:
            continue
        for entity_id, obj in _rows(session, spec, visible, ids).items():
            loaded[(entity, entity_id)] = obj
    changes: list[dict[str, Any]] = []
    for (entity, entity_id), (version, op) in sorted(latest.items(), key=lambda kv: kv[1][0]):
        spec = spec_for(entity)
        if spec is None:
            continue
        if op == "delete":
            # Only whoever may read every row of the entity learns of deletions: own-row
            # readers would otherwise see ids of records that were never theirs (unless the
            # entity says otherwise: ``deletes_to``).
            if spec.hears_deletes(principal):
                changes.append(_change(entity, entity_id, "delete", version, None))
            continue
        obj = loaded.get((entity, entity_id))
        if obj is None:
            continue  # deleted since, not visible, or not readable: a later entry says so
        changes.append(_change(entity, entity_id, "upsert", obj.version, spec.serialize(obj)))
    last_version = entries[-1].version if entries else cur.version
    nxt = Cursor(cur.epoch, cur.fingerprint, "i", last_version)
    return PullPage(
        changes=changes,
        cursor=codec.encode(nxt),
        has_more=state.version > last_version,
        phase="incremental",
        reset=False,
        server_version=state.version,
    )


# ---------------------------------------------------------------- push


def _error(exc: DomainError) -> ErrorBody:
    return ErrorBody(error=exc.code, message=exc.message, details=exc.details)


def _client(session: Session, principal: Principal, client_id: str, dialect: str) -> SyncClient:
    """The replica's row, made on first use and locked for this push (a doubled batch applies once)."""
    if dialect == "postgresql":
        session.execute(
            pg_insert(SyncClient)
            .values(id=client_id, user_id=principal.id, last_mutation_id=0, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["id"])
        )
        client = session.scalar(
            sa.select(SyncClient).where(SyncClient.id == client_id).with_for_update()
        )
    else:  # SQLite: the write transaction already holds the database's write lock
        client = session.get(SyncClient, client_id)
        if client is None:
            client = SyncClient(id=client_id, user_id=principal.id, last_mutation_id=0)
            session.add(client)
            session.flush()
    assert client is not None
    if client.user_id != principal.id:
        raise Forbidden(
            "This client id belongs to another user", details={"client_id": "Not yours"}
        )
    return client


def _same_edit(stored: SyncMutation, m: Mutation) -> bool:
    """Whether ``m`` is the mutation stored under its id (a retry), not another edit.

    Rows stored before fingerprints existed match anything, as they always did; a
    mutation stored without ``made_at`` (an older app) matches its retry with it.
    """
    if stored.fingerprint is None:
        return True
    return stored.fingerprint in (m.fingerprint(), m.fingerprint(with_time=False))


def _same_edit_elsewhere(session: Session, client_id: str, m: Mutation) -> SyncMutation | None:
    """This edit, stored under another id: a copy of the replica's file made before its
    outbox was renumbered, restored. Only an edit that says when it was made can be told
    from another one with the same content."""
    if m.made_at is None:
        return None
    return session.scalar(
        sa.select(SyncMutation)
        .where(SyncMutation.client_id == client_id, SyncMutation.fingerprint == m.fingerprint())
        .limit(1)
    )


class _Replay(Exception):
    """A mutation of a batch applied at once failed: undo the batch, apply it one at a time."""


_REFUSED_BY_DATABASE = (IntegrityError, DataError)


def _refusal(exc: Exception) -> ErrorBody:
    """The error body of a mutation that raised ``exc`` (a domain, schema or database refusal)."""
    if isinstance(exc, DomainError):
        return _error(exc)
    if isinstance(exc, ValidationError):
        return _error(ValidationFailed(validation_details(exc.errors())))
    # The database refused this one mutation (a unique key a race got past, a value it
    # cannot store): reject it so the queue moves on.
    if isinstance(exc, IntegrityError):
        return _error(Conflict("The change conflicts with existing data"))
    return _error(ValidationFailed({"data": "A value cannot be stored"}))


class _Batch:
    """One pass over a push's mutations, in order.

    ``at_once`` (the common path): the batch's records are loaded up front, one query
    per entity; the services' flushes are held back so each group of mutations of
    distinct records is written together (``checkpoint``: one flush, one audit record
    per mutation); no savepoint per mutation. The first mutation that fails raises
    ``_Replay``: the caller undoes the pass and runs it again one mutation at a time,
    each in its own savepoint, so the failing one is refused alone.
    """

    def __init__(
        self, session: Session, principal: Principal, client: SyncClient, *, at_once: bool
    ) -> None:
        self.session, self.principal, self.client_id = session, principal, client.id
        self.at_once = at_once
        self.results: list[MutationResult] = []
        self.fresh: list[tuple[Mutation, MutationResult]] = []
        self.created: dict[str, list[tuple[str, MutationResult]]] = {}  # entity -> (id, result)
        self.earlier: dict[tuple[str, str], merge.Earlier] = {}  # (entity, id) -> later bases
        self.last_applied = client.last_mutation_id
        self.last_sent = client.last_mutation_id
        self.absent: set[tuple[str, str]] = set()  # not in the database (at_once)
        self.loaded: list[Any] = []  # what _load found: the session only holds weak references
        self.group: set[tuple[str, str]] = set()  # records the unwritten group changed

    def run(self, mutations: Sequence[Mutation]) -> None:
        if self.at_once:
            self._load([m for m in mutations if m.mutation_id > self.last_applied])
        for m in mutations:
            if m.mutation_id <= self.last_applied:
                if not self._answer_again(m):
                    break  # acknowledge what came before; the next push starts with this one
                continue
            if m.mutation_id != self.last_applied + 1:
                expected = self.last_applied + 1
                raise Conflict(
                    f"Mutation {m.mutation_id} is out of order; the server expects {expected}",
                    details={"mutation_id": f"expected {expected}"},
                )
            about = self.earlier.setdefault((m.entity, m.id), merge.Earlier())
            result = self._apply(m, about)
            spec = spec_for(m.entity)
            if result.status == "rejected" and m.op == "update" and spec is not None:
                merge.refused(spec, m, about)
            if m.op == "create" and result.status == "applied":
                self.created.setdefault(m.entity, []).append((m.id, result))
            self.fresh.append((m, result))
            self.results.append(result)
            self.last_applied = self.last_sent = m.mutation_id
        if self.at_once:
            # The version is taken at commit, after this last flush: taking it before
            # (so the rows carry it without a second UPDATE) would hold the counter's lock
            # while the flush may wait on a row another writer holds — a deadlock on
            # PostgreSQL, answered as an error. One more UPDATE per table is cheaper.
            self._checkpoint()

    def _answer_again(self, m: Mutation) -> bool:
        """A mutation the server already has: its stored result (False: another edit's id)."""
        stored = self.session.get(SyncMutation, (self.client_id, m.mutation_id))
        if stored is None or not _same_edit(stored, m):
            stored = _same_edit_elsewhere(self.session, self.client_id, m)
        if stored is None:
            if self.results:
                return False
            expected = self.last_applied + 1
            raise Conflict(
                f"Mutation {m.mutation_id} is not the edit this server holds under that id "
                f"(was this replica restored from an older copy?); the server expects {expected}",
                details={"mutation_id": f"expected {expected}"},
            )
        answer = MutationResult.model_validate(stored.result)
        answer.mutation_id = m.mutation_id  # (the same edit, stored under another id)
        if m.op == "create" and answer.data is not None:
            self.earlier.setdefault((m.entity, m.id), merge.Earlier()).made = answer.data
        self.results.append(answer)
        self.last_sent = m.mutation_id
        return True

    def _load(self, mutations: Sequence[Mutation]) -> None:
        """Every record the batch names, one query per entity (locked, children loaded)."""
        by_entity: dict[str, set[str]] = {}
        for m in mutations:
            by_entity.setdefault(m.entity, set()).add(m.id)
        for entity, ids in sorted(by_entity.items()):  # one lock order for every push
            spec = spec_for(entity)
            if spec is None:
                continue
            found = spec.get_many(self.session, sorted(ids))
            self.loaded.extend(found.values())
            self.absent.update((entity, i) for i in ids if i not in found)

    def _get(self, spec: EntitySpec, entity_id: str) -> Any:
        if not self.at_once:
            return spec.get(self.session, entity_id)
        if (spec.entity, entity_id) in self.absent:
            return None  # not there when the batch began, and not made by it since
        # Loaded by _load (or made earlier in the batch): the session has it, no query.
        return self.session.get(spec.model, entity_id, options=list(spec.load_options))

    def _checkpoint(self) -> None:
        try:
            checkpoint(self.session)
        except _REFUSED_BY_DATABASE as exc:
            raise _Replay from exc
        self.group.clear()

    def _apply(self, m: Mutation, earlier: merge.Earlier) -> MutationResult:
        spec = spec_for(m.entity)
        try:
            if spec is None:
                raise BadRequest(
                    f"Unknown entity {m.entity!r}", details={"entity": "Not a synced entity"}
                )
            if spec.write_permission is not None and not self.principal.can(spec.write_permission):
                raise Forbidden(f"Missing permission: {spec.write_permission}")
        except DomainError as exc:  # refused before it touched anything
            return MutationResult(mutation_id=m.mutation_id, status="rejected", error=_error(exc))
        try:
            if self.at_once:
                key = (m.entity, m.id)
                # A record changed twice in one group would get one audit record for both
                # edits; a delete checks references, which must see every earlier write.
                if key in self.group or m.op == "delete":
                    self._checkpoint()
                self.group.add(key)
                conflicts = self._dispatch(spec, m, earlier)
            else:
                with savepoint(self.session):
                    conflicts = self._dispatch(spec, m, earlier)
        except (DomainError, ValidationError, *_REFUSED_BY_DATABASE) as exc:
            if self.at_once:
                raise _Replay from exc
            # Its savepoint is rolled back. Anything else (the database is down) fails the
            # batch and acknowledges nothing.
            return MutationResult(mutation_id=m.mutation_id, status="rejected", error=_refusal(exc))
        if m.op == "create":
            self.absent.discard((m.entity, m.id))
        status = "conflict" if conflicts else "applied"
        return MutationResult(mutation_id=m.mutation_id, status=status, conflicts=conflicts)

    def _dispatch(self, spec: EntitySpec, m: Mutation, earlier: merge.Earlier) -> list[str]:
        session, principal = self.session, self.principal
        if m.op == "create":
            if spec.create is None:
                raise BadRequest(f"{spec.entity} records cannot be created by sync")
            if self._get(spec, m.id) is not None:
                raise Conflict(
                    "A record with this id already exists", details={"id": "Already exists"}
                )
            data = m.data or {}
            refused = spec.refused_on_create(data)
            if refused:
                raise ValidationFailed(dict.fromkeys(refused, "Set by the server"))
            spec.create(session, principal, m.id, data)
            return []
        obj = self._get(spec, m.id)
        if m.op == "update":
            if spec.update is None:
                raise BadRequest(f"{spec.entity} records cannot be changed by sync")
            conflicts = merge.update(session, principal, spec, obj, m, self.client_id, earlier)
            if obj is not None:
                # The replica shows what the user typed until it pulls the server's row. An
                # update the server takes may still change nothing (it normalises "+1 555 0100"
                # to the "+15550100" it holds): the row must be sent again all the same. Such
                # a write changed no field: nobody's value of any field was replaced by it.
                note(session, obj, resend=True)
            return conflicts
        if m.op == "delete":
            if spec.delete is None:
                raise BadRequest(f"{spec.entity} records cannot be deleted by sync")
            return merge.delete(session, principal, spec, obj, m, self.client_id)
        command = spec.commands.get(m.command or "")
        if command is None:
            raise BadRequest(
                f"Unknown command {m.command!r} for {spec.entity}", details={"command": "Unknown"}
            )
        if obj is None:
            raise NotFound(f"{spec.entity} not found")
        command(session, principal, obj, m.args or {})
        return []


def push(
    *, session: Session, principal: Principal, data: PushRequest, dialect: str
) -> PushResponse:
    """Apply a batch of mutations in order, each at most once; rejected ones are acknowledged too.

    The batch is applied at once (see ``_Batch``) in one savepoint; if any of its
    mutations fails, that savepoint is rolled back and the batch applied again one
    mutation at a time, so a refused mutation changes nothing and the others apply.
    """
    client = _client(session, principal, data.client_id, dialect)
    try:
        with savepoint(session), deferred_flushes(session):
            batch = _Batch(session, principal, client, at_once=True)
            batch.run(data.mutations)
    except _Replay:
        batch = _Batch(session, principal, client, at_once=False)
        batch.run(data.mutations)
    client.last_mutation_id = batch.last_applied
    client.last_push_at = utcnow()
    session.flush()
    created, fresh = batch.created, batch.fresh

    def stamp(s: Session, version: int | None) -> None:
        # The batch's changes carry this version; keep it with the stored results for retries
        # (one multi-row INSERT). An applied create also gets its record as it stands at this
        # version. No version: the batch changed nothing (every mutation refused or moot).
        if version is not None:
            for entity, made in created.items():
                spec = spec_for(entity)
                assert spec is not None
                rows = _rows(s, spec, sa.true(), [entity_id for entity_id, _ in made], fresh=True)
                for entity_id, result in made:
                    obj = rows.get(entity_id)
                    result.data = spec.serialize(obj) if obj is not None else None
        now = utcnow()
        stored: list[dict[str, Any]] = []
        for m, result in fresh:
            if result.status != "rejected":
                result.version = version
            stored.append(
                {
                    "client_id": client.id,
                    "mutation_id": m.mutation_id,
                    "status": result.status,
                    "version": result.version,
                    "result": result.model_dump(),
                    "fingerprint": m.fingerprint(),
                    "created_at": now,
                }
            )
        insert_rows(s, SyncMutation, stored)

    on_version(session, stamp)
    # Acknowledge only what this batch carried: a retry of the first few mutations of a lost
    # batch must not acknowledge the later ones, whose results the replica has not seen yet.
    return PushResponse(
        results=batch.results, last_mutation_id=min(batch.last_sent, batch.last_applied)
    )


def compact(*, session: Session, older_than: datetime) -> int:
    """Drop change-log entries older than ``older_than``; replicas behind them must reset.

    Returns the new ``purged_version``. Deletions are kept exactly as long as
    the entries around them, so no replica can miss one and keep a deleted record.
    """
    state = _state(session)
    cut = session.scalar(
        sa.select(sa.func.max(ChangeLog.version)).where(ChangeLog.changed_at < older_than)
    )
    if cut is None or cut <= state.purged_version:
        return state.purged_version
    session.execute(sa.delete(ChangeLog).where(ChangeLog.version <= cut))
    state.purged_version = cut
    session.flush()
    return cut
