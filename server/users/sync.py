"""Users and roles reach replicas read-only: everyone sees themselves, readers see all."""

from __future__ import annotations

from common.sync import Row
from server.sync.registry import EntitySpec, register
from server.users.models import Role, User


def serialize_user(u: User) -> Row:
    return {
        "id": u.id,
        "email": u.email,
        "name": u.name,
        "active": u.active,
        "roles": list(u.role_names),
        "created_at": u.created_at.isoformat(),
        "updated_at": u.updated_at.isoformat(),
        "version": u.version,
    }


def serialize_role(r: Role) -> Row:
    return {
        "id": r.id,
        "name": r.name,
        "description": r.description,
        "permissions": list(r.permissions),
        "created_at": r.created_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
        "version": r.version,
    }


USER = register(
    EntitySpec(
        entity="user",
        model=User,
        serialize=serialize_user,
        read_permission="users:read",
        own_rows=lambda p: User.id == p.id,
    )
)
ROLE = register(
    EntitySpec(entity="role", model=Role, serialize=serialize_role, read_permission="roles:read")
)
