"""``/api/v1/auth``: register, login, refresh, logout, me."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from common.api import Message
from common.users import (
    LoginRequest,
    LogoutRequest,
    MeRead,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
)
from server.auth import service
from server.deps import CtxDep, CurrentUser, NoStore, SessionDep, client_address
from server.openapi import errors
from server.users.router import user_read

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _pair(issued: service.IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        user=user_read(issued.user),
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenPair,
    responses=errors(400, 403, 409, 422, 429),
    dependencies=[NoStore],
)
def register(
    data: RegisterRequest, request: Request, session: SessionDep, ctx: CtxDep
) -> TokenPair:
    """Create an account with no role (an admin grants one) and sign it in."""
    issued = service.register(
        session=session,
        ctx=ctx,
        data=data,
        address=client_address(request),
        user_agent=request.headers.get("user-agent"),
    )
    return _pair(issued)


@router.post(
    "/login",
    response_model=TokenPair,
    responses=errors(400, 401, 422, 429),
    dependencies=[NoStore],
)
def login(data: LoginRequest, request: Request, session: SessionDep, ctx: CtxDep) -> TokenPair:
    """Exchange email and password for an access token and a refresh token."""
    issued = service.login(
        session=session,
        ctx=ctx,
        data=data,
        address=client_address(request),
        user_agent=request.headers.get("user-agent"),
    )
    return _pair(issued)


@router.post(
    "/refresh", response_model=TokenPair, responses=errors(400, 401, 422), dependencies=[NoStore]
)
def refresh(data: RefreshRequest, session: SessionDep, ctx: CtxDep) -> TokenPair:
    """Rotate a refresh token: the old one stops working, a reused one ends the session.

    Within a few seconds of a rotation (``CRM_REFRESH_GRACE_SECONDS``) the old token
    gets the same new pair again, so concurrent refreshes do not sign the user out.
    """
    return _pair(service.refresh(session=session, ctx=ctx, token=data.refresh_token))


@router.post("/logout", response_model=Message, responses=errors(401, 422))
def logout(
    principal: CurrentUser, session: SessionDep, data: LogoutRequest | None = None
) -> Message:
    """End the current session: its refresh tokens and access tokens stop working."""
    service.logout(
        session=session,
        user_id=principal.id,
        session_id=principal.session_id,
        refresh_token=data.refresh_token if data else None,
    )
    return Message(message="Logged out")


@router.get("/me", response_model=MeRead, responses=errors(401))
def me(principal: CurrentUser) -> MeRead:
    """The signed-in user, with roles and effective permissions."""
    read = user_read(principal.user)
    return MeRead(**read.model_dump(), permissions=principal.permissions)
