"""First start: the bootstrap admin, created from the environment, never from a fixed password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from common.validation import check_password, normalize_email
from server.context import AppContext
from server.users.models import Role, User

SUPER_ADMIN = "super_admin"


@dataclass(frozen=True)
class AdminResult:
    email: str
    created: bool
    generated_password: str | None


def ensure_admin(ctx: AppContext) -> AdminResult:
    """Create the admin if no super admin exists yet; generate a password if none was given."""
    email = normalize_email(ctx.settings.admin_email)
    with ctx.db.unit_of_work() as session:
        role = session.scalar(sa.select(Role).where(Role.name == SUPER_ADMIN))
        if role is None:
            raise RuntimeError("the super_admin role is missing: is the database migrated?")
        has_admin = session.scalar(
            sa.select(User.id)
            .join(User.roles)
            .where(Role.id == role.id, User.active.is_(True))
            .limit(1)
        )
        if has_admin is not None:
            return AdminResult(email=email, created=False, generated_password=None)
        given = ctx.settings.admin_password
        password = given.get_secret_value() if given else None
        generated = None
        if password is None:
            generated = password = secrets.token_urlsafe(12)
        check_password(password)
        user = session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email, name="Administrator", password_hash=ctx.passwords.hash(password)
            )
            session.add(user)
        else:
            # Never promote an account someone may have registered with this email while
            # keeping their password: the administrator gets the configured one.
            user.password_hash = ctx.passwords.hash(password)
            user.active = True
        if role not in user.roles:
            user.roles.append(role)
        session.flush()
    return AdminResult(email=email, created=True, generated_password=generated)
