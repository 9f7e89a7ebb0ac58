"""Request dependencies: the unit of work, the caller, and each endpoint's permission.

The caller is a :class:`server.auth.principal.Principal`; it is imported here for the
routes' ``Annotated[Principal, Require(...)]`` declarations.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
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
from server.micro_crm import CALLER_FIRST, MicroCrmRoute
from server.unit_of_work import commit, set_actor
from server.users.models import User

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")


# Dependencies that do no I/O are async: FastAPI runs a sync one on a worker thread,
# a hand-over and back for each, on every request.
async def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


CtxDep = Annotated[AppContext, Depends(get_ctx)]


@contextmanager
def unit_of_work(db: Database, *, write: bool) -> Iterator[Session]:
    """One unit of work: committed when the block ends (writes), rolled back for reads.

    Reads get a plain transaction; writes begin with the write lock on SQLite.
    A domain error rolls back, unless it asks to keep what was written (a
    detected refresh-token reuse must stay revoked even though the call fails).
    """
    with db.session(write=write) as session:
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


async def get_session(request: Request, ctx: CtxDep) -> AsyncIterator[Session]:
    """One unit of work per request, in one of the process's database turns (``db.Turns``).

    The turn is taken in the event loop before the request's first hand-over to
    a worker thread and kept until the unit of work has ended. Starting the unit
    of work does no I/O (the session connects at its first statement), so it
    runs here; its end (commit or rollback, the connection back to the pool)
    runs on a worker thread of its own, not one counted against the request
    threads, as FastAPI does for a sync dependency's exit: the connection it
    frees never waits for a thread.
    """
    async with ctx.db.turns.turn():
        work = unit_of_work(ctx.db, write=request.method not in READ_METHODS)
        session = work.__enter__()
        try:
            yield session
        except BaseException as exc:
            await anyio.to_thread.run_sync(
                work.__exit__, type(exc), exc, exc.__traceback__, limiter=CapacityLimiter(1)
            )
            raise
        await anyio.to_thread.run_sync(work.__exit__, None, None, None, limiter=CapacityLimiter(1))


# scope="function": commit before the response is sent, so a client never sees
# success for a transaction that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_principal(
    request: Request, session: SessionDep, ctx: CtxDep, credentials: BearerDep
) -> Principal:
    """The caller of an authenticated endpoint; 401 for anything not a live access token or API key."""
    return authenticate_caller(request, session, ctx, credentials)


def get_principal_before_body(
    request: Request,
    ctx: CtxDep,
    credentials: BearerDep,
) -> Principal:
    """The caller, checked on a short read session of its own, before a long body is read.

    For a route that receives a large body first and writes afterwards in a unit of
    work of its own (a file upload): no write transaction (SQLite's write lock)
    waits on a slow client, and a stranger is refused before sending anything.
    """
    with ctx.db.session(write=False) as session:
        return authenticate_caller(request, session, ctx, credentials)


def authenticate_caller(
    request: Request,
    session: Session,
    ctx: AppContext,
    credentials: HTTPAuthorizationCredentials | None,
) -> Principal:
    """The caller ``credentials`` name, in ``session`` (at most one statement; often none)."""
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
    principal = api_key_caller(request, ctx, secret)
    set_actor(session, principal.id)
    return principal


def api_key_caller(request: Request, ctx: AppContext, secret: str) -> Principal:
    """The key's caller, counted against its limit; on sessions of its own (no request session)."""
    # Both run before the session's first statement (see api_keys.service.authenticate).
    count_request(
        request=request,
        limiter=ctx.limiter,
        per_minute=ctx.settings.api_key_rate_limit,
        secret=secret,
    )
    auth = authenticate(db=ctx.db, callers=ctx.callers, secret=secret)
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


def permitted(principal: Principal, permission: str) -> Principal:
    if not principal.can(permission):
        raise Forbidden(f"Missing permission: {permission}")
    return principal


@dataclass(frozen=True)
class Reading:
    """A read endpoint's blocking work in one worker-thread hand-over, not one per dependency.

    FastAPI runs each sync dependency (the caller, the unit of work's end) and a
    sync endpoint on a worker thread of its own: three hand-overs and back for
    one page. ``await reading(work)`` runs the read's unit of work, the caller's
    authentication and ``permission``, and ``work(session, principal)`` on one
    worker thread in one database turn, with the answers ``Require`` and
    ``SessionDep`` give (401, 403, the rate limits; an API key counted).
    """

    request: Request
    ctx: AppContext
    credentials: HTTPAuthorizationCredentials | None
    permission: str

    async def __call__(self, work: Callable[[Session, Principal], T]) -> T:
        def run() -> T:
            with unit_of_work(self.ctx.db, write=False) as session:
                caller = authenticate_caller(self.request, session, self.ctx, self.credentials)
                return work(session, permitted(caller, self.permission))

        return await self.ctx.db.run(run)


def Reads(permission: str) -> Any:  # noqa: N802 - reads as a declaration on the route
    """A read endpoint's ``Reading`` for ``permission``: ``reading: Annotated[Reading, Reads(...)]``.

    The caller is checked before the query string, as with ``Require``: a query
    FastAPI refuses is raised after the dependencies have run; it reaches this
    one (a 422), or the Micro CRM route's handler (a 400, ``CALLER_FIRST``),
    and the caller is then checked on its own (one more hand-over, on that path
    only): a caller who may not read gets 401, 403 or 429, not the refusal of
    the query; an API key is counted either way.
    """
    if not is_valid_required(permission):
        raise ValueError(f"an endpoint must require a concrete permission, not {permission!r}")

    async def reading(
        request: Request, ctx: CtxDep, credentials: BearerDep
    ) -> AsyncIterator[Reading]:
        read = Reading(request, ctx, credentials, permission)

        async def check_caller() -> None:
            await read(lambda _session, _principal: None)

        request.scope[CALLER_FIRST] = check_caller  # where MicroCrmRoute answers for the query
        try:
            yield read
        except RequestValidationError:
            await check_caller()
            raise

    reading.__name__ = f"reads_{permission.replace(':', '_')}"
    return Depends(reading)


def Require(permission: str) -> Any:  # noqa: N802 - reads as a declaration on the route
    """Declare the permission an endpoint needs: ``Annotated[Principal, Require("users:read")]``."""
    if not is_valid_required(permission):
        raise ValueError(f"an endpoint must require a concrete permission, not {permission!r}")

    async def check(principal: CurrentUser) -> Principal:
        return permitted(principal, permission)

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
