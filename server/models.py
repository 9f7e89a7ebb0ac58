"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from server.api_keys.models import ApiKey
from server.audit.models import AuditRecord
from server.auth.models import AuthSession, RefreshToken
from server.countries.models import Country
from server.customers.models import Customer, CustomerAddress
from server.db import Base
from server.deals.models import Deal
from server.ratelimit.models import RateLimitCounter
from server.sync.models import ChangeLog, SyncClient, SyncConflict, SyncMutation, SyncState
from server.users.models import Role, User, user_roles

__all__ = [
    "ApiKey",
    "AuditRecord",
    "AuthSession",
    "Base",
    "ChangeLog",
    "Country",
    "Customer",
    "CustomerAddress",
    "Deal",
    "RateLimitCounter",
    "RefreshToken",
    "Role",
    "SyncClient",
    "SyncConflict",
    "SyncMutation",
    "SyncState",
    "User",
    "user_roles",
]
