"""Every table, imported in one place so Alembic and the tests see the whole schema.

The platform's tables are listed here; each business module's come with its
declaration in ``server.modules.MODULES``.
"""

from server.api_keys.models import ApiKey
from server.audit.models import AuditRecord
from server.auth.models import AuthSession, RefreshToken
from server.countries.models import Country
from server.db import Base
from server.files.models import FileBlob, FileChunk, StoredFile
from server.modules import MODULES
from server.notifications.models import EmailOutbox, Notification, NotificationPreferences
from server.ratelimit.models import RateLimitCounter
from server.sync.models import ChangeLog, SyncClient, SyncConflict, SyncMutation, SyncState
from server.users.models import Role, User, user_roles

MODULE_TABLES = sorted(
    {t.name for r in MODULES for t in (r.model.__table__, *(c.model.__table__ for c in r.children))}
)

__all__ = [
    "MODULES",
    "MODULE_TABLES",
    "ApiKey",
    "AuditRecord",
    "AuthSession",
    "Base",
    "ChangeLog",
    "Country",
    "EmailOutbox",
    "FileBlob",
    "FileChunk",
    "Notification",
    "NotificationPreferences",
    "RateLimitCounter",
    "RefreshToken",
    "Role",
    "StoredFile",
    "SyncClient",
    "SyncConflict",
    "SyncMutation",
    "SyncState",
    "User",
    "user_roles",
]
