"""Factories for the sales modules: catalog items, categories, orders and invoices made through the API."""

from __future__ import annotations

import itertools
from typing import Any

from tests.conftest import Api
from tests.factories import create_customer

_seq = itertools.count(1)
Body = dict[str, Any]


def _created(r: Any) -> Body:
    assert r.status_code == 201, r.text
    body: Body = r.json()
    return body


def category_payload(**overrides: Any) -> Body:
    return {"name": f"Category {next(_seq)}", **overrides}


def create_category(api: Api, **overrides: Any) -> Body:
    return _created(api.post("/api/v1/catalog/categories", json=category_payload(**overrides)))


def item_payload(**overrides: Any) -> Body:
    """The spec's item example, with a unique SKU."""
    n = next(_seq)
    return {
        "sku": f"PROD-{n:04d}",
        "name": f"Product {n}",
        "description": "Product description",
        "unit_price": 5000,
        "currency": "USD",
        "status": "active",
        **overrides,
    }


def create_item(api: Api, **overrides: Any) -> Body:
    return _created(api.post("/api/v1/catalog/items", json=item_payload(**overrides)))


def invoice_payload(customer_id: str, **overrides: Any) -> Body:
    """The spec's create example: two lines, 155000 cents."""
    return {
        "customer_id": customer_id,
        "due_date": "2099-02-15",
        "notes": "Thank you for your business",
        "lines": [
            {
                "description": "Consulting services",
                "quantity": 10,
                "unit_price": 15000,
                "currency": "USD",
            },
            {
                "description": "Software license",
                "quantity": 1,
                "unit_price": 5000,
                "currency": "USD",
            },
        ],
        **overrides,
    }


def create_invoice(api: Api, customer_id: str | None = None, **overrides: Any) -> Body:
    cid = customer_id or create_customer(api)["id"]
    return _created(api.post("/api/v1/invoices", json=invoice_payload(cid, **overrides)))


def order_payload(customer_id: str, item_id: str, **overrides: Any) -> Body:
    """The spec's create example."""
    return {
        "customer_id": customer_id,
        "shipping_address": {
            "street": "456 Oak St",
            "city": "Los Angeles",
            "state": "CA",
            "postal_code": "90001",
            "country": "US",
        },
        "lines": [{"item_id": item_id, "quantity": 5, "unit_price": 10000, "currency": "USD"}],
        **overrides,
    }


def create_order(api: Api, customer_id: str | None = None, **overrides: Any) -> Body:
    cid = customer_id or create_customer(api)["id"]
    item = create_item(api)
    return _created(api.post("/api/v1/orders", json=order_payload(cid, item["id"], **overrides)))


def command(api: Api, path: str, body: Body | None = None, method: str = "POST") -> Any:
    return api.request(method, path, json=body)
