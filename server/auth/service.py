"""Sign-in sessions: login, registration, refresh rotation with reuse detection, logout."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.users import LoginRequest, RegisterRequest
from server.auth.models import AuthSession, RefreshToken
from server.context import AppContext
from server.db import utcnow
from server.errors import Conflict, Forbidden, RateLimited, Unauthorized
from server.security import new_opaque_token, token_hash
from server.unit_of_work import set_actor
from server.users.models import User

INVALID_LOGIN = "Invalid email or password"


class RefreshReuse(Unauthorized):
    """A rotated refresh token came back: the family is revoked, and that must be committed."""

    keep_changes = True


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def _check_login_limits(ctx: AppContext, *, email: str, address: str) -> None:
    limiter = ctx.limiter
    per_email = limiter.parse(ctx.settings.login_limit_per_email)
    per_address = limiter.parse(ctx.settings.login_limit_per_address)
    ok_email = limiter.hit(per_email, "login-email", email)
    ok_address = limiter.hit(per_address, "login-address", address)
    if not (ok_email and ok_address):
        item = per_email if not ok_email else per_address
        ident = ("login-email", email) if not ok_email else ("login-address", address)
        reset, _ = limiter.window(item, *ident)
        retry = max(1, int(reset - time.time()) + 1)
        raise RateLimited(
            "Too many sign-in attempts; try again later",
            headers={"Retry-After": str(retry)},
        )


def _issue(
    session: Session,
    ctx: AppContext,
    user: User,
    *,
    auth_session: AuthSession | None = None,
    user_agent: str | None = None,
    address: str | None = None,
) -> IssuedTokens:
    if auth_session is None:
        auth_session = AuthSession(
            user_id=user.id,
            user_agent=(user_agent or "")[:255] or None,
            client_address=address,
        )
        session.add(auth_session)
        session.flush()
    refresh = new_opaque_token()
    session.add(
        RefreshToken(
            session_id=auth_session.id,
            token_hash=token_hash(refresh),
            expires_at=utcnow() + timedelta(days=ctx.settings.refresh_token_ttl_days),
        )
    )
    session.flush()
    access = ctx.tokens.issue(user_id=user.id, session_id=auth_session.id)
    return IssuedTokens(access, refresh, ctx.tokens.ttl_seconds, user)


def login(
    *,
    session: Session,
    ctx: AppContext,
    data: LoginRequest,
    address: str,
    user_agent: str | None,
) -> IssuedTokens:
    """Check the password (same cost for unknown emails) and open a new session."""
    _check_login_limits(ctx, email=data.email, address=address)
    # The password check (tens of ms of argon2) runs in a read transaction: on
    # SQLite the request's write transaction would hold the database's write lock.
    with ctx.db.session(write=False) as reader:
        found = reader.execute(
            sa.select(User.id, User.password_hash).where(User.email == data.email)
        ).first()
    ok = ctx.passwords.verify(found.password_hash if found else None, data.password)
    if found is None or not ok:
        raise Unauthorized(INVALID_LOGIN)
    user = session.get(User, found.id)
    if user is None:
        raise Unauthorized(INVALID_LOGIN)
    if not user.active:
        raise Unauthorized("This account is deactivated")
    set_actor(session, user.id)
    if ctx.passwords.needs_rehash(user.password_hash):
        user.password_hash = ctx.passwords.hash(data.password)
    return _issue(session, ctx, user, user_agent=user_agent, address=address)


def register(
    *,
    session: Session,
    ctx: AppContext,
    data: RegisterRequest,
    address: str,
    user_agent: str | None,
) -> IssuedTokens:
    """Create a user with no role (an admin grants one) and sign them in."""
    if not ctx.settings.allow_registration:
        raise Forbidden("Registration is disabled on this server")
    _check_login_limits(ctx, email=data.email, address=address)
    password_hash = ctx.passwords.hash(data.password)  # before the write lock is taken
    if session.scalar(sa.select(User.id).where(User.email == data.email)) is not None:
        raise Conflict(
            "A user with this email already exists", details={"email": "Already registered"}
        )
    user = User(email=data.email, name=data.name, password_hash=password_hash)
    session.add(user)
    session.flush()
    set_actor(session, user.id)
    return _issue(session, ctx, user, user_agent=user_agent, address=address)


def refresh(*, session: Session, ctx: AppContext, token: str) -> IssuedTokens:
    """Rotate a refresh token. A token that was already rotated revokes its whole family."""
    stmt = (
        sa.select(RefreshToken, AuthSession, User)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .join(User, User.id == AuthSession.user_id)
        .where(RefreshToken.token_hash == token_hash(token))
    )
    if ctx.db.dialect == "postgresql":
        stmt = stmt.with_for_update(of=RefreshToken)  # two refreshes of one token: one wins
    row = session.execute(stmt).first()
    if row is None:
        raise Unauthorized("Invalid refresh token")
    rt, auth_session, user = row
    now = utcnow()
    if auth_session.revoked_at is not None:
        raise Unauthorized("This session has ended; sign in again")
    if rt.rotated_at is not None:
        auth_session.revoked_at = now
        auth_session.revoked_reason = "refresh_token_reuse"
        session.flush()
        raise RefreshReuse("Refresh token was already used; the session is revoked, sign in again")
    if rt.expires_at <= now:
        raise Unauthorized("Refresh token expired; sign in again")
    if not user.active:
        raise Unauthorized("This account is deactivated")
    rt.rotated_at = now
    set_actor(session, user.id)
    return _issue(session, ctx, user, auth_session=auth_session)


def revoke_session(session: Session, session_id: str, reason: str) -> None:
    session.execute(
        sa.update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def revoke_all_sessions(session: Session, user_id: str, reason: str) -> None:
    """End every sign-in of a user: refresh tokens and access tokens stop working at once."""
    session.execute(
        sa.update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def logout(
    *, session: Session, user_id: str, session_id: str | None, refresh_token: str | None
) -> None:
    """End the caller's current session, and the one a given refresh token belongs to."""
    if session_id:
        revoke_session(session, session_id, "logout")
    if refresh_token:
        sid = session.scalar(
            sa.select(RefreshToken.session_id)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .where(
                RefreshToken.token_hash == token_hash(refresh_token), AuthSession.user_id == user_id
            )
        )
        if sid:
            revoke_session(session, sid, "logout")
