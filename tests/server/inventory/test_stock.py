"""Warehouses and stock over HTTP: records for every item and warehouse, adjust, transfer, capacity.

Every refusal answers the documented error body and changes nothing: no quantity,
no warehouse total, no movement. Rules only (the generated checks in
tests/server/kit cover CRUD, errors and permissions); one server per worker.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.inventory_factories import (
    adjust,
    create_warehouse,
    movements,
    stock_of,
    stocked,
)
from tests.sales_factories import create_item

Body = dict[str, Any]


def _refused(r: Any, status: int, code: str) -> Body:
    assert r.status_code == status, r.text
    body: Body = r.json()
    assert body["error"] == code and body["message"], body
    return body


def _warehouse(api: Api, wid: str) -> Body:
    body: Body = api.get(f"/api/v1/warehouses/{wid}").json()
    return body


def test_the_spec_example_and_a_record_for_every_item_and_warehouse(shared_admin: Api) -> None:
    # Given an item made before the warehouse and one made after it
    before = create_item(shared_admin)
    r = shared_admin.post(
        "/api/v1/warehouses",
        json={"name": "Main Warehouse", "location": "New York, NY", "capacity": 10000},
    )
    assert r.status_code == 201, r.text
    place = r.json()
    assert place["active"] is True and place["stock_total"] == 0 and place["capacity"] == 10000
    after = create_item(shared_admin)
    # Then each has its stock record there, at 0, ready to be adjusted
    for item in (before, after):
        record = stock_of(shared_admin, item["id"], place["id"])
        assert (record["quantity"], record["reserved"], record["available"]) == (0, 0, 0)
        assert record["item_sku"] == item["sku"] and record["warehouse_name"] == "Main Warehouse"
    listed = shared_admin.get("/api/v1/stock", params={"warehouse_id": place["id"]}).json()
    assert set(listed) == {"items", "total", "page", "limit", "has_more"}
    assert {s["item_id"] for s in listed["items"]} >= {before["id"], after["id"]}


def test_adjust_is_a_signed_change_with_a_reason_and_never_goes_below_zero(
    shared_admin: Api,
) -> None:
    _, place, record = stocked(shared_admin)
    sid = record["id"]
    r = adjust(shared_admin, sid, 100, "Inventory count adjustment")
    assert r.status_code == 200, r.text
    assert (r.json()["quantity"], r.json()["available"]) == (100, 100)
    r = adjust(shared_admin, sid, -30, "Damaged")
    assert r.json()["quantity"] == 70
    # Below zero: 409 with what is there; nothing changes, no movement
    body = _refused(adjust(shared_admin, sid, -71, "Too many"), 409, "conflict")
    assert "70 on hand" in body["message"] and body["details"]["available"] == "70"
    # No change, no reason, a blank reason: 422
    assert "quantity" in _refused(adjust(shared_admin, sid, 0), 422, "validation_error")["details"]
    r = shared_admin.post(f"/api/v1/stock/{sid}/adjust", json={"quantity": 5})
    assert "reason" in _refused(r, 422, "validation_error")["details"]
    _refused(adjust(shared_admin, sid, 5, "   "), 422, "validation_error")
    assert stock_of(shared_admin, record["item_id"], place["id"])["quantity"] == 70
    assert _warehouse(shared_admin, place["id"])["stock_total"] == 70
    history = movements(shared_admin, stock_id=sid)
    assert [(m["kind"], m["quantity"], m["quantity_after"], m["reason"]) for m in history] == [
        ("adjust", -30, 70, "Damaged"),
        ("adjust", 100, 100, "Inventory count adjustment"),
    ]
    me = shared_admin.get("/api/v1/auth/me").json()
    assert {m["actor_id"] for m in history} == {me["id"]}


def test_capacity_is_respected_and_cannot_drop_below_what_is_held(shared_admin: Api) -> None:
    _, place, record = stocked(shared_admin, 8, capacity=10)
    body = _refused(adjust(shared_admin, record["id"], 3), 409, "conflict")
    assert "at most 10" in body["message"] and body["details"]["quantity"] == "Room for 2"
    assert adjust(shared_admin, record["id"], 2).status_code == 200
    r = shared_admin.patch(f"/api/v1/warehouses/{place['id']}", json={"capacity": 9})
    assert "capacity" in _refused(r, 409, "conflict")["details"]
    r = shared_admin.patch(f"/api/v1/warehouses/{place['id']}", json={"capacity": None})
    assert r.status_code == 200 and r.json()["capacity"] is None
    assert adjust(shared_admin, record["id"], 1000).status_code == 200


def test_transfer_is_atomic_between_two_warehouses(shared_admin: Api) -> None:
    item, source, _record = stocked(shared_admin, 50)
    destination = create_warehouse(shared_admin, capacity=30)
    body = {
        "item_id": item["id"],
        "from_warehouse_id": source["id"],
        "to_warehouse_id": destination["id"],
        "quantity": 20,
    }
    r = shared_admin.post("/api/v1/stock/transfer", json=body)
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["source"]["quantity"] == 30 and moved["destination"]["quantity"] == 20
    assert [(m["kind"], m["quantity"]) for m in moved["movements"]] == [
        ("transfer_out", -20),
        ("transfer_in", 20),
    ]
    assert {m["transfer_id"] for m in moved["movements"]} == {moved["transfer_id"]}
    # Not enough at the source, no room at the destination, the same warehouse: refused whole
    _refused(
        shared_admin.post("/api/v1/stock/transfer", json=body | {"quantity": 31}), 409, "conflict"
    )
    full = _refused(
        shared_admin.post("/api/v1/stock/transfer", json=body | {"quantity": 11}), 409, "conflict"
    )
    assert "at most 30" in full["message"]
    same = body | {"to_warehouse_id": source["id"]}
    r = shared_admin.post("/api/v1/stock/transfer", json=same)
    assert "to_warehouse_id" in _refused(r, 422, "validation_error")["details"]
    # Into an inactive warehouse: refused
    assert (
        shared_admin.patch(f"/api/v1/warehouses/{destination['id']}/deactivate").status_code == 200
    )
    _refused(
        shared_admin.post("/api/v1/stock/transfer", json=body | {"quantity": 1}), 409, "conflict"
    )
    assert stock_of(shared_admin, item["id"], source["id"])["quantity"] == 30
    assert stock_of(shared_admin, item["id"], destination["id"])["quantity"] == 20
    assert _warehouse(shared_admin, source["id"])["stock_total"] == 30
    assert _warehouse(shared_admin, destination["id"])["stock_total"] == 20
    assert len(movements(shared_admin, item_id=item["id"])) == 3  # the opening + the transfer's two


def test_low_stock_is_at_or_below_the_records_threshold(shared_admin: Api) -> None:
    _, place, record = stocked(shared_admin, 6)
    r = shared_admin.patch(f"/api/v1/stock/{record['id']}", json={"low_stock_threshold": 5})
    assert r.status_code == 200 and r.json()["low"] is False
    assert adjust(shared_admin, record["id"], -1).json()["low"] is True
    low = shared_admin.get("/api/v1/stock", params={"warehouse_id": place["id"], "low": True})
    assert [s["id"] for s in low.json()["items"]] == [record["id"]]
    # Quantities are the commands' alone
    r = shared_admin.patch(f"/api/v1/stock/{record['id']}", json={"quantity": 99})
    _refused(r, 422, "validation_error")


def test_warehouse_activation_and_no_delete(shared_admin: Api) -> None:
    place = create_warehouse(shared_admin)
    path = f"/api/v1/warehouses/{place['id']}"
    assert shared_admin.patch(f"{path}/deactivate").json()["active"] is False
    _refused(shared_admin.patch(f"{path}/deactivate"), 409, "conflict")
    assert shared_admin.patch(f"{path}/activate").json()["active"] is True
    r = shared_admin.get("/api/v1/warehouses", params={"search": place["name"], "active": True})
    assert [w["id"] for w in r.json()["items"]] == [place["id"]]
