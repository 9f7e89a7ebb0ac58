"""Customers and their addresses.

Every sort column of the list has an index ending in ``id`` (the tiebreak), so a
page is an index range scan. Substring search on PostgreSQL uses ``pg_trgm`` GIN
indexes that migration 0003 creates on PostgreSQL only; they are named
``*_trgm`` and left out of the autogenerate comparison (``server.migrate``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.addresses import AddressColumns
from server.db import Base, IdMixin, JSONType, TimestampMixin
from server.sync.models import SyncedMixin


class Customer(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "customers"
    __entity__ = "customer"

    name: Mapped[str] = mapped_column(sa.String(200))
    # Optional (a lead may leave only a phone); unique when given (NULLs never collide).
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    phone_display: Mapped[str | None] = mapped_column(sa.String(40))
    tax_id: Mapped[str | None] = mapped_column(sa.String(64))
    website: Mapped[str | None] = mapped_column(sa.String(500))
    social_media: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    company: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    credit_limit: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # cents
    total_purchases: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # cents, server-kept
    # What was paid per currency, [{"currency", "amount"}] by code (server-kept, see
    # server.invoices.service.count_purchases); total_purchases is the entry in ``currency``.
    # Nullable only because SQLite adds a NOT NULL column by copying the table (migration 0012).
    purchases: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    currency: Mapped[str] = mapped_column(sa.String(3))
    active: Mapped[bool] = mapped_column(default=True)

    addresses: Mapped[list[CustomerAddress]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="CustomerAddress.type, CustomerAddress.id",
    )

    __table_args__ = (
        sa.CheckConstraint("credit_limit >= 0", name="credit_limit_nonnegative"),
        sa.CheckConstraint("total_purchases >= 0", name="total_purchases_nonnegative"),
        sa.Index("ix_customers_name_id", "name", "id"),
        sa.Index("ix_customers_email_id", "email", "id"),
        sa.Index("ix_customers_created_at_id", "created_at", "id"),
        sa.Index("ix_customers_credit_limit_id", "credit_limit", "id"),
        sa.Index("ix_customers_total_purchases_id", "total_purchases", "id"),
        sa.Index("ix_customers_active", "active"),
    )

    @property
    def billing_address(self) -> CustomerAddress | None:
        return next((a for a in self.addresses if a.type == "billing"), None)


class CustomerAddress(AddressColumns, IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "customer_addresses"
    __entity__ = "customer_address"

    customer_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(sa.String(10))

    customer: Mapped[Customer] = relationship(back_populates="addresses", lazy="raise")

    __table_args__ = (sa.CheckConstraint("type IN ('billing', 'shipping')", name="type"),)
