"""Customers over HTTP: create, read, the spec's partial-update examples, list, activation."""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import country, create_customer, customer_payload, expect_error


def test_create_returns_the_customer_with_its_addresses(admin: Api) -> None:
    r = admin.post("/api/v1/customers", json=customer_payload(name="Acme Corporation"))
    assert r.status_code == 201, r.text
    c = r.json()
    us = country(admin, "US")
    assert c["name"] == "Acme Corporation"
    assert c["phone"] == "+15550100" and c["phone_display"] == "+1 5550100"
    assert c["credit_limit"] == 50000 and c["total_purchases"] == 0
    assert c["currency"] == "USD" and c["active"] is True
    (addr,) = c["addresses"]
    assert addr["type"] == "billing"
    assert addr["region"] == "NY"  # state == region
    assert addr["country_id"] == us["id"] and addr["country_code"] == "US"
    assert c["address"] == addr
    assert admin.get(f"/api/v1/customers/{c['id']}").json() == c


def test_create_accepts_a_country_id_and_shipping_addresses(admin: Api) -> None:
    ua = country(admin, "UA")
    c = create_customer(
        admin,
        addresses=[
            {"type": "shipping", "city": "Lviv", "country": ua["id"]},
            {"type": "billing", "city": "Kyiv", "region": "Kyiv", "country": "ua"},
        ],
        currency="uah",
    )
    assert c["currency"] == "UAH"
    assert {a["type"]: a["country_code"] for a in c["addresses"]} == {
        "billing": "UA",
        "shipping": "UA",
    }
    assert c["address"]["city"] == "Kyiv"


def test_put_phone_changes_only_the_phone(admin: Api) -> None:
    c = create_customer(admin)
    r = admin.put(f"/api/v1/customers/{c['id']}", json={"phone": "+1-555-0200"})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["phone"] == "+15550200"
    assert {
        k: v for k, v in after.items() if k not in ("phone", "phone_display", "updated_at")
    } == {k: v for k, v in c.items() if k not in ("phone", "phone_display", "updated_at")}


def test_put_null_phone_clears_it(admin: Api) -> None:
    c = create_customer(admin)
    after = admin.put(f"/api/v1/customers/{c['id']}", json={"phone": None}).json()
    assert after["phone"] is None and after["phone_display"] is None
    assert after["name"] == c["name"] and after["address"] == c["address"]


def test_put_address_updates_city_clears_region_keeps_the_rest(admin: Api) -> None:
    c = create_customer(admin)
    r = admin.put(
        f"/api/v1/customers/{c['id']}", json={"address": {"city": "Boston", "region": None}}
    )
    assert r.status_code == 200, r.text
    addr = r.json()["address"]
    before = c["address"]
    assert addr["city"] == "Boston" and addr["region"] is None
    assert addr["street"] == before["street"] == "123 Main St"
    assert addr["postal_code"] == before["postal_code"] == "10001"
    assert addr["country_id"] == before["country_id"]
    assert addr["id"] == before["id"]


def test_the_full_put_example_with_a_country_id(admin: Api) -> None:
    c = create_customer(admin)
    ca = country(admin, "CA")
    body = {
        "name": "Acme Corporation Updated",
        "email": "new-contact@acme.com",
        "tax_id": "US-123456789",
        "phone": "+1-555-0200",
        "address": {
            "street": "456 Oak Ave",
            "city": "Boston",
            "region": "MA",
            "postal_code": "02101",
            "country": ca["id"],
        },
        "website": "https://acme.example.com",
        "social_media": {"twitter": "@acme"},
    }
    r = admin.put(f"/api/v1/customers/{c['id']}", json=body)
    assert r.status_code == 200, r.text
    u = r.json()
    assert u["name"] == "Acme Corporation Updated"
    assert u["email"] == "new-contact@acme.com"
    assert u["tax_id"] == "US-123456789"
    assert u["phone"] == "+15550200"
    assert u["website"] == "https://acme.example.com"
    assert u["social_media"] == {"twitter": "@acme"}
    assert u["address"] == {
        "id": c["address"]["id"],
        "type": "billing",
        "street": "456 Oak Ave",
        "city": "Boston",
        "region": "MA",
        "postal_code": "02101",
        "country_id": ca["id"],
        "country_code": "CA",
    }
    assert u["credit_limit"] == c["credit_limit"] and u["currency"] == c["currency"]
    assert admin.get(f"/api/v1/customers/{c['id']}").json() == u


def test_address_is_created_when_missing_and_null_removes_it(admin: Api) -> None:
    c = create_customer(admin, addresses=[])
    assert c["address"] is None
    r = admin.put(f"/api/v1/customers/{c['id']}", json={"address": {"state": "MA"}})
    assert r.status_code == 200, r.text
    assert r.json()["address"]["region"] == "MA"
    assert r.json()["address"]["country_id"] is None
    r = admin.put(f"/api/v1/customers/{c['id']}", json={"address": None})
    assert r.json()["address"] is None and r.json()["addresses"] == []


def test_duplicate_email_is_409(admin: Api) -> None:
    a = create_customer(admin)
    b = create_customer(admin)
    body = expect_error(
        admin.post("/api/v1/customers", json=customer_payload(email=a["email"].upper())),
        409,
        "conflict",
    )
    assert "email" in body["details"]
    expect_error(
        admin.put(f"/api/v1/customers/{b['id']}", json={"email": a["email"]}), 409, "conflict"
    )


def test_list_pages_sorts_searches_and_filters(admin: Api) -> None:
    made = [
        create_customer(
            admin,
            name=n,
            email=f"{n.split()[0].lower()}@example.org",
            company=co,
            credit_limit=cl,
            phone=ph,
        )
        for n, co, cl, ph in [
            ("Zeta Ltd", "Zeta Holdings", 300, "+44 20 7946 0958"),
            ("Alpha GmbH", None, 100, None),
            ("Beta LLC", "Acme Group", 200, "+49 30 901820"),
        ]
    ]
    admin.patch(f"/api/v1/customers/{made[0]['id']}/deactivate")
    r = admin.get("/api/v1/customers", params={"sort_by": "name", "limit": 2})
    page = r.json()
    assert [c["name"] for c in page["items"]] == ["Alpha GmbH", "Beta LLC"]
    assert (page["total"], page["page"], page["limit"], page["has_more"]) == (3, 1, 2, True)
    page2 = admin.get("/api/v1/customers?sort_by=name&limit=2&page=2").json()
    assert [c["name"] for c in page2["items"]] == ["Zeta Ltd"] and page2["has_more"] is False
    desc = admin.get("/api/v1/customers?sort_by=credit_limit&sort_order=desc").json()
    assert [c["credit_limit"] for c in desc["items"]] == [300, 200, 100]
    for term, expected in [
        ("ACME", {"Beta LLC"}),  # company, case-insensitive
        ("a gmb", {"Alpha GmbH"}),  # name
        ("7946", {"Zeta Ltd"}),  # phone
        ("ALPHA@EXAMPLE", {"Alpha GmbH"}),  # email
        ("100%", set()),  # LIKE wildcards are literal
    ]:
        found = admin.get("/api/v1/customers", params={"search": term}).json()["items"]
        assert {c["name"] for c in found} == expected, term
    active = admin.get("/api/v1/customers?active=false").json()["items"]
    assert [c["name"] for c in active] == ["Zeta Ltd"]


def test_activation(admin: Api) -> None:
    c = create_customer(admin)
    expect_error(admin.patch(f"/api/v1/customers/{c['id']}/activate"), 409, "conflict")
    r = admin.patch(f"/api/v1/customers/{c['id']}/deactivate")
    assert r.status_code == 200 and r.json()["active"] is False
    expect_error(admin.patch(f"/api/v1/customers/{c['id']}/deactivate"), 409, "conflict")
    assert admin.patch(f"/api/v1/customers/{c['id']}/activate").json()["active"] is True
