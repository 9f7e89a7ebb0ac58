"""The authenticated caller, as services, sync and routes see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from common.permissions import has_permission


@dataclass(frozen=True)
class Account:
    """The caller's user as read when authenticated (``server.auth.callers``): not a live row."""

    id: str
    email: str
    name: str
    active: bool
    created_at: datetime
    updated_at: datetime
    role_names: list[str]


@dataclass
class Principal:
    """The authenticated caller."""

    user: Account
    session_id: str | None
    permissions: list[str] = field(default_factory=list)
    expires_at: datetime | None = None  # when the credential stops working
    api_key_id: str | None = None  # set when an API key acts for ``user``

    @property
    def id(self) -> str:
        return self.user.id

    def can(self, permission: str) -> bool:
        return has_permission(self.permissions, permission)
