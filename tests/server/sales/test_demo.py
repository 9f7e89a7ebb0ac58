"""``crm-server demo`` adds a catalog, orders and invoices in several states and currencies."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from server.context import AppContext
from server.demo import fill_demo_customers
from server.invoices.demo import fill_demo_sales
from tests.conftest import Api


def test_demo_sales(admin: Api, ctx: AppContext) -> None:
    fill_demo_customers(ctx, 60)
    made = fill_demo_sales(ctx)
    assert made["items"] == 27 and made["orders"] == 24 and made["invoices"] >= 40
    items = admin.get("/api/v1/catalog/items", params={"limit": 100}).json()["items"]
    assert {i["currency"] for i in items} == {"USD", "EUR", "UAH"}
    assert {i["status"] for i in items} == {"active", "discontinued"}
    orders = admin.get("/api/v1/orders", params={"limit": 100}).json()["items"]
    assert set(Counter(o["status"] for o in orders)) == {
        "draft",
        "pending",
        "confirmed",
        "shipped",
        "delivered",
        "cancelled",
    }
    invoices = admin.get("/api/v1/invoices", params={"limit": 100}).json()["items"]
    assert len(invoices) == made["invoices"]
    assert {"draft", "sent", "overdue", "paid", "cancelled"} <= {i["status"] for i in invoices}
    assert any(0 < i["amount_paid"] < i["total"] for i in invoices)  # partly paid
    assert len({i["currency"] for i in invoices}) >= 3
    assert any(i["order_id"] for i in invoices)
    year = datetime.now(UTC).year
    assert sorted(i["number"] for i in invoices) == [
        f"INV-{year}-{n:03d}" for n in range(1, len(invoices) + 1)
    ]
    with pytest.raises(RuntimeError, match="already has catalog items"):
        fill_demo_sales(ctx)
