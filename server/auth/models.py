"""Sign-in sessions (refresh-token families) and their refresh tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, IdMixin, utcnow


class AuthSession(IdMixin, Base):
    """One sign-in: a family of refresh tokens. Revoking it ends every token of the family."""

    __tablename__ = "auth_sessions"

    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(40), default=None)
    user_agent: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    client_address: Mapped[str | None] = mapped_column(sa.String(64), default=None)


class RefreshToken(IdMixin, Base):
    """One refresh token, stored as a hash. ``rotated_at`` is set once it has been used."""

    __tablename__ = "refresh_tokens"

    session_id: Mapped[str] = mapped_column(
        sa.ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)
