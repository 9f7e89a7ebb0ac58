"""Users and roles: listing, profile edits, activation, role grants."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.permissions import is_subset
from common.users import UserUpdate
from common.validation import check_password, normalize_email, normalize_name
from server.auth.service import revoke_all_sessions
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.listing import PageRequest, PageResult, paginate
from server.security import PasswordHashing
from server.unit_of_work import note
from server.users.emails import ensure_email_free
from server.users.models import Role, User

WILDCARD_ALL = "*:*"
# What the server console (``crm-server users``, the first start) may do: anything;
# whoever runs it holds the database already. Its audit records have no actor.
CONSOLE_PERMISSIONS = [WILDCARD_ALL]
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


def _ensure_can_manage(actor_permissions: list[str], actor_id: str | None, target: User) -> None:
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
    *,
    session: Session,
    actor_id: str | None,
    actor_permissions: list[str],
    user_id: str,
    active: bool,
) -> User:
    """Activate or deactivate; deactivation ends every session of the user at once."""
    user = get_user(session=session, user_id=user_id)
    _ensure_can_manage(actor_permissions, actor_id, user)
    if user.active == active:
        raise Conflict("User is already active" if active else "User is already deactivated")
    if not active and user.id == actor_id:
        raise Conflict("You cannot deactivate your own account")
    if not active:
        _keep_a_super_admin(session, user, without=None)
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


def _keep_a_super_admin(session: Session, user: User, *, without: Role | None) -> None:
    """Refuse a change that would leave no active user holding every permission.

    ``without`` is the role the user is about to lose; None means the user is
    being deactivated. The console (``crm-server users``) may act on anyone,
    so this is what keeps it from locking everybody out.
    """
    every = [r.id for r in session.scalars(sa.select(Role)) if WILDCARD_ALL in r.permissions]
    kept = [r for r in user.roles if r is not without] if without is not None else []
    if not user.active or not set(every) & {r.id for r in user.roles}:
        return  # the user holds no super role now: nothing is lost
    if set(every) & {r.id for r in kept}:
        return
    other = session.scalar(
        sa.select(User.id)
        .join(User.roles)
        .where(Role.id.in_(every), User.active.is_(True), User.id != user.id)
        .limit(1)
    )
    if other is None:
        raise Conflict(
            f"{user.email} is the last active user with every permission (*:*); "
            "grant such a role to someone else first"
        )


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
    *,
    session: Session,
    actor_id: str | None,
    actor_permissions: list[str],
    user_id: str,
    role_id: str,
) -> User:
    user = get_user(session=session, user_id=user_id)
    role = _get_role(session, role_id)
    if not is_subset(role.permissions, actor_permissions):
        raise Forbidden("You cannot remove a role with permissions you do not hold")
    if role not in user.roles:
        raise NotFound("The user does not have this role")
    if user.id == actor_id and "*:*" in role.permissions:
        raise Conflict("You cannot remove your own super admin role")
    _keep_a_super_admin(session, user, without=role)
    before = user.role_names
    user.roles.remove(role)
    session.flush()
    note(session, user, action="remove_role", fields={"roles": (before, user.role_names)})
    return user


def list_roles(*, session: Session) -> list[Role]:
    return list(session.scalars(sa.select(Role).order_by(Role.name)))


def find_by_email(*, session: Session, email: str) -> User | None:
    """The user with this email, already in its normal form, if any."""
    return session.scalar(sa.select(User).where(User.email == email))


def get_user_by_email(*, session: Session, email: str) -> User:
    """The user with this email (compared in its normal form)."""
    normal = _valid("email", normalize_email, email)
    user = find_by_email(session=session, email=normal)
    if user is None:
        raise NotFound(f"No user with the email {normal}")
    return user


def get_role_by_name(*, session: Session, name: str) -> Role:
    role = session.scalar(sa.select(Role).where(Role.name == name))
    if role is None:
        known = ", ".join(r.name for r in list_roles(session=session))
        raise NotFound(f"No role named {name!r} (roles: {known})", details={"role": "Unknown role"})
    return role


def _valid(field: str, check: Callable[[str], str], value: str) -> str:
    """Apply a ``common.validation`` rule; its ``ValueError`` becomes a 422 naming the field."""
    try:
        return check(value)
    except ValueError as exc:
        raise ValidationFailed({field: str(exc)}, message=str(exc)) from None


def _password_hash(passwords: PasswordHashing, password: str) -> str:
    return passwords.hash(_valid("password", check_password, password))


def create_user(
    *,
    session: Session,
    actor_permissions: list[str],
    passwords: PasswordHashing,
    email: str,
    name: str,
    password: str,
    roles: Sequence[Role] = (),
) -> User:
    """Create an active user with the given roles; 409 if the email (or a look-alike) is taken.

    The console (``crm-server users create``) and the first start (the bootstrap
    administrator, ``CONSOLE_PERMISSIONS``) both come through here.
    """
    email = _valid("email", normalize_email, email)
    name = _valid("name", normalize_name, name)
    for role in roles:
        if not is_subset(role.permissions, actor_permissions):
            raise Forbidden(
                f"You cannot grant the role {role.name}: it has permissions you do not hold"
            )
    password_hash = _password_hash(passwords, password)
    ensure_email_free(session=session, email=email)
    user = User(email=email, name=name, password_hash=password_hash, roles=list(roles))
    session.add(user)
    session.flush()
    note(session, user, fields={"roles": ([], user.role_names)})
    return user


def set_password(
    *,
    session: Session,
    actor_id: str | None,
    actor_permissions: list[str],
    passwords: PasswordHashing,
    user_id: str,
    password: str,
) -> User:
    """Give a user a new password; every session of theirs ends at once."""
    user = get_user(session=session, user_id=user_id)
    _ensure_can_manage(actor_permissions, actor_id, user)
    user.password_hash = _password_hash(passwords, password)
    revoke_all_sessions(session, user.id, "password_reset")
    session.flush()
    note(session, user, action="reset_password")
    return user


def reset_credentials(
    *, session: Session, passwords: PasswordHashing, user: User, password: str
) -> User:
    """Give a user a new password and reactivate them (the bootstrap admin's recovery).

    Every session the account had ends: whoever signed in with the old password
    must not carry on with the rights the recovered account is about to get.
    """
    user.password_hash = _password_hash(passwords, password)
    user.active = True
    revoke_all_sessions(session, user.id, "password_reset")
    session.flush()
    note(session, user, action="reset_credentials")
    return user


def grant_system_role(*, session: Session, user: User, role_name: str) -> User:
    """Grant a seeded role on the system's own authority (first start), not a user's."""
    role = session.scalar(sa.select(Role).where(Role.name == role_name))
    if role is None:
        raise RuntimeError(f"the {role_name} role is missing: is the database migrated?")
    return assign_role(
        session=session, actor_permissions=CONSOLE_PERMISSIONS, user_id=user.id, role_id=role.id
    )
