"""The parties table: suppliers, partners and employees in one table, told apart by ``kind``.

One table (single-table inheritance) because they share every column but an
employee's ``position``, and because later modules point at "a party"
(contracts' ``party_id``) whatever its kind. Each module maps its own subclass
(``server/suppliers/models.py`` ...), so its queries see only its own rows.
The address is one embedded value (the spec shows a single ``address``), kept
in the party's own columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from common.parties import STATUSES
from server.addresses import AddressColumns
from server.db import Base, IdMixin, TimestampMixin
from server.sync.models import SyncedMixin

KINDS = ("supplier", "partner", "employee")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Party(AddressColumns, IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "parties"

    kind: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    tax_id: Mapped[str | None] = mapped_column(sa.String(64))
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    phone_display: Mapped[str | None] = mapped_column(sa.String(40))
    website: Mapped[str | None] = mapped_column(sa.String(500))
    position: Mapped[str | None] = mapped_column(sa.String(100))  # employees
    status: Mapped[str] = mapped_column(sa.String(12), default="active")

    __mapper_args__ = {"polymorphic_on": "kind"}
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({_in(KINDS)})", name="kind"),
        sa.CheckConstraint(f"status IN ({_in(STATUSES)})", name="status"),
        # One email per party of a kind: a supplier may also be a partner.
        sa.UniqueConstraint("kind", "email"),
        sa.Index("ix_parties_kind_name_id", "kind", "name", "id"),
        sa.Index("ix_parties_kind_created_at_id", "kind", "created_at", "id"),
        sa.Index("ix_parties_kind_status", "kind", "status"),
    )
