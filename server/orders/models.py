"""Orders and their lines; the shipping address is embedded in the order's columns."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.orders import ORDER_STATUSES
from server.addresses import AddressColumns
from server.customers.models import Customer
from server.db import Base, IdMixin, TimestampMixin
from server.kit.lines import LineColumns
from server.sync.models import SyncedMixin

_STATUS_LIST = ", ".join(f"'{s}'" for s in ORDER_STATUSES)


class Order(AddressColumns, IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "orders"
    __entity__ = "order"

    # ORD-<year>-<nnn> from kit.numbering, set by the service on every order it makes. Nullable
    # and a unique index (not a constraint) because adding either on SQLite means copying the
    # table, which the foreign keys of existing invoices and lines refuse (migration 0012).
    number: Mapped[str | None] = mapped_column(sa.String(24))
    customer_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(sa.String(12))
    currency: Mapped[str] = mapped_column(sa.String(3))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    subtotal: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # cents, from the lines
    tax_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # The invoice last made from this order (invoices.order_id points back; no FK both ways).
    invoice_id: Mapped[str | None] = mapped_column(sa.String(36))
    # The warehouse its items are reserved in and shipped from; none: the order moves no stock.
    warehouse_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("warehouses.id"), index=True
    )

    customer: Mapped[Customer] = relationship(lazy="raise")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="OrderLine.position",
    )

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_STATUS_LIST})", name="status"),
        sa.CheckConstraint("subtotal >= 0 AND tax_total >= 0", name="amounts_nonnegative"),
        sa.CheckConstraint("total = subtotal + tax_total", name="total_computed"),
        sa.Index("ix_orders_created_at_id", "created_at", "id"),
        sa.Index("ix_orders_number", "number", unique=True),
        sa.Index("ix_orders_number_id", "number", "id"),
        sa.Index("ix_orders_total_id", "total", "id"),
        sa.Index("ix_orders_status_created_at_id", "status", "created_at", "id"),
        sa.Index("ix_orders_customer_id_created_at_id", "customer_id", "created_at", "id"),
    )


class OrderLine(LineColumns, Base):
    __tablename__ = "order_lines"

    order_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")
