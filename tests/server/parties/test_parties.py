"""Suppliers, partners and employees: the spec's examples and the parties' own rules.

CRUD, partial updates, error bodies, permissions and the sync round trip of
each are generated from the declarations (tests/server/kit); these are the
rules the kit cannot know: required fields, blacklisting, email per kind,
employees' position.
"""

from __future__ import annotations

from typing import Any

import pytest

from common.ids import new_id
from tests.conftest import Api
from tests.factories import country, expect_error, user_with_role
from tests.server.sync.test_push import Replica

SUPPLIER = {  # the spec's POST /api/v1/suppliers body; the country id is this database's US
    "name": "SupplyCo",
    "tax_id": "US-987654321",
    "email": "sales@supplyco.com",
    "phone": "+1-555-0300",
    "address": {
        "street": "789 Industrial Rd",
        "city": "Chicago",
        "region": "IL",
        "postal_code": "60601",
        "country": "<US id>",
    },
    "website": "https://supplyco.example.com",
}


def _supplier(admin: Api, **overrides: Any) -> dict[str, Any]:
    body = {**SUPPLIER, "address": {**SUPPLIER["address"], "country": "US"}, **overrides}
    r = admin.post("/api/v1/suppliers", json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


@pytest.mark.engines
def test_the_spec_supplier_examples(admin: Api) -> None:
    us = country(admin, "US")
    # POST with the spec's body (its country id is this database's US).
    r = admin.post(
        "/api/v1/suppliers",
        json={**SUPPLIER, "address": {**SUPPLIER["address"], "country": us["id"]}},
    )
    assert r.status_code == 201, r.text
    s = r.json()
    assert (s["name"], s["email"], s["tax_id"], s["status"]) == (
        "SupplyCo",
        "sales@supplyco.com",
        "US-987654321",
        "active",
    )
    assert s["phone"] == "+15550300" and s["website"] == "https://supplyco.example.com"
    assert s["address"] == {
        "street": "789 Industrial Rd",
        "city": "Chicago",
        "region": "IL",
        "postal_code": "60601",
        "country_id": us["id"],
        "country_code": "US",
    }
    # PUT with the spec's body: email, phone and address.city change, nothing else.
    r = admin.put(
        f"/api/v1/suppliers/{s['id']}",
        json={
            "email": "new-sales@supplyco.com",
            "phone": "+1-555-0399",
            "address": {"city": "Indianapolis"},
        },
    )
    assert r.status_code == 200, r.text
    u = r.json()
    assert u["email"] == "new-sales@supplyco.com" and u["phone"] == "+15550399"
    assert u["address"] == {**s["address"], "city": "Indianapolis"}
    assert {
        k: v
        for k, v in u.items()
        if k not in ("email", "phone", "phone_display", "address", "updated_at")
    } == {
        k: v
        for k, v in s.items()
        if k not in ("email", "phone", "phone_display", "address", "updated_at")
    }
    assert admin.get(f"/api/v1/suppliers/{s['id']}").json() == u
    # Blacklist; then activation and edits are refused with 409, and nothing changes.
    r = admin.patch(f"/api/v1/suppliers/{s['id']}/blacklist")
    assert r.status_code == 200 and r.json()["status"] == "blacklisted", r.text
    body = expect_error(admin.patch(f"/api/v1/suppliers/{s['id']}/activate"), 409, "conflict")
    assert body["message"] == "A blacklisted supplier cannot be activated"
    expect_error(admin.patch(f"/api/v1/suppliers/{s['id']}/deactivate"), 409, "conflict")
    expect_error(admin.put(f"/api/v1/suppliers/{s['id']}", json={"name": "X"}), 409, "conflict")
    expect_error(admin.patch(f"/api/v1/suppliers/{s['id']}/blacklist"), 409, "conflict")
    assert admin.get(f"/api/v1/suppliers/{s['id']}").json()["status"] == "blacklisted"
    listed = admin.get("/api/v1/suppliers", params={"status": "blacklisted", "search": "supplyco"})
    assert [x["id"] for x in listed.json()["items"]] == [s["id"]]


@pytest.mark.parametrize(
    ("path", "missing"),
    [
        ("name", "name"),
        ("email", "email"),
        ("address", "address"),
        ("address.street", "address.street"),
        ("address.city", "address.city"),
        ("address.country", "address.country"),
    ],
)
def test_create_needs_the_required_fields(shared_admin: Api, path: str, missing: str) -> None:
    body: dict[str, Any] = {**SUPPLIER, "address": {**SUPPLIER["address"], "country": "US"}}
    if "." in path:
        body["address"].pop(path.split(".")[1])
    else:
        body.pop(path)
    details = expect_error(
        shared_admin.post("/api/v1/suppliers", json=body), 422, "validation_error"
    )
    assert missing in details["details"], details
    blank = {**SUPPLIER, "name": "  ", "address": {**SUPPLIER["address"], "city": " "}}
    details = expect_error(
        shared_admin.post("/api/v1/suppliers", json=blank), 422, "validation_error"
    )
    assert {"name", "address.city"} <= set(details["details"])


def test_update_clears_what_the_spec_makes_nullable_but_not_name_or_email(admin: Api) -> None:
    s = _supplier(admin)
    for field in ("name", "email"):
        body = expect_error(
            admin.put(f"/api/v1/suppliers/{s['id']}", json={field: None}), 422, "validation_error"
        )
        assert field in body["details"]
    r = admin.put(
        f"/api/v1/suppliers/{s['id']}",
        json={"tax_id": None, "website": None, "address": {"region": None, "state": None}},
    )
    assert r.status_code == 200, r.text
    u = r.json()
    assert u["tax_id"] is None and u["website"] is None and u["address"]["region"] is None
    assert u["address"]["city"] == "Chicago"
    u = admin.put(f"/api/v1/suppliers/{s['id']}", json={"address": None}).json()
    assert u["address"] is None
    u = admin.put(f"/api/v1/suppliers/{s['id']}", json={"address": {"country": "ca"}}).json()
    assert u["address"]["country_code"] == "CA" and u["address"]["street"] is None
    body = expect_error(
        admin.put(f"/api/v1/suppliers/{s['id']}", json={"address": {"country": "XX"}}),
        422,
        "validation_error",
    )
    assert "address.country" in body["details"]


def test_employees_have_a_position(shared_admin: Api) -> None:
    body = {
        "name": "John Smith",
        "tax_id": "SS-123456789",
        "position": "Sales Manager",
        "email": "john@acme.com",
        "phone": "+1-555-0500",
        "address": {"street": "555 Employee St", "city": "Portland", "country": "US"},
    }
    for bad in ({k: v for k, v in body.items() if k != "position"}, {**body, "position": " "}):
        details = expect_error(
            shared_admin.post("/api/v1/employees", json=bad), 422, "validation_error"
        )
        assert "position" in details["details"]
    e = shared_admin.post("/api/v1/employees", json=body).json()
    assert e["position"] == "Sales Manager"
    r = shared_admin.put(f"/api/v1/employees/{e['id']}", json={"position": "Senior Sales Manager"})
    assert r.json()["position"] == "Senior Sales Manager"
    assert (
        shared_admin.put(f"/api/v1/employees/{e['id']}", json={"position": None}).json()["position"]
        is None
    )
    # Suppliers and partners have no position.
    bad = {**SUPPLIER, "address": {**SUPPLIER["address"], "country": "US"}, "position": "x"}
    details = expect_error(
        shared_admin.post("/api/v1/suppliers", json=bad), 422, "validation_error"
    )
    assert details["details"] == {"position": "Unknown field"}


def test_email_is_unique_per_kind_and_each_kind_sees_only_its_own(admin: Api) -> None:
    s = _supplier(admin)
    body = expect_error(
        admin.post(
            "/api/v1/suppliers",
            json={
                **SUPPLIER,
                "email": "SALES@supplyco.com",
                "address": {**SUPPLIER["address"], "country": "US"},
            },
        ),
        409,
        "conflict",
    )
    assert "email" in body["details"]
    other = _supplier(admin, email="other@supplyco.com")
    expect_error(
        admin.put(f"/api/v1/suppliers/{other['id']}", json={"email": s["email"]}), 409, "conflict"
    )
    # A partner may share the supplier's email: the same company in two roles.
    p = admin.post(
        "/api/v1/partners",
        json={
            "name": "SupplyCo",
            "email": s["email"],
            "address": {"street": "1 A St", "city": "B", "country": "US"},
        },
    )
    assert p.status_code == 201, p.text
    expect_error(admin.get(f"/api/v1/partners/{s['id']}"), 404, "not_found")
    expect_error(admin.get(f"/api/v1/suppliers/{p.json()['id']}"), 404, "not_found")
    expect_error(admin.patch(f"/api/v1/employees/{s['id']}/blacklist"), 404, "not_found")
    partners = admin.get("/api/v1/partners").json()
    assert [x["id"] for x in partners["items"]] == [p.json()["id"]] and partners["total"] == 1


def test_status_commands_and_the_status_filter(admin: Api) -> None:
    a = _supplier(admin, name="Alpha Parts", email="a@parts.example")
    b = _supplier(admin, name="Beta Parts", email="b@parts.example")
    c = _supplier(admin, name="Gamma Tools", email="c@tools.example")
    expect_error(admin.patch(f"/api/v1/suppliers/{a['id']}/activate"), 409, "conflict")
    assert admin.patch(f"/api/v1/suppliers/{a['id']}/deactivate").json()["status"] == "inactive"
    expect_error(admin.patch(f"/api/v1/suppliers/{a['id']}/deactivate"), 409, "conflict")
    assert admin.patch(f"/api/v1/suppliers/{b['id']}/blacklist").json()["status"] == "blacklisted"

    def names(**params: Any) -> list[str]:
        r = admin.get("/api/v1/suppliers", params=params)
        assert r.status_code == 200, r.text
        return [x["name"] for x in r.json()["items"]]

    assert names(status="inactive") == ["Alpha Parts"]
    assert names(status="blacklisted") == ["Beta Parts"]
    assert names(status="active") == ["Gamma Tools"]
    assert names(search="PARTS") == ["Alpha Parts", "Beta Parts"]
    assert names(search="tools.example", status="active") == [c["name"]]
    assert names(sort_by="name", sort_order="desc", limit=1) == ["Gamma Tools"]
    expect_error(admin.get("/api/v1/suppliers", params={"status": "gone"}), 422, "validation_error")
    assert admin.patch(f"/api/v1/suppliers/{a['id']}/activate").json()["status"] == "active"


def test_parties_permissions(admin: Api) -> None:
    manager, _ = user_with_role(admin, "admin")  # parties:read, parties:write
    s = manager.post(
        "/api/v1/suppliers", json={**SUPPLIER, "address": {**SUPPLIER["address"], "country": "US"}}
    )
    assert s.status_code == 201, s.text
    assert manager.patch(f"/api/v1/suppliers/{s.json()['id']}/blacklist").status_code == 200
    viewer, _ = user_with_role(admin, "viewer")  # parties:read
    assert viewer.get("/api/v1/suppliers").status_code == 200
    body = expect_error(viewer.post("/api/v1/partners", json={}), 403, "forbidden")
    assert body["message"] == "Missing permission: parties:write"


def test_blacklisting_over_sync(admin: Api) -> None:
    rep = Replica(admin)
    sid = new_id()
    data = {**SUPPLIER, "address": {**SUPPLIER["address"], "country": "US"}}
    res = rep.push(
        rep.mutation(entity="supplier", op="create", id=sid, data=data),
        rep.mutation(entity="supplier", op="command", id=sid, command="blacklist", args={}),
        rep.mutation(entity="supplier", op="update", id=sid, changes={"phone": None}),
        rep.mutation(entity="supplier", op="command", id=sid, command="activate", args={}),
        rep.mutation(entity="supplier", op="command", id=sid, command="activate", args={"x": 1}),
        rep.mutation(entity="supplier", op="update", id=sid, changes={"status": "active"}),
    )
    statuses = [(r["status"], (r["error"] or {}).get("error")) for r in res["results"]]
    assert statuses == [
        ("applied", None),
        ("applied", None),
        ("rejected", "conflict"),
        ("rejected", "conflict"),
        ("rejected", "validation_error"),  # the command's argument schema refuses extras
        ("rejected", "validation_error"),  # status changes only by command
    ]
    got = admin.get(f"/api/v1/suppliers/{sid}").json()
    assert got["status"] == "blacklisted" and got["phone"] == "+15550300"
