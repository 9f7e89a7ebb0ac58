"""``/api/v1/sync``: pull, push and the live event stream (docs/sync-protocol.md)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from common.sync import (
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    PROTOCOL_VERSION,
    PullResponse,
    PushRequest,
    PushResponse,
)
from server.deps import Credential, CtxDep, CurrentUser, SessionDep
from server.errors import DomainError
from server.openapi import errors
from server.sync import events, service
from server.unit_of_work import commit


class UpgradeRequired(DomainError):
    status, code = 426, "upgrade_required"


def _check_protocol(version: int | None) -> None:
    if version is not None and version != PROTOCOL_VERSION:
        raise UpgradeRequired(
            f"This server speaks sync protocol {PROTOCOL_VERSION}, the client {version}; update the app",
            details={"protocol": f"expected {PROTOCOL_VERSION}"},
        )


ProtocolHeader = Annotated[int | None, Header(alias="X-CRM-Sync-Protocol")]

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


@router.get("/pull", response_model=PullResponse, responses=errors(400, 401, 410, 422, 426))
def pull(
    principal: CurrentUser,
    session: SessionDep,
    ctx: CtxDep,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
    protocol: ProtocolHeader = None,
) -> Response:
    """The next page of changes the caller may read; no cursor starts a snapshot (410: start over)."""
    _check_protocol(protocol)
    page = service.pull(
        session=session, principal=principal, codec=ctx.cursors, cursor=cursor, limit=limit
    )
    # Written straight from the rows (PullResponse documents the shape; it is not re-validated).
    return Response(page.to_json(), media_type="application/json")


@router.post("/push", response_model=PushResponse, responses=errors(400, 401, 403, 409, 422, 426))
def push(
    data: PushRequest,
    principal: CurrentUser,
    session: SessionDep,
    ctx: CtxDep,
    protocol: ProtocolHeader = None,
) -> PushResponse:
    """Apply a replica's mutations in order, each at most once; retries get the stored results."""
    _check_protocol(protocol)
    response = service.push(session=session, principal=principal, data=data, dialect=ctx.db.dialect)
    # Commit here rather than in the dependency: the results carry the version the commit assigns.
    commit(session)
    return response


@router.get(
    "/events",
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-sent events: `poke` means pull now",
        },
        **errors(401),
    },
    response_class=StreamingResponse,
)
def sync_events(request: Request, principal: CurrentUser, ctx: CtxDep) -> StreamingResponse:
    """A stream that says "pull now" whenever the server's data changes; no data in it.

    It ends with ``event: expired`` when its credential ends (token expiry, logout,
    deactivation, changed permissions, revoked key) and with ``event: reconnect``
    after ``CRM_EVENT_STREAM_MAX_SECONDS``.
    """
    watcher: events.VersionWatcher = request.app.state.version_watcher
    credential = Credential.of(principal)
    limits = events.StreamLimits(
        check_every=ctx.settings.event_stream_check_seconds,
        max_seconds=ctx.settings.event_stream_max_seconds,
    )
    return StreamingResponse(
        events.stream(
            request,
            watcher,
            expires_at=principal.expires_at,
            still_valid=partial(credential.still_holds, ctx.db),
            limits=limits,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
