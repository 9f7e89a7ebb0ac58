"""Users and roles: listing, profile edits, activation, role grants."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.permissions import is_subset
from common.users import UserUpdate
from server.auth.service import revoke_all_sessions
from server.errors import Conflict, Forbidden, NotFound
from server.listing import PageRequest, PageResult, paginate
from server.unit_of_work import note
from server.users.emails import ensure_email_free
from server.users.models import Role, User

USER_SORTS = {
    "email": User.email,
    "name": User.name,
    "created_at": User.created_at,
    "active": User.active,
}


def get_user(*, session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    return user


def list_users(
    *, session: Session, page: PageRequest, active: bool | None = None
) -> PageResult[User]:
    filters = [User.active.is_(active)] if active is not None else []
    return paginate(
        session,
        sa.select(User),
        page,
        sortable=USER_SORTS,
        default_sort="created_at",
        tiebreak=User.id,
        search_columns=[User.email, User.name],
        filters=filters,
    )


def _ensure_can_manage(actor_permissions: list[str], actor_id: str, target: User) -> None:
    # Holding users:write is not enough to act on someone more powerful than yourself.
    if target.id != actor_id and not is_subset(target.permissions, actor_permissions):
        raise Forbidden("This user has permissions you do not hold")


def update_user(
    *, session: Session, actor_id: str, actor_permissions: list[str], user_id: str, data: UserUpdate
) -> User:
    user = get_user(session=session, user_id=user_id)
    _ensure_can_manage(actor_permissions, actor_id, user)
    changes = data.provided()
    email = changes.get("email")
    if isinstance(email, str) and email != user.email:
        ensure_email_free(session=session, email=email, except_id=user.id)
        user.email = email
    name = changes.get("name")
    if isinstance(name, str):
        user.name = name
    session.flush()
    return user


def set_active(
    *, session: Session, actor_id: str, actor_permissions: list[str], user_id: str, active: bool
) -> User:
    """Activate or deactivate; deactivation ends every session of the user at once."""
    user = get_user(session=session, user_id=user_id)
    _ensure_can_manage(actor_permissions, actor_id, user)
    if user.active == active:
        raise Conflict("User is already active" if active else "User is already deactivated")
    if not active and user.id == actor_id:
        raise Conflict("You cannot deactivate your own account")
    user.active = active
    if not active:
        # Write the user row first: on PostgreSQL that waits for any sign-in holding it
        # (auth.service._user_for_sign_in), so the revocation below, a statement
        # of its own, sees the session such a sign-in just committed.
        session.flush()
        revoke_all_sessions(session, user.id, "deactivated")
    session.flush()
    note(session, user, action="activate" if active else "deactivate")
    return user


def _get_role(session: Session, role_id: str) -> Role:
    role = session.get(Role, role_id)
    if role is None:
        raise NotFound("Role not found", details={"role_id": "No role with this id"})
    return role


def assign_role(
    *, session: Session, actor_permissions: list[str], user_id: str, role_id: str
) -> User:
    """Grant a role. Nobody can grant permissions they do not hold themselves."""
    user = get_user(session=session, user_id=user_id)
    role = _get_role(session, role_id)
    if not is_subset(role.permissions, actor_permissions):
        raise Forbidden("You cannot grant a role with permissions you do not hold")
    if role in user.roles:
        return user
    before = user.role_names
    user.roles.append(role)
    session.flush()
    note(session, user, action="assign_role", fields={"roles": (before, user.role_names)})
    return user


def remove_role(
    *, session: Session, actor_id: str, actor_permissions: list[str], user_id: str, role_id: str
) -> User:
    user = get_user(session=session, user_id=user_id)
    role = _get_role(session, role_id)
    if not is_subset(role.permissions, actor_permissions):
        raise Forbidden("You cannot remove a role with permissions you do not hold")
    if role not in user.roles:
        raise NotFound("The user does not have this role")
    if user.id == actor_id and "*:*" in role.permissions:
        raise Conflict("You cannot remove your own super admin role")
    before = user.role_names
    user.roles.remove(role)
    session.flush()
    note(session, user, action="remove_role", fields={"roles": (before, user.role_names)})
    return user


def list_roles(*, session: Session) -> list[Role]:
    return list(session.scalars(sa.select(Role).order_by(Role.name)))
