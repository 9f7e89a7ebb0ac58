"""The chart of accounts, transactions and their lines, and the posting accounts' settings.

The database holds the ledger's rules too (migration 0010 adds the triggers):
a line is a debit xor a credit > 0 (CHECK); a transaction's lines are written
*before* its header (the lines' foreign key to it is deferred to commit), and
inserting the header checks that there are at least two lines, that they
balance and equal its ``total``, and that every account is active and in its
currency; once the header exists no line can be added, changed or removed, and
the header's ledger columns never change. So every committed transaction is
balanced, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from common.ledger import ACCOUNT_TYPES, POSTING_ROLES, SOURCES
from server.db import Base, IdMixin, TimestampMixin, utcnow
from server.sync.models import SyncedMixin


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Account(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "accounts"
    __entity__ = "account"

    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(10))
    parent_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    description: Mapped[str | None] = mapped_column(sa.String(500))
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        sa.CheckConstraint(f"type IN ({_in(ACCOUNT_TYPES)})", name="type"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        # A parent has the same type: the child's (parent_id, type) must name a real (id, type).
        sa.UniqueConstraint("id", "type", name="uq_accounts_id_type"),
        sa.ForeignKeyConstraint(
            ["parent_id", "type"],
            ["accounts.id", "accounts.type"],
            name="fk_accounts_parent_same_type",
        ),
        sa.Index("ix_accounts_code_id", "code", "id"),
        sa.Index("ix_accounts_name_id", "name", "id"),
        sa.Index("ix_accounts_created_at_id", "created_at", "id"),
        sa.Index("ix_accounts_type_code", "type", "code"),
    )


class Transaction(IdMixin, SyncedMixin, Base):
    """A posted journal entry; never changed once written (a reversal corrects it)."""

    __tablename__ = "transactions"
    __entity__ = "transaction"

    number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    entry_date: Mapped[date] = mapped_column(sa.Date)
    description: Mapped[str | None] = mapped_column(sa.String(500))
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    currency: Mapped[str] = mapped_column(sa.String(3))
    total: Mapped[int] = mapped_column(sa.BigInteger)  # cents: the debits (= the credits)
    source: Mapped[str] = mapped_column(sa.String(10), default="manual")
    source_id: Mapped[str | None] = mapped_column(sa.String(36))
    reverses_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("transactions.id"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[TransactionLine]] = relationship(
        back_populates="transaction", lazy="raise", order_by="TransactionLine.position"
    )

    __table_args__ = (
        sa.CheckConstraint("total > 0", name="total_positive"),
        sa.CheckConstraint(f"source IN ({_in(SOURCES)})", name="source"),
        sa.CheckConstraint("reverses_id IS NULL OR reverses_id <> id", name="not_own_reversal"),
        sa.Index("ix_transactions_entry_date_id", "entry_date", "id"),
        sa.Index("ix_transactions_number_id", "number", "id"),
        sa.Index("ix_transactions_created_at_id", "created_at", "id"),
        sa.Index("ix_transactions_source_id", "source_id"),
    )


_reversal = Transaction.__table__.alias("reversal")
# The transaction that reverses this one (at most one: reverses_id is unique), read with the row.
Transaction.reversed_by_id = column_property(
    sa.select(_reversal.c.id)
    .where(_reversal.c.reverses_id == Transaction.__table__.c.id)
    .correlate_except(_reversal)
    .scalar_subquery()
)


class TransactionLine(Base):
    __tablename__ = "transaction_lines"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    # Deferred: the lines are written first, the header (whose insert checks them) last.
    transaction_id: Mapped[str] = mapped_column(
        sa.String(36),
        sa.ForeignKey("transactions.id", deferrable=True, initially="DEFERRED"),
        index=True,
    )
    position: Mapped[int] = mapped_column(sa.Integer)
    account_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("accounts.id"))
    debit: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    credit: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    description: Mapped[str | None] = mapped_column(sa.String(500))

    transaction: Mapped[Transaction] = relationship(back_populates="lines", lazy="raise")
    account: Mapped[Account] = relationship(lazy="raise")

    __table_args__ = (
        sa.CheckConstraint(
            "(debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)", name="debit_xor_credit"
        ),
        sa.Index("ix_transaction_lines_account_id_transaction_id", "account_id", "transaction_id"),
    )


class PostingAccount(Base):
    """Which account an automatic posting uses for a role (settings; defaults: the starter chart)."""

    __tablename__ = "posting_accounts"

    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    account_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("accounts.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint(f"role IN ({_in(POSTING_ROLES)})", name="role"),)
