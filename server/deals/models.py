"""Deals: a customer's opportunity moving through the pipeline stages; value in integer cents."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.deals import STAGES
from server.customers.models import Customer
from server.db import Base, IdMixin, TimestampMixin
from server.sync.models import SyncedMixin

_STAGE_LIST = ", ".join(f"'{s.value}'" for s in STAGES)


class Deal(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "deals"
    __entity__ = "deal"

    title: Mapped[str] = mapped_column(sa.String(200))
    # A deal belongs to a customer ("clients are customers"); a customer with deals is not deleted.
    customer_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("customers.id"))
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # cents
    currency: Mapped[str] = mapped_column(sa.String(3))
    stage: Mapped[str] = mapped_column(sa.String(12))
    probability: Mapped[int] = mapped_column(sa.SmallInteger)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    expected_close: Mapped[date | None] = mapped_column(sa.Date)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    customer: Mapped[Customer] = relationship(lazy="raise")

    __table_args__ = (
        sa.CheckConstraint("value >= 0", name="value_nonnegative"),
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name="probability_range"),
        sa.CheckConstraint(f"stage IN ({_STAGE_LIST})", name="stage"),
        # A deal is closed exactly when it is won or lost.
        sa.CheckConstraint(
            "(stage IN ('WON', 'LOST')) = (closed_at IS NOT NULL)", name="closed_when_final"
        ),
        sa.Index("ix_deals_created_at_id", "created_at", "id"),
        sa.Index("ix_deals_stage_created_at_id", "stage", "created_at", "id"),
        sa.Index("ix_deals_customer_id_created_at_id", "customer_id", "created_at", "id"),
    )
