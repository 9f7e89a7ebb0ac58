"""Reading the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.audit.models import AuditRecord
from server.listing import PageRequest, PageResult, paginate

AUDIT_SORTS = {"created_at": AuditRecord.created_at}


def list_audit(
    *,
    session: Session,
    page: PageRequest,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_id: str | None = None,
) -> PageResult[AuditRecord]:
    filters: list[sa.ColumnElement[bool]] = []
    if entity:
        filters.append(AuditRecord.entity == entity)
    if entity_id:
        filters.append(AuditRecord.entity_id == entity_id)
    if actor_id:
        filters.append(AuditRecord.actor_id == actor_id)
    return paginate(
        session,
        sa.select(AuditRecord),
        page,
        sortable=AUDIT_SORTS,
        default_sort="created_at",
        tiebreak=AuditRecord.id,
        filters=filters,
    )
