"""``GET /api/v1/audit``: the audit log, newest first by default."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from common.api import Page
from common.audit import AuditRead
from server.audit import service
from server.audit.models import AuditRecord
from server.deps import Principal, Require, SessionDep
from server.listing import PageNumber, PageRequest
from server.openapi import errors

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def audit_read(r: AuditRecord) -> AuditRead:
    return AuditRead(
        id=r.id,
        created_at=r.created_at,
        actor_id=r.actor_id,
        action=r.action,
        entity=r.entity,
        entity_id=r.entity_id,
        changes=r.changes,
    )


@router.get("", response_model=Page[AuditRead], responses=errors(401, 403, 422))
def list_audit(
    _: Annotated[Principal, Require("audit:read")],
    session: SessionDep,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    sort_order: Annotated[Literal["asc", "desc"], Query()] = "desc",
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=36)] = None,
    actor_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[AuditRead]:
    """Who changed what and when, filtered by record or actor."""
    result = service.list_audit(
        session=session,
        page=PageRequest(page=page, limit=limit, sort_order=sort_order),
        entity=entity,
        entity_id=entity_id,
        actor_id=actor_id,
    )
    return Page[AuditRead](
        items=[audit_read(r) for r in result.items],
        total=result.total,
        page=result.page,
        limit=result.limit,
        has_more=result.has_more,
    )
