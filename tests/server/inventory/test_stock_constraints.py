"""The database itself refuses stock below zero, reservations over what is on hand and a
warehouse over its capacity: direct SQL around the service, both engines."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from server.context import AppContext
from tests.conftest import Api
from tests.inventory_factories import stocked

pytestmark = pytest.mark.engines


def test_quantities_and_capacity_are_database_constraints(admin: Api, ctx: AppContext) -> None:
    _, place, record = stocked(admin, 5, capacity=10)
    refused = [
        ("UPDATE stock SET quantity = -1, reserved = 0 WHERE id = :s", {"s": record["id"]}),
        ("UPDATE stock SET reserved = -1 WHERE id = :s", {"s": record["id"]}),
        ("UPDATE stock SET reserved = 6 WHERE id = :s", {"s": record["id"]}),
        ("UPDATE warehouses SET stock_total = 11 WHERE id = :w", {"w": place["id"]}),
        ("UPDATE warehouses SET stock_total = -1 WHERE id = :w", {"w": place["id"]}),
        ("UPDATE warehouses SET capacity = 4 WHERE id = :w", {"w": place["id"]}),
        (
            "INSERT INTO stock (id, item_id, warehouse_id, quantity, reserved, created_at, "
            "updated_at, version) SELECT :id, item_id, warehouse_id, 0, 0, created_at, "
            "updated_at, 0 FROM stock WHERE id = :s",
            {"id": "0" * 8 + record["id"][8:], "s": record["id"]},
        ),
        ("UPDATE stock_movements SET kind = 'lost' WHERE stock_id = :s", {"s": record["id"]}),
    ]
    for statement, params in refused:
        with pytest.raises(IntegrityError), ctx.db.engine.begin() as conn:
            conn.execute(sa.text(statement), params)
    # The same statements within the rules are accepted.
    with ctx.db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE stock SET reserved = 5 WHERE id = :s"), {"s": record["id"]})
        conn.execute(
            sa.text("UPDATE warehouses SET capacity = 5 WHERE id = :w"), {"w": place["id"]}
        )
    with ctx.db.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT quantity, reserved FROM stock WHERE id = :s"), {"s": record["id"]}
        ).one()
    assert tuple(row) == (5, 5)
