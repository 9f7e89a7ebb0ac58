"""Orders over HTTP: lines from the catalog, server totals, the status table, invoicing an order,
server numbers, the customer's currency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import Api
from tests.factories import create_customer, expect_error
from tests.sales_factories import create_item, order_payload

pytestmark = pytest.mark.engines


def status(admin: Api, order_id: str, to: str):
    return admin.patch(f"/api/v1/orders/{order_id}/status", json={"status": to})


def test_order_lifecycle(admin: Api) -> None:
    customer = create_customer(admin)
    item = create_item(admin, unit_price=10000, tax_rate="vat_20")
    cheap = create_item(admin, unit_price=250)
    # The spec's example; a line without a price takes the item's, and its tax rate.
    body = order_payload(customer["id"], item["id"])
    body["lines"].append({"item_id": cheap["id"], "quantity": 4})
    r = admin.post("/api/v1/orders", json=body)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "draft" and order["customer_name"] == customer["name"]
    assert (
        order["shipping_address"]["region"] == "CA"
        and order["shipping_address"]["country_code"] == "US"
    )
    lines = order["lines"]
    assert [(x["quantity"], x["unit_price"], x["tax"]) for x in lines] == [
        (5, 10000, 10000),
        (4, 250, 0),
    ]
    assert (order["subtotal"], order["tax_total"], order["total"]) == (51000, 10000, 61000)
    # Lines change in draft only: replace them, keeping an id.
    r = admin.patch(
        f"/api/v1/orders/{order['id']}",
        json={"lines": [{"id": lines[1]["id"], "item_id": cheap["id"], "quantity": 2}]},
    )
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["lines"]] == [lines[1]["id"]] and r.json()["total"] == 500
    # The table: draft -> pending -> confirmed -> shipped -> delivered.
    expect_error(status(admin, order["id"], "shipped"), 409, "conflict")
    assert status(admin, order["id"], "pending").json()["status"] == "pending"
    before = admin.get(f"/api/v1/orders/{order['id']}").json()
    body = expect_error(
        admin.patch(f"/api/v1/orders/{order['id']}", json={"lines": []}), 409, "conflict"
    )
    assert "lines" in body["details"]
    assert admin.get(f"/api/v1/orders/{order['id']}").json() == before
    assert status(admin, order["id"], "confirmed").json()["status"] == "confirmed"
    # Invoice this order: a draft invoice of its lines, once.
    r = admin.post(f"/api/v1/orders/{order['id']}/invoice", json={"due_date": "2099-01-31"})
    assert r.status_code == 200, r.text
    invoice = admin.get(f"/api/v1/invoices/{r.json()['invoice_id']}").json()
    assert (invoice["order_id"], invoice["status"], invoice["total"], invoice["due_date"]) == (
        order["id"],
        "draft",
        500,
        "2099-01-31",
    )
    expect_error(admin.post(f"/api/v1/orders/{order['id']}/invoice"), 409, "conflict")
    assert status(admin, order["id"], "shipped").json()["status"] == "shipped"
    assert status(admin, order["id"], "delivered").json()["status"] == "delivered"
    for to in ("cancelled", "draft", "pending"):
        expect_error(status(admin, order["id"], to), 409, "conflict")
    expect_error(status(admin, order["id"], "lost"), 422, "validation_error")
    listed = admin.get(
        "/api/v1/orders", params={"status": "delivered", "customer_id": customer["id"]}
    )
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]


def test_order_rules(admin: Api) -> None:
    customer = create_customer(admin)
    item = create_item(admin)
    # Confirming needs a line; cancel from any state that is not final.
    empty = admin.post("/api/v1/orders", json={"customer_id": customer["id"]}).json()
    assert status(admin, empty["id"], "pending").status_code == 200
    body = expect_error(status(admin, empty["id"], "confirmed"), 409, "conflict")
    assert "lines" in body["details"]
    assert status(admin, empty["id"], "cancelled").json()["status"] == "cancelled"
    expect_error(admin.post(f"/api/v1/orders/{empty['id']}/invoice"), 409, "conflict")
    # Bad lines: quantity > 0, an item that exists and is active, one currency.
    discontinued = create_item(admin, status="discontinued")
    for line, field in (
        ({"item_id": item["id"], "quantity": 0}, "quantity"),
        ({"item_id": "01900000-0000-7000-8000-000000000000", "quantity": 1}, "item_id"),
        ({"item_id": discontinued["id"], "quantity": 1}, "item_id"),
        ({"item_id": item["id"], "quantity": 1, "currency": "EUR"}, "currency"),
        ({"quantity": 1}, "item_id"),
    ):
        body = expect_error(
            admin.post(
                "/api/v1/orders",
                json={"customer_id": customer["id"], "currency": "USD", "lines": [line]},
            ),
            422,
            "validation_error",
        )
        assert any(field in k for k in body["details"]), body
    body = order_payload(customer["id"], item["id"])
    body["shipping_address"]["country"] = "ZZ"
    expect_error(admin.post("/api/v1/orders", json=body), 422, "validation_error")
    # An inactive customer gets no new order.
    admin.patch(f"/api/v1/customers/{customer['id']}/deactivate")
    body = expect_error(
        admin.post("/api/v1/orders", json=order_payload(customer["id"], item["id"])),
        409,
        "conflict",
    )
    assert "inactive" in body["message"]
    assert admin.get("/api/v1/orders", params={"customer_id": customer["id"]}).json()["total"] == 1


def test_orders_are_numbered_by_the_server_gapless_and_found_by_number(admin: Api) -> None:
    customer = create_customer(admin)
    item = create_item(admin)
    year = datetime.now(UTC).year
    first = admin.post("/api/v1/orders", json=order_payload(customer["id"], item["id"])).json()
    # A refused create takes no number (its transaction gives it back).
    bad = order_payload(customer["id"], item["id"])
    bad["shipping_address"]["country"] = "ZZ"
    expect_error(admin.post("/api/v1/orders", json=bad), 422, "validation_error")
    # A number sent by a client is not the client's to choose.
    expect_error(
        admin.post(
            "/api/v1/orders", json={**order_payload(customer["id"], item["id"]), "number": "X-1"}
        ),
        422,
        "validation_error",
    )
    second = admin.post("/api/v1/orders", json=order_payload(customer["id"], item["id"])).json()
    assert (first["number"], second["number"]) == (f"ORD-{year}-001", f"ORD-{year}-002")
    assert admin.get(f"/api/v1/orders/{first['id']}").json()["number"] == f"ORD-{year}-001"
    # It never changes by an edit.
    expect_error(
        admin.patch(f"/api/v1/orders/{first['id']}", json={"number": "ORD-1999-999"}),
        422,
        "validation_error",
    )
    # The list searches and sorts by it.
    found = admin.get("/api/v1/orders", params={"search": f"{year}-002"}).json()
    assert [o["number"] for o in found["items"]] == [f"ORD-{year}-002"]
    ordered = admin.get("/api/v1/orders", params={"sort_by": "number", "sort_order": "asc"})
    assert [o["number"] for o in ordered.json()["items"]] == [f"ORD-{year}-001", f"ORD-{year}-002"]


def test_a_document_without_a_currency_is_in_its_customers(admin: Api) -> None:
    customer = create_customer(admin, currency="EUR")
    euro = create_item(admin, unit_price=900, currency="EUR")
    dollar = create_item(admin, unit_price=1000, currency="USD")
    # Neither the body nor a line names a currency: the customer's (DESIGN.md, spec example).
    order = admin.post(
        "/api/v1/orders",
        json={"customer_id": customer["id"], "lines": [{"item_id": euro["id"], "quantity": 2}]},
    )
    assert order.status_code == 201, order.text
    assert (order.json()["currency"], order.json()["total"]) == ("EUR", 1800)
    invoice = admin.post(
        "/api/v1/invoices",
        json={"customer_id": customer["id"],
              "lines": [{"description": "Setup", "quantity": 1, "unit_price": 5000}]},
    )  # fmt: skip
    assert invoice.status_code == 201, invoice.text
    assert invoice.json()["currency"] == "EUR"
    # An item priced in another currency cannot lend its price to the line: 422, nothing made.
    for path, line in (
        ("/api/v1/orders", {"item_id": dollar["id"], "quantity": 1}),
        ("/api/v1/invoices", {"item_id": dollar["id"], "quantity": 1}),
    ):
        body = expect_error(
            admin.post(path, json={"customer_id": customer["id"], "lines": [line]}),
            422,
            "validation_error",
        )
        assert "lines.0.unit_price" in body["details"], body
    listed = admin.get("/api/v1/orders", params={"customer_id": customer["id"]}).json()
    assert listed["total"] == 1
    # Lines that name a currency set it (the spec's example sends it per line).
    r = admin.post(
        "/api/v1/invoices",
        json={"customer_id": customer["id"],
              "lines": [{"description": "x", "quantity": 1, "unit_price": 1, "currency": "USD"}]},
    )  # fmt: skip
    assert r.json()["currency"] == "USD"
