"""The audit log as the API shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, JsonValue


class AuditRead(BaseModel):
    id: str
    created_at: datetime
    actor_id: str | None
    action: str
    entity: str
    entity_id: str
    changes: dict[str, list[JsonValue]]
