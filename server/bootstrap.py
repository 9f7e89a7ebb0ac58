"""First start: the bootstrap admin, created from the environment, never from a fixed password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from common.validation import check_password, normalize_email
from server.context import AppContext
from server.users import service as users
from server.users.models import Role, User

SUPER_ADMIN = "super_admin"
_ADMIN_LOCK_KEY = 0x5C4_0AD  # any constant, the same in every process


@dataclass(frozen=True)
class AdminResult:
    email: str
    created: bool
    generated_password: str | None


def ensure_admin(ctx: AppContext) -> AdminResult:
    """Create the admin if no super admin exists yet; generate a password if none was given."""
    email = normalize_email(ctx.settings.admin_email)
    with ctx.unit_of_work() as session:
        if ctx.db.dialect == "postgresql":
            # Several processes starting at once on one empty database: one makes the
            # admin, the others wait here and then find it (SQLite has one writer anyway).
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADMIN_LOCK_KEY})
        has_admin = session.scalar(
            sa.select(User.id)
            .join(User.roles)
            .where(Role.name == SUPER_ADMIN, User.active.is_(True))
            .limit(1)
        )
        if has_admin is not None:
            return AdminResult(email=email, created=False, generated_password=None)
        given = ctx.settings.admin_password
        password = given.get_secret_value() if given else None
        generated = None
        if password is None:
            generated = password = secrets.token_urlsafe(12)
        check_password(password)  # a ValueError: the CLI's one-line refusal of the setting
        user = users.find_by_email(session=session, email=email)
        if user is None:
            user = users.create_user(
                session=session,
                actor_permissions=users.CONSOLE_PERMISSIONS,
                passwords=ctx.passwords,
                email=email,
                name="Administrator",
                password=password,
            )
        else:
            # Never promote an account someone may have registered with this email while
            # keeping their password: the administrator gets the configured one.
            users.reset_credentials(
                session=session, passwords=ctx.passwords, user=user, password=password
            )
        users.grant_system_role(session=session, user=user, role_name=SUPER_ADMIN)
    return AdminResult(email=email, created=True, generated_password=generated)
