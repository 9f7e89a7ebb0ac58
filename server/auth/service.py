"""Sign-in sessions: login, registration, refresh rotation with reuse detection, logout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.users import LoginRequest, RegisterRequest
from server.auth import throttle
from server.auth.models import AuthSession, RefreshToken
from server.context import AppContext
from server.db import utcnow
from server.errors import Forbidden, Unauthorized
from server.security import new_opaque_token, token_hash
from server.unit_of_work import set_actor
from server.users.emails import ensure_email_free
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


def _issue(
    session: Session,
    ctx: AppContext,
    user: User,
    *,
    refresh: str,
    now: datetime,
    auth_session: AuthSession | None = None,
    user_agent: str | None = None,
    address: str | None = None,
) -> IssuedTokens:
    """Store ``refresh`` (hashed) in the session's family and pair it with an access token."""
    if auth_session is None:
        auth_session = AuthSession(
            user_id=user.id,
            user_agent=(user_agent or "")[:255] or None,
            client_address=address,
        )
        session.add(auth_session)
        session.flush()
    session.add(
        RefreshToken(
            session_id=auth_session.id,
            token_hash=token_hash(refresh),
            expires_at=now + timedelta(days=ctx.settings.refresh_token_ttl_days),
        )
    )
    session.flush()
    return _pair(ctx, user, session_id=auth_session.id, refresh=refresh, issued_at=now, now=now)


def _pair(
    ctx: AppContext,
    user: User,
    *,
    session_id: str,
    refresh: str,
    issued_at: datetime,
    now: datetime,
) -> IssuedTokens:
    """The access token that goes with ``refresh``: computed, so it can be computed again."""
    access = ctx.tokens.issue(
        user_id=user.id,
        session_id=session_id,
        now=issued_at,
        jti=ctx.tokens.derive("access-jti", refresh)[:32],
    )
    age = int((now - issued_at).total_seconds())
    return IssuedTokens(access, refresh, max(1, ctx.tokens.ttl_seconds - age), user)


def _user_for_sign_in(
    session: Session, ctx: AppContext, user_id: str, *, rehash: bool
) -> User | None:
    """The user row, locked on PostgreSQL until commit.

    Deactivation updates this row, so it waits for a sign-in holding the lock
    (and then revokes the session that sign-in made), or the sign-in waits for
    the deactivation and sees ``active`` false. Sign-ins share the lock, unless
    one will rewrite the password hash (two sharers both upgrading would
    deadlock). On SQLite the write transaction already serialises them all.
    """
    stmt = sa.select(User).where(User.id == user_id).execution_options(populate_existing=True)
    if ctx.db.dialect == "postgresql":
        stmt = stmt.with_for_update(read=not rehash)
    return session.scalar(stmt)


def login(
    *,
    session: Session,
    ctx: AppContext,
    data: LoginRequest,
    address: str,
    user_agent: str | None,
) -> IssuedTokens:
    """Check the password (same cost for unknown emails) and open a new session."""
    attempt = throttle.check_sign_in(ctx, email=data.email, address=address)
    # The password check (tens of ms of argon2) runs in a read transaction: on
    # SQLite the request's write transaction would hold the database's write lock.
    with ctx.db.session(write=False) as reader:
        found = reader.execute(
            sa.select(User.id, User.password_hash).where(User.email == data.email)
        ).first()
    ok = ctx.passwords.verify(found.password_hash if found else None, data.password)
    if found is None or not ok:
        raise Unauthorized(INVALID_LOGIN)
    # The right password is no guess. Before the request's first statement, which on
    # SQLite takes the write lock the refund's own transaction would wait for.
    throttle.forgive(ctx, attempt)
    rehash = ctx.passwords.needs_rehash(found.password_hash)
    user = _user_for_sign_in(session, ctx, found.id, rehash=rehash)
    if user is None:
        raise Unauthorized(INVALID_LOGIN)
    if not user.active:
        raise Unauthorized("This account is deactivated")
    set_actor(session, user.id)
    if rehash:
        user.password_hash = ctx.passwords.hash(data.password)
    return _issue(
        session,
        ctx,
        user,
        refresh=new_opaque_token(),
        now=utcnow(),
        user_agent=user_agent,
        address=address,
    )


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
    throttle.check_registration(ctx, address=address)
    password_hash = ctx.passwords.hash(data.password)  # before the write lock is taken
    ensure_email_free(session=session, email=data.email)
    user = User(email=data.email, name=data.name, password_hash=password_hash)
    session.add(user)
    session.flush()
    set_actor(session, user.id)
    return _issue(
        session,
        ctx,
        user,
        refresh=new_opaque_token(),
        now=utcnow(),
        user_agent=user_agent,
        address=address,
    )


def _successor(ctx: AppContext, token: str) -> str:
    """The refresh token that replaces ``token``: derived, so a second caller gets it too."""
    return ctx.tokens.derive("refresh-successor", token)


def refresh(*, session: Session, ctx: AppContext, token: str) -> IssuedTokens:
    """Rotate a refresh token. A token that was already rotated revokes its whole family.

    Except within ``refresh_grace_seconds`` of its rotation: then the caller gets
    the very pair the rotation issued (two tabs or threads refreshing at once both
    stay signed in). The successor is HMAC(server secret, token), so nothing but
    its hash is stored; only a holder of the old token can ask for it, and only
    until the window closes.
    """
    stmt = (
        sa.select(RefreshToken, AuthSession, User)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .join(User, User.id == AuthSession.user_id)
        .where(RefreshToken.token_hash == token_hash(token))
    )
    if ctx.db.dialect == "postgresql":
        stmt = stmt.with_for_update(of=RefreshToken)  # two refreshes of one token: one rotates
    row = session.execute(stmt).first()
    if row is None:
        raise Unauthorized("Invalid refresh token")
    rt, auth_session, user = row
    now = utcnow()
    if auth_session.revoked_at is not None:
        raise Unauthorized("This session has ended; sign in again")
    if not user.active:
        raise Unauthorized("This account is deactivated")
    if rt.rotated_at is not None:
        grace = timedelta(seconds=ctx.settings.refresh_grace_seconds)
        successor = _successor(ctx, token)
        issued = session.scalar(
            sa.select(RefreshToken.id).where(
                RefreshToken.token_hash == token_hash(successor),
                RefreshToken.session_id == auth_session.id,
            )
        )
        if now - rt.rotated_at <= grace and issued is not None:
            return _pair(
                ctx,
                user,
                session_id=auth_session.id,
                refresh=successor,
                issued_at=rt.rotated_at,
                now=now,
            )
        auth_session.revoked_at = now
        auth_session.revoked_reason = "refresh_token_reuse"
        session.flush()
        raise RefreshReuse("Refresh token was already used; the session is revoked, sign in again")
    if rt.expires_at <= now:
        raise Unauthorized("Refresh token expired; sign in again")
    rt.rotated_at = now
    set_actor(session, user.id)
    return _issue(
        session, ctx, user, refresh=_successor(ctx, token), now=now, auth_session=auth_session
    )


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
