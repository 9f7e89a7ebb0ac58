"""Conflict records as a synced entity: each user sees and resolves their own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from common.sync import Row
from server.auth.principal import Principal
from server.errors import Forbidden, ValidationFailed
from server.sync.models import SyncConflict
from server.sync.registry import EntitySpec, register


def serialize(c: SyncConflict) -> Row:
    return {
        "id": c.id,
        "entity": c.entity,
        "entity_id": c.entity_id,
        "field": c.field,
        "base": c.base,
        "mine": c.mine,
        "theirs": c.theirs,
        "applied": c.applied,
        "user_id": c.user_id,
        "theirs_by": c.theirs_by,
        "theirs_at": c.theirs_at.isoformat() if c.theirs_at else None,
        "status": c.status,
        "resolution": c.resolution,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
        "version": c.version,
    }


def resolve(session: Session, principal: Principal, c: Any, changes: Row) -> None:
    """Mark a conflict resolved; the chosen value travels as its own update of the record."""
    if c.user_id != principal.id:
        raise Forbidden("This conflict belongs to another user")
    unknown = sorted(set(changes) - {"status", "resolution"})
    if unknown:
        raise ValidationFailed(dict.fromkeys(unknown, "Only status and resolution can change"))
    status = changes.get("status", c.status)
    resolution = changes.get("resolution", c.resolution)
    if status not in ("open", "resolved"):
        raise ValidationFailed({"status": "Must be open or resolved"})
    if resolution not in (None, "mine", "theirs", "other"):
        raise ValidationFailed({"resolution": "Must be mine, theirs or other"})
    c.status, c.resolution = status, resolution
    session.flush()


SPEC = register(
    EntitySpec(
        entity="conflict",
        model=SyncConflict,
        serialize=serialize,
        read_permission=None,
        own_rows=lambda p: SyncConflict.user_id == p.id,
        update=resolve,
    )
)
