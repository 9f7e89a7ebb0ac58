"""Users, roles and the link between them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, IdMixin, JSONType, TimestampMixin
from server.sync.models import SyncedMixin

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
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    roles: Mapped[list[Role]] = relationship(
        secondary=user_roles, lazy="selectin", order_by=Role.name
    )

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
