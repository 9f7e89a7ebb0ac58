"""Users, roles and the link between them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from common.validation import normalize_email
from server.db import Base, IdMixin, JSONType, TimestampMixin
from server.sync.models import SyncedMixin
from server.users.lookalike import lookalike_key

user_roles = sa.Table(
    "user_roles",
    Base.metadata,
    sa.Column(
        "user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "role_id", sa.String(36), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Index("ix_user_roles_role_id", "role_id"),
)


class Role(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "roles"
    __entity__ = "role"

    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    permissions: Mapped[list[str]] = mapped_column(JSONType, default=list)


class User(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "users"
    __entity__ = "user"
    __audit_redact__ = frozenset({"password_hash"})

    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    # Set with the email (see _email): equal for addresses that look alike. NULL only
    # for accounts migration 0007 found looking like an older one (left for an admin).
    email_key: Mapped[str | None] = mapped_column(sa.String(1024), default=None)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    roles: Mapped[list[Role]] = relationship(
        secondary=user_roles, lazy="selectin", order_by=Role.name
    )

    __table_args__ = (sa.Index("ix_users_email_key", "email_key", unique=True),)

    @validates("email")
    def _email(self, _key: str, value: str) -> str:
        # Whoever sets an email (registration, an admin, the CLI, bootstrap) stores the
        # normal form and its look-alike key; the unique indexes then refuse twins.
        normal = normalize_email(value)
        self.email_key = lookalike_key(normal)
        return normal

    @property
    def role_names(self) -> list[str]:
        return [r.name for r in self.roles]

    @property
    def permissions(self) -> list[str]:
        """The union of the user's roles' permissions, in a stable order."""
        seen: dict[str, None] = {}
        for role in self.roles:
            for p in role.permissions:
                seen.setdefault(p, None)
        return list(seen)
