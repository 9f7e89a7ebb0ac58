"""One account per address, and none that looks like another's."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.errors import Conflict
from server.users.lookalike import lookalike_key
from server.users.models import User


def ensure_email_free(*, session: Session, email: str, except_id: str | None = None) -> None:
    """``Conflict`` if another account has ``email`` (in normal form) or a look-alike of it.

    The unique indexes on ``users.email`` and ``users.email_key`` hold the same rule
    against a race; this gives the readable answer.
    """
    stmt = sa.select(User.email).where(
        sa.or_(User.email == email, User.email_key == lookalike_key(email))
    )
    if except_id is not None:
        stmt = stmt.where(User.id != except_id)
    twin = session.scalar(stmt.limit(1))
    if twin is None:
        return
    if twin == email:
        raise Conflict("A user with this email already exists", details={"email": "Already in use"})
    raise Conflict(
        "A user with an email that looks like this one already exists",
        details={"email": "Looks like another account's email"},
    )
