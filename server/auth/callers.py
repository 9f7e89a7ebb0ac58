"""Who is calling: a sign-in session or an API key resolved in one statement, remembered briefly.

One statement reads the credential's row (the session's ``revoked_at``, the
key's ``revoked_at`` and permissions) and the ``sync_state`` version, and,
only when the version is not the one a remembered caller was read at, the
user row and the user's roles too (outer joins that match nothing otherwise).

So every request still sees a logout or a revoked key at once (the
credential's own row is read every time), and a deactivation or a role or
permission change at once as well: those commit through the unit of work,
which moves the sync version, so the remembered caller no longer matches and
the same statement brings the user afresh. The version lives in the database,
so this holds in every server process, whichever process made the change.
Remembered callers also expire after ``ttl`` seconds, which bounds the memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from server.api_keys.models import ApiKey
from server.auth.models import AuthSession
from server.auth.principal import Account
from server.sync.models import SyncState
from server.users.models import Role, User, user_roles

_USERS: sa.Table = User.__table__  # type: ignore[assignment]
_ROLES: sa.Table = Role.__table__  # type: ignore[assignment]
_SESSIONS: sa.Table = AuthSession.__table__  # type: ignore[assignment]
_KEYS: sa.Table = ApiKey.__table__  # type: ignore[assignment]
_STATE: sa.Table = SyncState.__table__  # type: ignore[assignment]
UNKNOWN = -1  # no version: the statement reads the user


@dataclass(frozen=True)
class Caller:
    """A user and the union of their roles' permissions, as of sync ``version``."""

    account: Account
    permissions: tuple[str, ...]
    version: int


class Callers:
    """Callers read recently, per credential, for ``ttl`` seconds; thread-safe, bounded."""

    def __init__(self, ttl: float = 60.0, size: int = 10_000) -> None:
        self._ttl = ttl
        self._size = size
        self._mutex = threading.Lock()
        self._known: OrderedDict[str, tuple[float, Caller]] = OrderedDict()

    def get(self, credential: str) -> Caller | None:
        with self._mutex:
            found = self._known.get(credential)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._known[credential]
                return None
            return found[1]

    def put(self, credential: str, caller: Caller) -> None:
        with self._mutex:
            self._known[credential] = (time.monotonic() + self._ttl, caller)
            self._known.move_to_end(credential)
            while len(self._known) > self._size:
                self._known.popitem(last=False)

    def clear(self) -> None:
        with self._mutex:
            self._known.clear()


def _with_user(credential: sa.FromClause, user_id: Any) -> sa.Select[Any]:
    """The credential's row joined to the version; the user and roles only if that moved."""
    u, r, ur, st = _USERS, _ROLES, user_roles, _STATE
    fresh = sa.and_(u.c.id == user_id, st.c.version != sa.bindparam("known"))
    return (
        sa.select(
            st.c.version.label("sync_version"),
            u.c.id.label("user_id_read"),
            u.c.email,
            u.c.name,
            u.c.active,
            u.c.created_at,
            u.c.updated_at,
            r.c.name.label("role_name"),
            r.c.permissions.label("role_permissions"),
        )
        .select_from(
            st.join(credential, sa.true())
            .outerjoin(u, fresh)
            .outerjoin(ur, ur.c.user_id == u.c.id)
            .outerjoin(r, r.c.id == ur.c.role_id)
        )
        .where(st.c.id == 1)
        .order_by(r.c.name)
    )


def _session_statement() -> sa.Select[Any]:
    s = _SESSIONS
    sub = (
        sa.select(s.c.revoked_at)
        .where(s.c.id == sa.bindparam("session_id"), s.c.user_id == sa.bindparam("user_id"))
        .subquery("credential")
    )
    return _with_user(sub, sa.bindparam("user_id")).add_columns(sub.c.revoked_at)


def _key_statement() -> sa.Select[Any]:
    k = _KEYS
    sub = (
        sa.select(
            k.c.id.label("key_id"),
            k.c.user_id.label("owner_id"),
            k.c.permissions.label("key_permissions"),
            k.c.revoked_at,
            k.c.last_used_at,
        )
        .where(k.c.key_hash == sa.bindparam("key_hash"))
        .subquery("credential")
    )
    return _with_user(sub, sub.c.owner_id).add_columns(*sub.c)


# Built once: a request only binds its values (and Core, not the ORM, runs them).
_SESSION = _session_statement()
_KEY = _key_statement()


def session_rows(
    conn: Connection, session_id: str, user_id: str, known: Caller | None
) -> Sequence[Row[Any]]:
    """Rows for a sign-in session of ``user_id`` (none: no such session of that user)."""
    values = {"session_id": session_id, "user_id": user_id, "known": _version(known)}
    return conn.execute(_SESSION, values).all()


def key_rows(conn: Connection, key_hash: str, known: Caller | None) -> Sequence[Row[Any]]:
    """Rows for the API key with this hash (none: no such key)."""
    return conn.execute(_KEY, {"key_hash": key_hash, "known": _version(known)}).all()


def _version(known: Caller | None) -> int:
    return known.version if known is not None else UNKNOWN


def caller_from(rows: Sequence[Row[Any]], known: Caller | None) -> Caller | None:
    """The caller the rows describe: ``known`` if the version did not move; None: no user."""
    first = rows[0]
    if known is not None and first.sync_version == known.version:
        return known
    if first.user_id_read is None:
        return None  # the user is gone
    permissions: dict[str, None] = {}
    for row in rows:
        for p in row.role_permissions or ():
            permissions.setdefault(p, None)
    account = Account(
        id=first.user_id_read,
        email=first.email,
        name=first.name,
        active=first.active,
        created_at=first.created_at,
        updated_at=first.updated_at,
        role_names=[row.role_name for row in rows if row.role_name is not None],
    )
    return Caller(account=account, permissions=tuple(permissions), version=first.sync_version)
