"""Field-level merge of a pushed update or delete against the server's current record.

An update carries the changed fields, the values the user saw (``base``) and
the record version the replica last had (``base_version``). Values are compared
in the server's normal form: each read through the entity's update schema, as
an update carrying it would be ("eur" is "EUR", "+1 555 0100" is "+15550100",
"" is null). For each field:

- the server value equals ``base`` or already equals the new value: apply;
- otherwise, if nobody but this replica wrote the field since ``base_version``
  (its own earlier pushes only: an edit typed twice, a command's side effect;
  someone else's write of *another* field does not count), the difference is
  the replica's own doing: apply;
- otherwise someone else changed the same field: a conflict record keeps base,
  mine and theirs; under the field's policy the push wins ("lww", the losing
  value stays in the record) or the server value stays until the user chooses
  ("manual": money, statuses).

An issued document (the spec's ``never_merge`` holds: an invoice or order past
draft) is never merged: if someone else wrote it since ``base_version``, nothing
of the update applies and each field it would change is a conflict record.

A field sent without a base is judged by the second rule alone. Fields of a
nested object (a customer's ``address``) merge one by one, named
``address.city`` and so on; a nested base of null or ``{}`` means the user saw
none of its sub-fields. A delete of a record someone else changed since its
base version is a conflict, not a loss; an update of a deleted record is a
conflict, not a resurrection. A null ``base_version`` means the replica has
seen nothing of the record but its own writes (its own create, not yet
acknowledged) — never "skip the check".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from common.ids import new_id
from common.sync import Mutation, Row
from server.audit.models import AuditRecord
from server.auth.principal import Principal
from server.errors import NotFound, ValidationFailed
from server.sync.models import ChangeLog, SyncConflict, SyncMutation, SyncState
from server.sync.registry import EntitySpec

DELETED = "_deleted"


def _flatten(spec: EntitySpec, values: Row) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if name in spec.nested and isinstance(value, dict):
            for sub, v in value.items():
                flat[f"{name}.{sub}"] = v
        else:
            flat[name] = value
    return flat


def _flatten_base(spec: EntitySpec, base: Row, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The base of each changed field; a field the replica left out has none (unknown).

    A nested field's base of null or ``{}`` says the user saw no such object: each
    of its changed sub-fields was seen empty. The whole object stays under its own
    name too, for a change that removes it.
    """
    flat = _flatten(spec, base)
    for name in spec.nested:
        if name not in base:
            continue
        flat[name] = base[name]
        if not base[name]:
            prefix = f"{name}."
            flat.update((key, None) for key in changes if key.startswith(prefix))
    return flat


def _unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in flat.items():
        if "." in name:
            top, sub = name.split(".", 1)
            out.setdefault(top, {})[sub] = value
        else:
            out[name] = value
    return out


def _flatten_row(spec: EntitySpec, row: Row) -> dict[str, Any]:
    """A whole record, each nested object also under its sub-fields' names."""
    flat: dict[str, Any] = dict(row)
    for name in spec.nested:
        nested = row.get(name)
        if isinstance(nested, dict):
            for sub, v in nested.items():
                flat[f"{name}.{sub}"] = v
    return flat


def _current(spec: EntitySpec, obj: Any) -> dict[str, Any]:
    return _flatten_row(spec, (spec.merge_view or spec.serialize)(obj))


def _pick(values: Mapping[str, Any], name: str) -> Any:
    top, _, sub = name.partition(".")
    value = values.get(top)
    return value.get(sub) if sub and isinstance(value, dict) else value


def _read(spec: EntitySpec, values: Mapping[str, Any]) -> dict[str, Any]:
    assert spec.update_schema is not None
    parsed = spec.update_schema.model_validate(_unflatten(values))
    dumped = parsed.model_dump(mode="json", exclude_unset=True)
    return {name: _pick(dumped, name) for name in values}


def normal_form(spec: EntitySpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat values as the server would store them, read by the entity's update schema.

    A value the schema refuses (a required field's null, an invalid address) stays
    as it was sent: it can only equal a server value that is the same.
    """
    if spec.update_schema is None or not values:
        return dict(values)
    try:
        return _read(spec, values)
    except ValidationError:
        pass
    out: dict[str, Any] = {}
    for name, value in values.items():
        try:
            out.update(_read(spec, {name: value}))
        except ValidationError:
            out[name] = value
    return out


def _others_since(
    session: Session, spec: EntitySpec, obj: Any, base_version: int | None, client_id: str
) -> list[list[str] | None] | None:
    """The fields of each change-log entry of the record after ``base_version`` that
    another party made (null: the whole record); ``None`` if nobody else wrote it.

    Versions this client's own pushes made (``sync_mutations.version``) do not count, nor
    entries that changed no field (``[]``: a pushed update that only sent values the
    record had). With the change log compacted past ``base_version`` nobody can tell:
    the whole record.
    """
    since = base_version or 0
    if obj.version <= since:
        return None
    state = session.get(SyncState, 1)
    if state is not None and since < state.purged_version:
        return [None]
    own = (
        sa.select(SyncMutation.version)
        .where(SyncMutation.client_id == client_id, SyncMutation.version == ChangeLog.version)
        .exists()
    )
    entries = list(
        session.scalars(
            sa.select(ChangeLog.fields).where(
                ChangeLog.entity == spec.entity,
                ChangeLog.entity_id == obj.id,
                ChangeLog.version > since,
                ~own,
            )
        )
    )
    changed = [entry for entry in entries if entry is None or entry]
    return changed or None


def written_by_others(
    session: Session, spec: EntitySpec, obj: Any, base_version: int | None, client_id: str
) -> bool:
    """Whether anyone but this replica changed the record after ``base_version``."""
    return _others_since(session, spec, obj, base_version, client_id) is not None


def _written_fields(
    spec: EntitySpec, obj: Any, entries: list[list[str] | None] | None, names: list[str]
) -> set[str]:
    """Which of ``names`` (flat merge names) another party's entries may have written.

    An entry names columns or noted fields (``address.city``); a merge name is matched by
    its top-level part. A name the record has no column of (``client_id`` for a deal's
    ``customer_id``) cannot be told apart: any entry counts, the cautious answer.
    """
    if not entries:
        return set()
    columns = {a.key for a in sa.inspect(obj).mapper.column_attrs} | set(spec.nested)
    touched: set[str] = set()
    for entry in entries:
        if entry is None:
            return set(names)
        touched.update(name.split(".", 1)[0] for name in entry)
    return {
        name
        for name in names
        if name.split(".", 1)[0] in touched or name.split(".", 1)[0] not in columns
    }


def _was_deleted(session: Session, spec: EntitySpec, entity_id: str) -> bool:
    return (
        session.scalar(
            sa.select(ChangeLog.version)
            .where(
                ChangeLog.entity == spec.entity,
                ChangeLog.entity_id == entity_id,
                ChangeLog.op == "delete",
            )
            .limit(1)
        )
        is not None
    )


def _last_writer(session: Session, spec: EntitySpec, entity_id: str) -> tuple[str | None, Any]:
    row = session.execute(
        sa.select(AuditRecord.actor_id, AuditRecord.created_at)
        .where(AuditRecord.entity == spec.entity, AuditRecord.entity_id == entity_id)
        .order_by(AuditRecord.created_at.desc(), AuditRecord.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def _conflict(
    session: Session,
    principal: Principal,
    spec: EntitySpec,
    entity_id: str,
    field: str,
    *,
    base: Any,
    mine: Any,
    theirs: Any,
    applied: str,
) -> str:
    by, at = _last_writer(session, spec, entity_id)
    record = SyncConflict(
        id=new_id(),  # known now: a push applying mutations together flushes later
        entity=spec.entity,
        entity_id=entity_id,
        field=field,
        base=base,
        mine=mine,
        theirs=theirs,
        applied=applied,
        user_id=principal.id,
        theirs_by=by,
        theirs_at=at,
    )
    session.add(record)
    session.flush()
    return str(record.id)


@dataclass
class Earlier:
    """What earlier mutations of the same batch tell about a record's later edits' bases.

    The replica made each edit on top of its earlier ones, assuming they would apply.
    ``made``: the record as the replica's own create made it (a stored result this batch
    returned): the base of what an edit made before that answer left out. ``refused``:
    flat field -> (value, base) of an own edit that was rejected: a later base equal to
    that value really saw the refused edit's base (absent: unknown).
    """

    made: Row | None = None
    refused: dict[str, tuple[Any, Any]] = field(default_factory=dict)


_UNKNOWN = object()


def _bases(
    spec: EntitySpec, m: Mutation, changes: Mapping[str, Any], earlier: Earlier
) -> dict[str, Any]:
    """The base of each changed field, corrected by what earlier mutations of the batch say."""
    given = _flatten_base(spec, m.base or {}, changes)
    base = {name: given[name] for name in changes if name in given}
    if earlier.made is not None:
        created = _flatten_row(spec, earlier.made)
        base.update((name, created.get(name)) for name in changes if name not in base)
    assumed = {n: earlier.refused[n] for n in base.keys() & earlier.refused.keys()}
    if assumed:
        seen = normal_form(spec, {n: base[n] for n in assumed})
        value = normal_form(spec, {n: v for n, (v, _) in assumed.items()})
        for name, (_, before) in assumed.items():
            if seen[name] == value[name]:
                if before is _UNKNOWN:
                    del base[name]
                else:
                    base[name] = before
    return base


def refused(spec: EntitySpec, m: Mutation, earlier: Earlier) -> None:
    """Remember a rejected update: later edits of the batch assumed it applied."""
    changes = _flatten(spec, m.changes or {})
    base = _bases(spec, m, changes, earlier)
    for name, value in changes.items():
        earlier.refused[name] = (value, base.get(name, _UNKNOWN))


def update(
    session: Session,
    principal: Principal,
    spec: EntitySpec,
    obj: Any,
    m: Mutation,
    client_id: str,
    earlier: Earlier | None = None,
) -> list[str]:
    """Merge the pushed field changes; return the ids of conflict records made."""
    assert spec.update is not None
    changes = _flatten(spec, m.changes or {})
    if not changes:
        raise ValidationFailed({"changes": "An update needs at least one changed field"})
    bad = sorted(k.split(".", 1)[0] for k in changes if k.split(".", 1)[0] in spec.read_only)
    if bad:
        raise ValidationFailed(dict.fromkeys(bad, "Set by the server"))
    if obj is None:
        if not _was_deleted(session, spec, m.id):
            raise NotFound(f"No {spec.entity} with this id", details={"id": "Unknown"})
        # Edited here, deleted there: keep the user's edit in a conflict record.
        return [
            _conflict(
                session,
                principal,
                spec,
                m.id,
                DELETED,
                base=None,
                mine=m.changes,
                theirs=None,
                applied="theirs",
            )
        ]
    seen = _bases(spec, m, changes, earlier or Earlier())
    current = _current(spec, obj)
    theirs = {name: current.get(name) for name in changes}
    for name in seen.keys() & spec.nested:
        # A whole nested object (removing it): compare the keys the server's view has.
        saw, has = seen[name], theirs[name]
        if isinstance(saw, dict) and isinstance(has, dict):
            seen[name] = {k: saw.get(k) for k in has}
    if (
        spec.never_merge is not None
        and spec.never_merge(obj)
        and written_by_others(session, spec, obj, m.base_version, client_id)
    ):
        # An issued document someone else changed since the user saw it: nothing of this
        # edit is merged into it; each field it would change waits for the user's choice.
        mine_n, seen_n, theirs_n = (
            normal_form(spec, changes),
            normal_form(spec, seen),
            normal_form(spec, theirs),
        )
        return [
            _conflict(
                session,
                principal,
                spec,
                m.id,
                name,
                base=seen_n.get(name),
                mine=mine_n[name],
                theirs=theirs_n[name],
                applied="theirs",
            )
            for name in changes
            if theirs_n[name] != mine_n[name]
        ]
    if seen == theirs:
        # The user saw exactly what the server holds (the common case): every change
        # applies, whatever the normal forms; no schema needs to read the values.
        apply, contested = dict(changes), []  # (so the normal forms below are never read)
    else:
        mine_n, seen_n, theirs_n = (
            normal_form(spec, changes),
            normal_form(spec, seen),
            normal_form(spec, theirs),
        )
        apply = {
            name: value
            for name, value in changes.items()
            if theirs_n[name] == mine_n[name] or (name in seen_n and theirs_n[name] == seen_n[name])
        }
        contested = [name for name in changes if name not in apply]
    conflicts: list[str] = []
    if contested:
        # A field only this replica wrote since its base version: the difference is its own
        # doing. Someone else's write of another field does not make it theirs.
        others = _others_since(session, spec, obj, m.base_version, client_id)
        theirs_too = _written_fields(spec, obj, others, contested)
        apply.update((name, changes[name]) for name in contested if name not in theirs_too)
        contested = [name for name in contested if name in theirs_too]
    for name in contested:
        policy = spec.policy(name)
        if policy == "lww":
            apply[name] = changes[name]
        conflicts.append(
            _conflict(
                session,
                principal,
                spec,
                m.id,
                name,
                base=seen_n.get(name),
                mine=mine_n[name],
                theirs=theirs_n[name],
                applied="mine" if policy == "lww" else "theirs",
            )
        )
    if apply:
        spec.update(session, principal, obj, _unflatten(apply))
    return conflicts


def delete(
    session: Session, principal: Principal, spec: EntitySpec, obj: Any, m: Mutation, client_id: str
) -> list[str]:
    """Delete, unless someone else changed the record since the version the user deleted."""
    assert spec.delete is not None
    if obj is None:
        return []  # already gone: deleting twice is harmless
    if written_by_others(session, spec, obj, m.base_version, client_id):
        return [
            _conflict(
                session,
                principal,
                spec,
                m.id,
                DELETED,
                base=None,
                mine=DELETED,
                theirs=spec.serialize(obj),
                applied="theirs",
            )
        ]
    spec.delete(session, principal, obj)
    return []
