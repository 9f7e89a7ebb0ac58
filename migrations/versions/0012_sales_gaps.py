"""sales gaps: orders get a server number (ORD-<year>-<nnn>); customers keep what they paid per currency

Revision ID: 0012
Revises: 0011

Existing orders are numbered in the order they were made, per year of their
``created_at``, and the ``ORD`` counters continue after them (the same
``document_counters`` rows that number invoices). ``customers.purchases`` is
filled from the payments already recorded; ``total_purchases`` becomes the part
in the customer's own currency (as it already was).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _number_orders() -> None:
    bind = op.get_bind()
    orders = bind.execute(sa.text("SELECT id, created_at FROM orders ORDER BY created_at, id")).all()
    last: dict[int, int] = defaultdict(int)
    for order_id, created_at in orders:
        year = (
            created_at.year if hasattr(created_at, "year") else int(str(created_at)[:4])
        )  # SQLite hands back text
        last[year] += 1
        bind.execute(
            sa.text("UPDATE orders SET number = :number WHERE id = :id"),
            {"number": f"ORD-{year}-{last[year]:03d}", "id": order_id},
        )
    for year, n in last.items():
        bind.execute(
            sa.text("INSERT INTO document_counters (series, year, last) VALUES ('ORD', :y, :n)"),
            {"y": year, "n": n},
        )


def _count_purchases() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT i.customer_id, p.currency, sum(p.amount) FROM invoice_payments p "
            "JOIN invoices i ON i.id = p.invoice_id "
            "GROUP BY i.customer_id, p.currency ORDER BY i.customer_id, p.currency"
        )
    ).all()
    paid: dict[str, list[dict[str, object]]] = defaultdict(list)
    for customer_id, currency, amount in rows:
        paid[customer_id].append({"currency": currency, "amount": int(amount)})
    customers = sa.table(
        "customers",
        sa.column("id", sa.String),
        sa.column("currency", sa.String),
        sa.column("purchases", JSON),
        sa.column("total_purchases", sa.BigInteger),
    )
    bind.execute(customers.update().values(purchases=[]))
    for customer_id, purchases in paid.items():
        currency = bind.execute(
            sa.select(customers.c.currency).where(customers.c.id == customer_id)
        ).scalar_one()
        own = next((int(str(p["amount"])) for p in purchases if p["currency"] == currency), 0)
        bind.execute(
            customers.update()
            .where(customers.c.id == customer_id)
            .values(purchases=purchases, total_purchases=own)
        )


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX: no table copy on SQLite (a copy of ``orders`` or
    # ``customers`` would be refused by the foreign keys pointing at their rows, and would
    # lose the customers' FTS triggers), so both columns stay nullable; the services fill them.
    op.add_column("orders", sa.Column("number", sa.String(length=24), nullable=True))
    _number_orders()
    op.create_index("ix_orders_number", "orders", ["number"], unique=True)
    op.create_index("ix_orders_number_id", "orders", ["number", "id"], unique=False)

    op.add_column("customers", sa.Column("purchases", JSON, nullable=True))
    _count_purchases()


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL), not a batch copy: see upgrade().
    op.drop_index("ix_orders_number_id", table_name="orders")
    op.drop_index("ix_orders_number", table_name="orders")
    op.execute("ALTER TABLE orders DROP COLUMN number")
    op.execute("ALTER TABLE customers DROP COLUMN purchases")
    op.execute("DELETE FROM document_counters WHERE series = 'ORD'")
