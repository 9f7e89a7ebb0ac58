"""``/api/v1/api-keys``: the caller's own keys (``api_keys:manage``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from common.api import Message, Page
from common.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from server.api_keys import service
from server.api_keys.models import ApiKey
from server.deps import NoStore, Principal, Require, SessionDep
from server.listing import MAX_LIMIT, PageNumber, PageRequest
from server.openapi import errors

router = APIRouter(prefix="/api/v1/api-keys", tags=["api-keys"])

Manager = Annotated[Principal, Require("api_keys:manage")]


def api_key_read(k: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=k.id,
        name=k.name,
        prefix=k.prefix,
        permissions=list(k.permissions),
        created_at=k.created_at,
        last_used_at=k.last_used_at,
    )


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=201,
    responses=errors(400, 401, 403, 422),
    dependencies=[NoStore],
)
def create_api_key(data: ApiKeyCreate, principal: Manager, session: SessionDep) -> ApiKeyCreated:
    """Make a key with some of your permissions; the ``key`` is in this answer only.

    Only a signed-in user can: an API key cannot make keys (403), even with
    ``api_keys:manage``, so no key outlives the revocation of the key that made it.
    """
    key, secret = service.create_api_key(
        session=session,
        owner_id=principal.id,
        granted=principal.permissions,
        data=data,
        acting_key_id=principal.api_key_id,
    )
    return ApiKeyCreated(**api_key_read(key).model_dump(), key=secret)


@router.get("", response_model=Page[ApiKeyRead], responses=errors(401, 403, 422))
def list_api_keys(
    principal: Manager,
    session: SessionDep,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> Page[ApiKeyRead]:
    """Your live keys, newest first; never the secret, only its first characters."""
    result = service.list_api_keys(
        session=session,
        owner_id=principal.id,
        page=PageRequest(page=page, limit=limit, sort_order="desc"),
    )
    return Page[ApiKeyRead](
        items=[api_key_read(k) for k in result.items],
        total=result.total,
        page=result.page,
        limit=result.limit,
        has_more=result.has_more,
    )


@router.delete("/{key_id}", response_model=Message, responses=errors(401, 403, 404))
def revoke_api_key(key_id: str, principal: Manager, session: SessionDep) -> Message:
    """Revoke one of your keys; it stops working at once."""
    service.revoke_api_key(session=session, owner_id=principal.id, key_id=key_id)
    return Message(message="API key revoked")
