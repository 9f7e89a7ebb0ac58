"""Contracts: one row per contract, its terms and validity period in its own columns.

``party_id`` names a customer or a party (supplier, partner, employee): two
tables, so no foreign key; ``party_kind`` says which, and the service checks the
record exists. The database holds the rules money and dates depend on, as the
service does: end ≥ start, credit terms with credit_days > 0, amounts ≥ 0,
renewals within ``max_renewals``, statuses and kinds from their lists.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from common.contracts import CONTRACT_TYPES, DELIVERY_TYPES, PARTY_KINDS, PAYMENT_TYPES, STATUSES
from server.db import Base, IdMixin, TimestampMixin
from server.sync.models import SyncedMixin


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Contract(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "contracts"
    __entity__ = "contract"

    contract_type: Mapped[str] = mapped_column(sa.String(12))
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    party_id: Mapped[str] = mapped_column(sa.String(36))
    party_kind: Mapped[str] = mapped_column(sa.String(10))
    # payment_terms
    payment_type: Mapped[str] = mapped_column(sa.String(10))
    credit_days: Mapped[int | None] = mapped_column(sa.Integer)
    penalty_rate_bp: Mapped[int | None] = mapped_column(sa.Integer)  # basis points
    discount_rate_bp: Mapped[int | None] = mapped_column(sa.Integer)
    payment_currency: Mapped[str] = mapped_column(sa.String(3))
    # delivery_terms
    delivery_type: Mapped[str] = mapped_column(sa.String(10))
    estimated_days: Mapped[int | None] = mapped_column(sa.Integer)
    shipping_cost: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # cents
    insurance: Mapped[bool] = mapped_column(default=False)
    shipping_currency: Mapped[str] = mapped_column(sa.String(3))
    # validity_period
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    credit_limit: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # cents, 0 = no limit
    currency: Mapped[str] = mapped_column(sa.String(3))
    auto_renewal: Mapped[bool] = mapped_column(default=False)
    renewal_period_days: Mapped[int | None] = mapped_column(sa.Integer)
    renewal_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    max_renewals: Mapped[int | None] = mapped_column(sa.Integer)
    created_by: Mapped[str | None] = mapped_column(sa.String(36))
    signed_at: Mapped[datetime | None] = mapped_column()
    terminated_at: Mapped[datetime | None] = mapped_column()
    termination_reason: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_in(STATUSES)})", name="status"),
        sa.CheckConstraint(f"contract_type IN ({_in(CONTRACT_TYPES)})", name="contract_type"),
        sa.CheckConstraint(f"party_kind IN ({_in(PARTY_KINDS)})", name="party_kind"),
        sa.CheckConstraint(f"payment_type IN ({_in(PAYMENT_TYPES)})", name="payment_type"),
        sa.CheckConstraint(f"delivery_type IN ({_in(DELIVERY_TYPES)})", name="delivery_type"),
        sa.CheckConstraint("end_date >= start_date", name="period"),
        sa.CheckConstraint("payment_type <> 'credit' OR credit_days > 0", name="credit_needs_days"),
        sa.CheckConstraint("credit_limit >= 0 AND shipping_cost >= 0", name="amounts_nonnegative"),
        sa.CheckConstraint(
            "renewal_count >= 0 AND (max_renewals IS NULL OR renewal_count <= max_renewals)",
            name="renewals",
        ),
        sa.Index("ix_contracts_party_id", "party_id"),
        sa.Index("ix_contracts_status_end_date", "status", "end_date"),
        sa.Index("ix_contracts_contract_type_id", "contract_type", "id"),
    )
