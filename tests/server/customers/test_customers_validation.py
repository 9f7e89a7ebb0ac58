"""Every bad input is a 422 naming the bad field (or 404 for a missing id); never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.factories import country, create_customer, customer_payload, expect_error

MISSING_ID = "01972b15-8000-7000-8000-00000000dead"
BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"email": "not-an-email"}, "email"),
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "US"}, "currency"),
    ({"credit_limit": 100.0}, "credit_limit"),
    ({"credit_limit": 100.5}, "credit_limit"),
    ({"credit_limit": -1}, "credit_limit"),
    ({"credit_limit": "100"}, "credit_limit"),
    ({"credit_limit": True}, "credit_limit"),
    ({"credit_limit": 2**63}, "credit_limit"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"total_purchases": 100}, "total_purchases"),
    ({"total_purchases": None}, "total_purchases"),
    ({"phone": "12"}, "phone"),
    ({"website": "acme dot com"}, "website"),
    ({"social_media": {"twitter": 5}}, "social_media.twitter"),
    ({"nickname": "x"}, "nickname"),
]


@pytest.mark.parametrize(("bad", "field"), BAD_FIELDS)
def test_bad_create_field(admin: Api, bad: dict[str, Any], field: str) -> None:
    r = admin.post("/api/v1/customers", json=customer_payload(**bad))
    assert field in expect_error(r, 422, "validation_error")["details"]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        *BAD_FIELDS,
        ({"name": None}, "name"),
        ({"email": None}, "email"),
        ({"email": ""}, "email"),
        ({"currency": None}, "currency"),
        ({"credit_limit": None}, "credit_limit"),
        ({"address": {"country": "XX"}}, "address.country"),
        ({"address": {"country": MISSING_ID}}, "address.country"),
        ({"address": {"type": "shipping"}}, "address.type"),
        ({"address": {"state": "NY", "region": "MA"}}, "address"),
    ],
)
def test_bad_update_field(admin: Api, bad: dict[str, Any], field: str) -> None:
    c = create_customer(admin)
    r = admin.put(f"/api/v1/customers/{c['id']}", json=bad)
    assert field in expect_error(r, 422, "validation_error")["details"]
    # Nothing changed.
    assert admin.get(f"/api/v1/customers/{c['id']}").json() == c


def test_every_bad_field_is_named_at_once(admin: Api) -> None:
    r = admin.post(
        "/api/v1/customers",
        json=customer_payload(email="nope", currency="ABC", credit_limit=-5, name=""),
    )
    details = expect_error(r, 422, "validation_error")["details"]
    assert {"email", "currency", "credit_limit", "name"} <= set(details)


def test_unknown_country_in_create_names_the_address(admin: Api) -> None:
    r = admin.post(
        "/api/v1/customers",
        json=customer_payload(addresses=[{"type": "billing", "country": "XX"}]),
    )
    details = expect_error(r, 422, "validation_error")["details"]
    assert details == {"addresses.0.country": details["addresses.0.country"]}
    assert "XX" in details["addresses.0.country"]
    r = admin.post(
        "/api/v1/customers",
        json=customer_payload(addresses=[{"type": "home"}]),
    )
    assert "addresses.0.type" in expect_error(r, 422, "validation_error")["details"]
    r = admin.post(
        "/api/v1/customers",
        json=customer_payload(addresses=[{"type": "billing"}, {"type": "billing"}]),
    )
    assert "addresses" in expect_error(r, 422, "validation_error")["details"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort_by=password", "sort_by"),
        ("sort_by=id", "sort_by"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("limit=ten", "limit"),
        ("page=0", "page"),
        ("sort_order=up", "sort_order"),
        ("active=maybe", "active"),
    ],
)
def test_bad_list_query(admin: Api, query: str, field: str) -> None:
    r = admin.get(f"/api/v1/customers?{query}")
    assert field in expect_error(r, 422, "validation_error")["details"]


def test_missing_id_is_404(admin: Api) -> None:
    expect_error(admin.get(f"/api/v1/customers/{MISSING_ID}"), 404, "not_found")
    expect_error(admin.put(f"/api/v1/customers/{MISSING_ID}", json={}), 404, "not_found")
    expect_error(admin.put(f"/api/v1/customers/{MISSING_ID}", json={"name": "X"}), 404, "not_found")
    expect_error(admin.patch(f"/api/v1/customers/{MISSING_ID}/activate"), 404, "not_found")
    expect_error(admin.patch(f"/api/v1/customers/{MISSING_ID}/deactivate"), 404, "not_found")


def test_malformed_bodies_are_4xx(admin: Api) -> None:
    c = create_customer(admin)
    r = admin.post("/api/v1/customers", content=b"{", headers={"Content-Type": "application/json"})
    expect_error(r, 400, "bad_request")
    for body in ([], "x", 5, {"addresses": "x"}, {"address": "Boston"}, {"social_media": []}):
        r = admin.put(f"/api/v1/customers/{c['id']}", json=body)
        assert 400 <= r.status_code < 500, (body, r.text)
        assert r.json()["error"] in ("validation_error", "bad_request")


def test_inactive_country_is_refused_for_new_addresses(admin: Api) -> None:
    aq = country(admin, "AQ")
    assert admin.patch(f"/api/v1/countries/{aq['id']}/deactivate").status_code == 200
    c = create_customer(admin)
    r = admin.put(f"/api/v1/customers/{c['id']}", json={"address": {"country": "AQ"}})
    assert "not active" in expect_error(r, 422, "validation_error")["details"]["address.country"]
    r = admin.post("/api/v1/customers", json=customer_payload(addresses=[{"country": aq["id"]}]))
    assert "addresses.0.country" in expect_error(r, 422, "validation_error")["details"]
