"""Invoices, their lines and payments, and nothing else: numbers come from ``kit.numbering``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.invoices import PAYMENT_METHODS, STORED_STATUSES
from server.customers.models import Customer
from server.db import Base, IdMixin, JSONType, TimestampMixin, utcnow
from server.kit.lines import LineColumns
from server.sync.models import SyncedMixin

_STATUS_LIST = ", ".join(f"'{s}'" for s in STORED_STATUSES)
_METHOD_LIST = ", ".join(f"'{m}'" for m in PAYMENT_METHODS)


class Invoice(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "invoices"
    __entity__ = "invoice"

    number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    customer_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("customers.id"))
    order_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("orders.id"), index=True
    )
    # Stored: draft | sent | paid | cancelled ("overdue" is how a sent one reads past its due date).
    status: Mapped[str] = mapped_column(sa.String(12))
    currency: Mapped[str] = mapped_column(sa.String(3))
    issue_date: Mapped[date] = mapped_column(sa.Date)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    subtotal: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # cents, from the lines
    tax_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount_paid: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # The customer's billing address (common.addresses.AddressValues), frozen when sent.
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))

    customer: Mapped[Customer] = relationship(lazy="raise")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="InvoiceLine.position",
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="Payment.created_at, Payment.id",
    )

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_STATUS_LIST})", name="status"),
        sa.CheckConstraint("subtotal >= 0 AND tax_total >= 0", name="amounts_nonnegative"),
        sa.CheckConstraint("total = subtotal + tax_total", name="total_computed"),
        sa.CheckConstraint("amount_paid >= 0 AND amount_paid <= total", name="paid_within_total"),
        sa.CheckConstraint("status <> 'paid' OR amount_paid = total", name="paid_in_full"),
        sa.CheckConstraint("status <> 'cancelled' OR amount_paid = 0", name="cancelled_unpaid"),
        sa.Index("ix_invoices_created_at_id", "created_at", "id"),
        sa.Index("ix_invoices_number_id", "number", "id"),
        sa.Index("ix_invoices_due_date_id", "due_date", "id"),
        sa.Index("ix_invoices_total_id", "total", "id"),
        sa.Index("ix_invoices_issue_date_id", "issue_date", "id"),
        sa.Index("ix_invoices_status_due_date", "status", "due_date"),
        sa.Index("ix_invoices_customer_id_created_at_id", "customer_id", "created_at", "id"),
    )


class InvoiceLine(LineColumns, Base):
    __tablename__ = "invoice_lines"

    invoice_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    invoice: Mapped[Invoice] = relationship(back_populates="lines", lazy="raise")


class Payment(IdMixin, Base):
    """A payment recorded against an invoice; never edited or removed (a refund is not a delete)."""

    __tablename__ = "invoice_payments"

    invoice_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # cents
    currency: Mapped[str] = mapped_column(sa.String(3))
    method: Mapped[str] = mapped_column(sa.String(20))
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    paid_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="payments", lazy="raise")

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(f"method IN ({_METHOD_LIST})", name="method"),
    )
