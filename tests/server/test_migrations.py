"""The migrations build exactly the schema the models declare, on both backends."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from server.context import AppContext
from server.db import make_engine
from server.demo import fill_demo_customers
from server.invoices.demo import fill_demo_sales
from server.migrate import (
    current_revision,
    downgrade,
    head_revision,
    include_object,
    upgrade,
)
from server.models import Base

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def test_upgrade_head_matches_the_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            mc = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            diff = compare_metadata(mc, Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_countries_are_seeded(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            total = conn.scalar(sa.text("SELECT count(*) FROM countries"))
            assert total is not None and total >= 249
            if conn.dialect.name == "postgresql":
                trgm = conn.scalars(
                    sa.text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'")
                ).all()
                assert len(trgm) == 4
    finally:
        engine.dispose()


def test_0012_numbers_the_orders_and_counts_the_payments_already_there(ctx: AppContext) -> None:
    """Down to 0011 and up again on demo data: the orders get the numbers the server gave
    them (in the order they were made), the ORD counter continues after them, and each
    customer's purchases per currency are counted from the payments."""
    fill_demo_customers(ctx, 30)
    made = fill_demo_sales(ctx, orders_count=8, invoices_count=14)
    assert made["orders"] == 8
    engine = ctx.db.engine

    def state() -> tuple[Any, ...]:
        with engine.connect() as conn:
            orders = conn.execute(sa.text("SELECT id, number FROM orders ORDER BY id")).all()
            customers = conn.execute(
                sa.text("SELECT id, purchases, total_purchases FROM customers ORDER BY id")
            ).all()
            counter = conn.execute(
                sa.text("SELECT year, last FROM document_counters WHERE series = 'ORD'")
            ).all()
        purchases = [(i, json.loads(p) if isinstance(p, str) else p, t) for i, p, t in customers]
        return sorted(orders), purchases, sorted(counter)

    before = state()
    assert any(p for _i, p, _t in before[1])  # some customer has paid something
    downgrade(engine, "0011")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("orders")}
        assert "number" not in columns
    upgrade(engine)
    assert state() == before
