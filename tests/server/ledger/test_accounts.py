"""Accounts (spec section Accounts): unique codes, a tree of one type, the active flag, no delete."""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import expect_error
from tests.ledger_factories import create_account, entry, load_chart, post


def test_the_spec_example_and_the_type_filter(admin: Api) -> None:
    r = admin.post("/api/v1/accounts", json={"code": "1010", "name": "Cash", "type": "asset"})
    assert r.status_code == 201, r.text
    cash = r.json()
    assert (cash["currency"], cash["active"], cash["parent_id"]) == ("USD", True, None)
    create_account(admin, code="4000", name="Revenue", type="revenue")
    page = admin.get("/api/v1/accounts", params={"type": "asset", "page": 1, "limit": 20}).json()
    assert [a["code"] for a in page["items"]] == ["1010"] and page["total"] == 1
    expect_error(
        admin.post("/api/v1/accounts", json={"code": "1010", "name": "Again", "type": "asset"}),
        409,
        "conflict",
    )
    expect_error(admin.get("/api/v1/accounts", params={"type": "income"}), 422, "validation_error")


def test_a_parent_has_the_same_type_and_no_cycles(admin: Api) -> None:
    assets = create_account(admin, code="1000", name="Assets", type="asset")
    bank = create_account(admin, code="1020", name="Bank", type="asset", parent_id=assets["id"])
    assert bank["parent_id"] == assets["id"]
    body = expect_error(
        admin.post(
            "/api/v1/accounts",
            json={"code": "4100", "name": "Fees", "type": "revenue", "parent_id": assets["id"]},
        ),
        422,
        "validation_error",
    )
    assert "asset" in body["details"]["parent_id"]
    expect_error(
        admin.patch(f"/api/v1/accounts/{assets['id']}", json={"parent_id": bank["id"]}),
        422,
        "validation_error",
    )
    # A parent's type cannot change under its children.
    expect_error(
        admin.patch(f"/api/v1/accounts/{assets['id']}", json={"type": "expense"}), 409, "conflict"
    )
    listed = admin.get("/api/v1/accounts", params={"parent_id": assets["id"]}).json()
    assert [a["code"] for a in listed["items"]] == ["1020"]


def test_postings_freeze_type_and_currency_and_accounts_are_never_deleted(admin: Api) -> None:
    load_chart(admin)
    tx = post(admin, entry("1010", "4000", 100))
    cash = tx["lines"][0]["account_id"]
    for change in ({"type": "expense"}, {"currency": "EUR"}):
        expect_error(admin.patch(f"/api/v1/accounts/{cash}", json=change), 409, "conflict")
    renamed = admin.patch(f"/api/v1/accounts/{cash}", json={"name": "Till", "code": "1011"})
    assert renamed.status_code == 200 and renamed.json()["code"] == "1011", renamed.text
    assert admin.delete(f"/api/v1/accounts/{cash}").status_code == 405
    assert admin.patch(f"/api/v1/accounts/{cash}/deactivate").json()["active"] is False
    expect_error(admin.patch(f"/api/v1/accounts/{cash}/deactivate"), 409, "conflict")
    assert admin.patch(f"/api/v1/accounts/{cash}/activate").json()["active"] is True
    expect_error(
        admin.patch(f"/api/v1/accounts/{cash}", json={"active": False}), 422, "validation_error"
    )
