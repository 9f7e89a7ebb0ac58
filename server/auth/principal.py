"""The authenticated caller, as services, sync and routes see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from common.permissions import has_permission
from server.users.models import User


@dataclass
class Principal:
    """The authenticated caller."""

    user: User
    session_id: str | None
    permissions: list[str] = field(default_factory=list)
    expires_at: datetime | None = None  # when the credential stops working
    api_key_id: str | None = None  # set when an API key acts for ``user``

    @property
    def id(self) -> str:
        return self.user.id

    def can(self, permission: str) -> bool:
        return has_permission(self.permissions, permission)
