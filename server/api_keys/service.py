"""API keys: create (the secret once), list, revoke, and recognise a presented key.

Only SHA-256 of a key is stored. A key acts for its owner with the permissions
both the key and the owner hold *now* (``common.api_keys.effective_permissions``);
a revoked key, or the key of a deactivated owner, stops working at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from common.api_keys import KEY_PREFIX, SHOWN_PREFIX_LEN, ApiKeyCreate, effective_permissions
from common.permissions import is_subset
from server.api_keys.models import ApiKey
from server.auth.callers import Callers, caller_from, key_rows
from server.auth.principal import Account
from server.db import WRITE_OPTION, Database, utcnow
from server.errors import Forbidden, NotFound, Unauthorized
from server.listing import PageRequest, PageResult, paginate
from server.security import new_opaque_token, token_hash
from server.unit_of_work import note

_T: sa.Table = ApiKey.__table__  # type: ignore[assignment]

# last_used_at is a hint for people, not an audit trail: one write a minute per key at most.
TOUCH_EVERY = timedelta(minutes=1)


def create_api_key(
    *,
    session: Session,
    owner_id: str,
    granted: list[str],
    data: ApiKeyCreate,
    acting_key_id: str | None = None,
) -> tuple[ApiKey, str]:
    """Make a key holding ``data.permissions`` (never more than ``granted``); return it and its secret.

    ``acting_key_id`` is the API key making the request, if one is: keys do not mint
    keys, or revoking a leaked key would leave the keys it made working.
    """
    if acting_key_id is not None:
        raise Forbidden(
            "An API key cannot create API keys; sign in as the user to make one",
            details={"authorization": "Use a signed-in user's access token"},
        )
    if not is_subset(data.permissions, granted):
        raise Forbidden(
            "An API key cannot have permissions you do not hold",
            details={"permissions": "Must be a subset of your own permissions"},
        )
    secret = new_opaque_token(KEY_PREFIX)
    key = ApiKey(
        user_id=owner_id,
        name=data.name,
        prefix=secret[:SHOWN_PREFIX_LEN],
        key_hash=token_hash(secret),
        permissions=data.permissions,
    )
    session.add(key)
    session.flush()
    return key, secret


def list_api_keys(*, session: Session, owner_id: str, page: PageRequest) -> PageResult[ApiKey]:
    """A page of the caller's live keys (newest first unless asked otherwise)."""
    return paginate(
        session,
        sa.select(ApiKey),
        page,
        sortable={"created_at": ApiKey.created_at, "name": ApiKey.name},
        default_sort="created_at",
        tiebreak=ApiKey.id,
        filters=[ApiKey.user_id == owner_id, ApiKey.revoked_at.is_(None)],
    )


def revoke_api_key(*, session: Session, owner_id: str, key_id: str) -> None:
    """Revoke one of the caller's keys; another user's key is "not found" (no probing)."""
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != owner_id or key.revoked_at is not None:
        raise NotFound("API key not found")
    key.revoked_at = utcnow()
    session.flush()
    note(session, key, action="revoke")


@dataclass(frozen=True)
class KeyAuth:
    """Who a presented key acts for, and what it may do right now."""

    key_id: str
    owner: Account
    permissions: list[str]


INVALID_KEY = "Invalid or missing API key. Include Authorization: Bearer <api_key>"


def authenticate(*, db: Database, callers: Callers, secret: str) -> KeyAuth:
    """The live key behind ``secret``; ``Unauthorized`` for anything else.

    One statement (``server.auth.callers``), with the owner remembered while the
    sync version stays. Call it before the request's session has run a statement:
    the key is read and its use recorded on connections of their own, and on SQLite
    a write request's session holds the write lock from its first statement, which
    ``touch`` would then wait for.
    """
    hashed = token_hash(secret)
    remembered = callers.get(f"key:{hashed}")
    with db.reader.connect() as conn:
        rows = key_rows(conn, hashed, remembered)
    if not rows:
        raise Unauthorized(INVALID_KEY)
    row = rows[0]
    if row.revoked_at is not None:
        raise Unauthorized("This API key has been revoked")
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        touch(engine=db.engine, key_id=row.key_id, now=now, known=row.last_used_at)
    owner = caller_from(rows, remembered)
    if owner is None or not owner.account.active:
        raise Unauthorized("The owner of this API key is deactivated")
    if owner is not remembered:
        callers.put(f"key:{hashed}", owner)
    return KeyAuth(
        key_id=row.key_id,
        owner=owner.account,
        permissions=effective_permissions(row.key_permissions, list(owner.permissions)),
    )


def touch(*, engine: Engine, key_id: str, now: datetime, known: datetime | None) -> None:
    """Record use in its own short transaction, outside the request's unit of work.

    Conditional on the value read, so concurrent requests write it once.
    """
    table = _T
    stmt = sa.update(table).where(table.c.id == key_id).values(last_used_at=now)
    stmt = stmt.where(
        table.c.last_used_at.is_(None) if known is None else table.c.last_used_at == known
    )
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        conn.execute(stmt)
