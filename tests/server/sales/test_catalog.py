"""Catalog items and categories over HTTP: unique SKU, real categories, filters, search."""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import expect_error, user_with_role
from tests.sales_factories import create_category, create_item, item_payload


def test_items_and_categories(admin: Api) -> None:
    tools = create_category(admin, name="Tools")
    drills = create_category(admin, name="Drills", parent_id=tools["id"])
    assert drills["parent_id"] == tools["id"]
    # The spec's example body, in a real category.
    item = create_item(admin, sku="PROD-001", category_id=drills["id"], tax_rate="vat_20")
    assert (item["category_name"], item["tax_rate"], item["unit_price"]) == (
        "Drills",
        "vat_20",
        5000,
    )
    other = create_item(admin)
    page = admin.get("/api/v1/catalog/items", params={"category_id": drills["id"]}).json()
    assert [i["id"] for i in page["items"]] == [item["id"]] and page["total"] == 1
    assert set(page) == {"items", "total", "page", "limit", "has_more"}
    found = admin.get("/api/v1/catalog/items", params={"search": "prod-00"}).json()["items"]
    assert item["id"] in [i["id"] for i in found]
    # SKU unique (409), category real (422), price in cents >= 0 (422), status known (422).
    body = expect_error(
        admin.post("/api/v1/catalog/items", json=item_payload(sku=" PROD-001 ")), 409, "conflict"
    )
    assert body["details"] == {"sku": "Already in use"}
    for bad, field in (
        ({"category_id": "nope"}, "category_id"),
        ({"unit_price": 10.5}, "unit_price"),
        ({"unit_price": -1}, "unit_price"),
        ({"status": "gone"}, "status"),
        ({"currency": "XYZ"}, "currency"),
    ):
        body = expect_error(
            admin.post("/api/v1/catalog/items", json=item_payload(**bad)), 422, "validation_error"
        )
        assert field in body["details"]
    expect_error(
        admin.patch(f"/api/v1/catalog/items/{other['id']}", json={"sku": "PROD-001"}),
        409,
        "conflict",
    )
    # Partial update: a status change and a move to no category.
    r = admin.patch(
        f"/api/v1/catalog/items/{item['id']}", json={"status": "discontinued", "category_id": None}
    )
    assert r.status_code == 200 and (r.json()["status"], r.json()["category_id"]) == (
        "discontinued",
        None,
    )
    assert (
        admin.get("/api/v1/catalog/items", params={"status": "discontinued"}).json()["total"] == 1
    )
    # A category cannot be inside itself or its own descendant.
    body = expect_error(
        admin.patch(f"/api/v1/catalog/categories/{tools['id']}", json={"parent_id": drills["id"]}),
        422,
        "validation_error",
    )
    assert "parent_id" in body["details"]
    listed = admin.get("/api/v1/catalog/categories", params={"parent_id": tools["id"]}).json()
    assert [c["name"] for c in listed["items"]] == ["Drills"]


def test_catalog_permissions(admin: Api) -> None:
    viewer, _ = user_with_role(admin, "viewer")  # catalog:read
    assert viewer.get("/api/v1/catalog/items").status_code == 200
    expect_error(viewer.post("/api/v1/catalog/items", json=item_payload()), 403, "forbidden")
