"""Request dependencies: the unit of work, the caller, and each endpoint's permission.

The caller is a :class:`server.auth.principal.Principal`; it is imported here for the
routes' ``Annotated[Principal, Require(...)]`` declarations.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from common.api import has_control_characters
from common.api_keys import effective_permissions, is_api_key
from common.permissions import is_valid_required
from server.api_keys.models import ApiKey
from server.api_keys.ratelimit import count_request
from server.api_keys.service import authenticate
from server.auth.callers import caller_from, session_rows
from server.auth.models import AuthSession
from server.auth.principal import Principal as Principal  # the routes declare it
from server.context import AppContext
from server.db import Database
from server.errors import DomainError, Forbidden, RateLimited, Unauthorized
from server.micro_crm import MicroCrmRoute
from server.unit_of_work import commit, set_actor
from server.users.models import User

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Dependencies that do no I/O are async: FastAPI runs a sync one on a worker thread,
# a hand-over and back for each, on every request.
async def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


CtxDep = Annotated[AppContext, Depends(get_ctx)]


def get_session(request: Request, ctx: CtxDep) -> Iterator[Session]:
    """One unit of work per request: committed when the endpoint returns, before the response.

    Reads get a plain transaction; writes begin with the write lock on SQLite.
    A domain error rolls back, unless it asks to keep what was written (a
    detected refresh-token reuse must stay revoked even though the call fails).
    """
    write = request.method not in READ_METHODS
    with ctx.db.session(write=write) as session:
        try:
            yield session
        except DomainError as exc:
            if getattr(exc, "keep_changes", False):
                commit(session)
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
        if write:
            commit(session)
        else:
            session.rollback()


# scope="function": commit before the response is sent, so a client never sees
# success for a transaction that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


def get_principal(
    request: Request,
    session: SessionDep,
    ctx: CtxDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of an authenticated endpoint; 401 for anything not a live access token or API key."""
    return _authenticate(request, session, ctx, credentials)


def get_principal_before_body(
    request: Request,
    ctx: CtxDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, checked on a short read session of its own, before a long body is read.

    For a route that receives a large body first and writes afterwards in a unit of
    work of its own (a file upload): no write transaction (SQLite's write lock)
    waits on a slow client, and a stranger is refused before sending anything.
    """
    with ctx.db.session(write=False) as session:
        return _authenticate(request, session, ctx, credentials)


def _authenticate(
    request: Request,
    session: Session,
    ctx: AppContext,
    credentials: HTTPAuthorizationCredentials | None,
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Authentication required")
    if is_api_key(credentials.credentials):
        return _api_key_principal(request, session, ctx, credentials.credentials)
    claims = ctx.tokens.decode(credentials.credentials)
    if claims is None:
        raise Unauthorized("Invalid or expired access token")
    # Counted in memory before any query: a runaway script costs no database work.
    wait = ctx.user_limiter.hit("user", claims.user_id)
    if wait is not None:
        raise RateLimited(
            "Too many requests; slow down", headers={"Retry-After": str(math.ceil(wait))}
        )
    key = f"session:{claims.session_id}"
    remembered = ctx.callers.get(key)
    rows = session_rows(session.connection(), claims.session_id, claims.user_id, remembered)
    if not rows:
        raise Unauthorized("Invalid or expired access token")
    if rows[0].revoked_at is not None:
        raise Unauthorized("This session has ended; sign in again")
    caller = caller_from(rows, remembered)
    if caller is None:
        raise Unauthorized("Invalid or expired access token")
    if not caller.account.active:
        raise Unauthorized("This account is deactivated")
    if caller is not remembered:
        ctx.callers.put(key, caller)
    set_actor(session, caller.account.id)
    return Principal(
        user=caller.account,
        session_id=claims.session_id,
        permissions=list(caller.permissions),
        expires_at=claims.expires_at,
    )


def _api_key_principal(
    request: Request, session: Session, ctx: AppContext, secret: str
) -> Principal:
    """An API key acts for its owner with what both hold now; every use counts against its limit."""
    # Both run before the session's first statement (see api_keys.service.authenticate).
    count_request(
        request=request,
        limiter=ctx.limiter,
        per_minute=ctx.settings.api_key_rate_limit,
        secret=secret,
    )
    auth = authenticate(db=ctx.db, callers=ctx.callers, secret=secret)
    set_actor(session, auth.owner.id)
    return Principal(
        user=auth.owner, session_id=None, permissions=auth.permissions, api_key_id=auth.key_id
    )


CurrentUser = Annotated[Principal, Depends(get_principal)]
CallerBeforeBody = Annotated[Principal, Depends(get_principal_before_body)]


@dataclass(frozen=True)
class Credential:
    """What a principal was authenticated with, to be checked again later (a long-lived stream)."""

    user_id: str
    session_id: str | None
    api_key_id: str | None
    permissions: frozenset[str]

    @classmethod
    def of(cls, principal: Principal) -> Credential:
        return cls(
            principal.id,
            principal.session_id,
            principal.api_key_id,
            frozenset(principal.permissions),
        )

    def still_holds(self, db: Database) -> bool:
        """Read afresh: the owner active, the session or key not revoked, the same permissions.

        Read-only and short, on a session of its own; what get_principal checks
        per request, for a connection that outlives its request.
        """
        with db.session(write=False) as session:
            user = session.get(User, self.user_id)
            if user is None or not user.active:
                return False
            if self.api_key_id is not None:
                key = session.get(ApiKey, self.api_key_id)
                if key is None or key.revoked_at is not None:
                    return False
                permissions = effective_permissions(key.permissions, user.permissions)
            else:
                auth = session.get(AuthSession, self.session_id)
                if auth is None or auth.revoked_at is not None:
                    return False
                permissions = user.permissions
            return frozenset(permissions) == self.permissions


def Require(permission: str) -> Any:  # noqa: N802 - reads as a declaration on the route
    """Declare the permission an endpoint needs: ``Annotated[Principal, Require("users:read")]``."""
    if not is_valid_required(permission):
        raise ValueError(f"an endpoint must require a concrete permission, not {permission!r}")

    async def check(principal: CurrentUser) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"Missing permission: {permission}")
        return principal

    check.__name__ = f"require_{permission.replace(':', '_')}"
    return Depends(check)


async def no_store(response: Response) -> None:
    """Answers that carry secrets (tokens, a new API key) must not be kept by any cache."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


NoStore = Depends(no_store)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def plain_text_parameters(request: Request) -> None:
    """Refuse control characters in any query or path parameter (422 naming each one).

    The app-wide twin of the request bodies' check (``common.api.Strict``): a
    NUL in ``?search=`` must be the caller's error, not a database's.
    """
    bad: list[tuple[str, str]] = []
    # The Micro CRM document answers any list query with a list (it has no 400 there):
    # its routes take such a filter as matching nothing (clients.service, deals.router).
    if not isinstance(request.scope.get("route"), MicroCrmRoute):
        for name, value in request.query_params.multi_items():
            if has_control_characters(name) or has_control_characters(value):
                bad.append(("query", "query" if has_control_characters(name) else name))
    for name, value in request.path_params.items():
        if has_control_characters(value):
            bad.append(("path", name))
    if bad:
        raise RequestValidationError(
            [
                {
                    "type": "control_characters",
                    "loc": loc,
                    "msg": "Must not contain control characters",
                    "input": None,
                }
                for loc in dict.fromkeys(bad)
            ]
        )
