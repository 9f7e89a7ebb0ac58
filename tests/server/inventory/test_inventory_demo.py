"""``crm-server demo`` adds warehouses with stock, a transfer and orders that moved stock."""

from __future__ import annotations

import pytest

from server.context import AppContext
from server.demo import fill_demo_customers
from server.inventory.demo import fill_demo_inventory
from server.invoices.demo import fill_demo_sales
from tests.conftest import Api
from tests.inventory_factories import movements


def test_demo_inventory(admin: Api, ctx: AppContext) -> None:
    fill_demo_customers(ctx, 40)
    fill_demo_sales(ctx, orders_count=0, invoices_count=0)
    made = fill_demo_inventory(ctx)
    assert made["warehouses"] == 3 and made["orders"] == 3
    places = admin.get("/api/v1/warehouses").json()["items"]
    assert {w["name"] for w in places} == {"Main Warehouse", "Kyiv Depot", "Berlin Hub"}
    assert all(w["stock_total"] > 0 for w in places)
    records = admin.get("/api/v1/stock", params={"limit": 100, "low": True}).json()
    assert records["total"] > 0  # some records show the low-stock highlight
    kinds = {m["kind"] for m in movements(admin)}
    assert kinds == {"adjust", "transfer_out", "transfer_in", "reserve", "issue", "release"}
    with pytest.raises(RuntimeError, match="already has warehouses"):
        fill_demo_inventory(ctx)
