"""Field-level merge of a pushed update or delete against the server's current record.

An update carries the changed fields, the values the user saw (``base``) and
the row version it was based on. For each field:

- the server value still equals ``base`` (or already equals the new value):
  nobody else touched it — apply;
- otherwise both sides changed the same field: a conflict record keeps base,
  mine and theirs; under the field's policy the push wins ("lww", the losing
  value stays in the record) or the server value stays until the user chooses
  ("manual": money, statuses).

Fields of a nested object (a customer's ``address``) merge one by one, named
``address.city`` and so on. A delete of a record edited since its base version
is a conflict, not a loss; an update of a deleted record is a conflict, not a
resurrection.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.sync import Mutation, Row
from server.audit.models import AuditRecord
from server.auth.principal import Principal
from server.errors import NotFound, ValidationFailed
from server.sync.models import ChangeLog, SyncConflict
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


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in flat.items():
        if "." in name:
            top, sub = name.split(".", 1)
            out.setdefault(top, {})[sub] = value
        else:
            out[name] = value
    return out


def _current(spec: EntitySpec, obj: Any) -> dict[str, Any]:
    data = (spec.merge_view or spec.serialize)(obj)
    flat = dict(data)
    for name in spec.nested:
        nested = data.get(name)
        if isinstance(nested, dict):
            for sub, v in nested.items():
                flat[f"{name}.{sub}"] = v
        else:
            flat.pop(name, None)
    return flat


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
    return record.id


def update(
    session: Session, principal: Principal, spec: EntitySpec, obj: Any, m: Mutation
) -> list[str]:
    """Merge the pushed field changes; return the ids of conflict records made."""
    assert spec.update is not None
    changes = _flatten(spec, m.changes or {})
    base = _flatten(spec, m.base or {})
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
    current = _current(spec, obj)
    apply: dict[str, Any] = {}
    conflicts: list[str] = []
    for name, mine in changes.items():
        theirs = current.get(name)
        seen = base.get(name, theirs)  # no base given: assume the user saw the current value
        if theirs in (seen, mine):
            apply[name] = mine
            continue
        policy = spec.policy(name)
        if policy == "lww":
            apply[name] = mine
        conflicts.append(
            _conflict(
                session,
                principal,
                spec,
                m.id,
                name,
                base=seen,
                mine=mine,
                theirs=theirs,
                applied="mine" if policy == "lww" else "theirs",
            )
        )
    if apply:
        spec.update(session, principal, obj, _unflatten(apply))
    return conflicts


def delete(
    session: Session, principal: Principal, spec: EntitySpec, obj: Any, m: Mutation
) -> list[str]:
    """Delete, unless the record changed since the version the user deleted."""
    assert spec.delete is not None
    if obj is None:
        return []  # already gone: deleting twice is harmless
    if m.base_version is not None and obj.version > m.base_version:
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
