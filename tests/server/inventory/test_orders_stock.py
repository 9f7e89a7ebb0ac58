"""An order that names a warehouse reserves on confirm, issues on ship, releases on cancel.

The movement history names the order at each step; not enough stock is a 409
that leaves the order where it was; an order without a warehouse moves nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.factories import create_customer
from tests.inventory_factories import create_warehouse, movements, stock_of, stocked
from tests.sales_factories import create_item

Body = dict[str, Any]


def _order(api: Api, lines: list[Body], warehouse_id: str | None) -> Body:
    body: Body = {"customer_id": create_customer(api)["id"], "lines": lines}
    if warehouse_id is not None:
        body["warehouse_id"] = warehouse_id
    r = api.post("/api/v1/orders", json=body)
    assert r.status_code == 201, r.text
    made: Body = r.json()
    return made


def _status(api: Api, order_id: str, status: str) -> Any:
    return api.patch(f"/api/v1/orders/{order_id}/status", json={"status": status})


def _walk(api: Api, order_id: str, *statuses: str) -> None:
    for status in statuses:
        r = _status(api, order_id, status)
        assert r.status_code == 200, r.text


@pytest.mark.engines  # the row locks of stock.move on PostgreSQL, through an order's commands
def test_confirm_reserves_ship_issues_cancel_releases(admin: Api) -> None:
    item, place, record = stocked(admin, 10)
    other = create_item(admin)
    admin.post(
        f"/api/v1/stock/{stock_of(admin, other['id'], place['id'])['id']}/adjust",
        json={"quantity": 4, "reason": "Opening stock"},
    )
    lines = [
        {"item_id": item["id"], "quantity": 3},
        {"item_id": other["id"], "quantity": 1},
        {"item_id": item["id"], "quantity": 1},
    ]
    shipped = _order(admin, lines, place["id"])
    assert shipped["warehouse_id"] == place["id"]
    # Confirmed: 4 of the item reserved, still on hand
    _walk(admin, shipped["id"], "pending", "confirmed")
    now = stock_of(admin, item["id"], place["id"])
    assert (now["quantity"], now["reserved"], now["available"]) == (10, 4, 6)
    # Shipped: issued, on hand and reserved both down
    _walk(admin, shipped["id"], "shipped")
    now = stock_of(admin, item["id"], place["id"])
    assert (now["quantity"], now["reserved"]) == (6, 0)
    assert admin.get(f"/api/v1/warehouses/{place['id']}").json()["stock_total"] == 6 + 3
    # Another order confirmed then cancelled: reserved, then released
    cancelled = _order(admin, [{"item_id": item["id"], "quantity": 5}], place["id"])
    _walk(admin, cancelled["id"], "pending", "confirmed")
    assert stock_of(admin, item["id"], place["id"])["available"] == 1
    _walk(admin, cancelled["id"], "cancelled")
    now = stock_of(admin, item["id"], place["id"])
    assert (now["quantity"], now["reserved"]) == (6, 0)
    # The history names each step's document
    history = movements(admin, stock_id=record["id"], sort_order="asc")
    assert [(m["kind"], m["quantity"], m["reserved"], m["document_id"]) for m in history] == [
        ("adjust", 10, 0, None),
        ("reserve", 0, 4, shipped["id"]),
        ("issue", -4, -4, shipped["id"]),
        ("reserve", 0, 5, cancelled["id"]),
        ("release", 0, -5, cancelled["id"]),
    ]
    assert {m["document_type"] for m in history if m["document_id"]} == {"order"}
    by_order = movements(admin, document_id=shipped["id"])
    assert {(m["item_id"], m["kind"]) for m in by_order} == {
        (item["id"], "reserve"),
        (item["id"], "issue"),
        (other["id"], "reserve"),
        (other["id"], "issue"),
    }


def test_not_enough_stock_is_a_clear_409_and_the_order_stays(shared_admin: Api) -> None:
    item, place, _ = stocked(shared_admin, 2)
    order = _order(shared_admin, [{"item_id": item["id"], "quantity": 3}], place["id"])
    _walk(shared_admin, order["id"], "pending")
    r = _status(shared_admin, order["id"], "confirmed")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "conflict" and body["details"]["available"] == "2"
    assert item["sku"] in body["message"] and place["name"] in body["message"]
    assert shared_admin.get(f"/api/v1/orders/{order['id']}").json()["status"] == "pending"
    assert stock_of(shared_admin, item["id"], place["id"])["reserved"] == 0
    assert movements(shared_admin, document_id=order["id"]) == []


def test_an_order_without_a_warehouse_moves_no_stock(shared_admin: Api) -> None:
    item, place, _ = stocked(shared_admin, 1)
    order = _order(shared_admin, [{"item_id": item["id"], "quantity": 5}], None)
    assert order["warehouse_id"] is None
    _walk(shared_admin, order["id"], "pending", "confirmed", "shipped")
    assert stock_of(shared_admin, item["id"], place["id"])["quantity"] == 1
    assert movements(shared_admin, document_id=order["id"]) == []


def test_the_warehouse_is_chosen_until_confirmed(shared_admin: Api) -> None:
    item, place, _ = stocked(shared_admin, 5)
    closed = create_warehouse(shared_admin)
    shared_admin.patch(f"/api/v1/warehouses/{closed['id']}/deactivate")
    order = _order(shared_admin, [{"item_id": item["id"], "quantity": 1}], None)
    path = f"/api/v1/orders/{order['id']}"
    r = shared_admin.patch(path, json={"warehouse_id": closed["id"]})
    assert r.status_code == 409 and r.json()["details"]["warehouse_id"] == "Inactive warehouse"
    r = shared_admin.patch(path, json={"warehouse_id": "no-such-warehouse"})
    assert r.status_code == 422 and "warehouse_id" in r.json()["details"]
    assert shared_admin.patch(path, json={"warehouse_id": place["id"]}).status_code == 200
    _walk(shared_admin, order["id"], "pending", "confirmed")
    r = shared_admin.patch(path, json={"warehouse_id": None})
    assert r.status_code == 409, r.text
    assert stock_of(shared_admin, item["id"], place["id"])["reserved"] == 1
