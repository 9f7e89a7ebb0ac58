"""Factories for inventory: warehouses, their stock records, stock put in, made through the API."""

from __future__ import annotations

import itertools
from typing import Any

from tests.conftest import Api
from tests.sales_factories import create_item

_seq = itertools.count(1)
Body = dict[str, Any]


def warehouse_payload(**overrides: Any) -> Body:
    """The spec's example, with a unique name."""
    return {
        "name": f"Warehouse {next(_seq)}",
        "location": "New York, NY",
        "capacity": 10000,
        **overrides,
    }


def create_warehouse(api: Api, **overrides: Any) -> Body:
    r = api.post("/api/v1/warehouses", json=warehouse_payload(**overrides))
    assert r.status_code == 201, r.text
    body: Body = r.json()
    return body


def stock_of(api: Api, item_id: str, warehouse_id: str) -> Body:
    """The one stock record of an item in a warehouse."""
    r = api.get("/api/v1/stock", params={"item_id": item_id, "warehouse_id": warehouse_id})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert len(items) == 1, items
    record: Body = items[0]
    return record


def adjust(api: Api, stock_id: str, quantity: int, reason: str = "Count") -> Any:
    return api.post(
        f"/api/v1/stock/{stock_id}/adjust", json={"quantity": quantity, "reason": reason}
    )


def stocked(api: Api, quantity: int = 0, **warehouse: Any) -> tuple[Body, Body, Body]:
    """A new item and a new warehouse holding ``quantity`` of it: (item, warehouse, stock record)."""
    item = create_item(api)
    place = create_warehouse(api, **warehouse)
    record = stock_of(api, item["id"], place["id"])
    if quantity:
        r = adjust(api, record["id"], quantity, "Opening stock")
        assert r.status_code == 200, r.text
        record = r.json()
    return item, place, record


def movements(api: Api, **params: Any) -> list[Body]:
    r = api.get("/api/v1/stock/movements", params={"limit": 100, **params})
    assert r.status_code == 200, r.text
    found: list[Body] = r.json()["items"]
    return found
