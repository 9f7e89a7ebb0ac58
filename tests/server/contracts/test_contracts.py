"""Contracts over HTTP: the spec's examples exactly, and every lifecycle rule refused with the
documented body (on SQLite and PostgreSQL).

Permissions, 404s and the sync round trip come from the kit's generated checks
(tests/server/kit); these are the contracts' own shapes and rules.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.contract_factories import contract_payload, create_contract, create_party
from tests.factories import create_customer, expect_error

pytestmark = pytest.mark.engines

PATH = "/api/v1/contracts"
OBJECT_KEYS = {
    "id",
    "contract_type",
    "status",
    "party_id",
    "payment_terms",
    "delivery_terms",
    "validity_period",
    "credit_limit",
    "currency",
    "auto_renewal",
    "renewal_period_days",
    "renewal_count",
    "max_renewals",
    "version",
    "created_by",
    "created_at",
    "updated_at",
    "signed_at",
}


def _get(admin: Api, cid: str) -> dict[str, Any]:
    r = admin.get(f"{PATH}/{cid}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_spec_examples(admin: Api) -> None:
    supplier = create_party(admin)
    me = admin.get("/api/v1/auth/me").json()
    # POST /contracts with the spec's flat body answers 201 {data: {id}} and nothing else.
    r = admin.post(PATH, json=contract_payload(supplier["id"]))
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"data"} and set(r.json()["data"]) == {"id"}
    cid = r.json()["data"]["id"]
    # The object nests the terms and the validity period, as the list example shows.
    got = _get(admin, cid)
    assert set(got) == OBJECT_KEYS
    assert got["status"] == "draft" and got["contract_type"] == "supply"
    assert got["party_id"] == supplier["id"] and got["created_by"] == me["id"]
    assert got["payment_terms"] == {
        "payment_type": "credit",
        "credit_days": 30,
        "penalty_rate": None,
        "discount_rate": None,
        "currency": "UAH",
    }
    assert got["delivery_terms"] == {
        "delivery_type": "delivery",
        "estimated_days": 5,
        "shipping_cost": 0,
        "insurance": False,
        "shipping_currency": "UAH",
    }
    assert got["validity_period"] == {"start_date": "2026-01-15", "end_date": "2027-01-14"}
    assert (got["credit_limit"], got["currency"]) == (500000000, "UAH")
    assert (got["renewal_count"], got["signed_at"], got["auto_renewal"]) == (0, None, False)

    # PUT payment-terms: the spec's body; only what it names changes.
    r = admin.put(
        f"{PATH}/{cid}/payment-terms",
        json={"payment_type": "credit", "credit_days": 45, "currency": "UAH"},
    )
    assert r.status_code == 200, r.text
    r = admin.put(f"{PATH}/{cid}/payment-terms", json={"penalty_rate": 0.5, "discount_rate": 2})
    assert r.status_code == 200, r.text
    assert r.json()["payment_terms"] == {
        "payment_type": "credit",
        "credit_days": 45,
        "penalty_rate": 0.5,
        "discount_rate": 2,
        "currency": "UAH",
    }
    # PUT delivery-terms: the spec's body, then the rest of the object's fields.
    r = admin.put(
        f"{PATH}/{cid}/delivery-terms", json={"delivery_type": "delivery", "estimated_days": 7}
    )
    assert r.status_code == 200, r.text
    assert r.json()["delivery_terms"]["estimated_days"] == 7
    r = admin.put(
        f"{PATH}/{cid}/delivery-terms",
        json={"shipping_cost": 5000000, "insurance": True, "shipping_currency": "UAH"},
    )
    assert r.json()["delivery_terms"] == {
        "delivery_type": "delivery",
        "estimated_days": 7,
        "shipping_cost": 5000000,
        "insurance": True,
        "shipping_currency": "UAH",
    }
    # null clears an optional term; the rest of the contract is as it was.
    r = admin.put(f"{PATH}/{cid}/delivery-terms", json={"estimated_days": None})
    after = r.json()
    assert after["delivery_terms"]["estimated_days"] is None
    assert after["payment_terms"] == _get(admin, cid)["payment_terms"]
    assert after["validity_period"] == got["validity_period"]

    # Activate with the spec's signed_at; the list's example: status=active&contract_type=supply.
    r = admin.post(f"{PATH}/{cid}/activate", json={"signed_at": "2026-01-20T10:00:00+02:00"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    assert r.json()["signed_at"].startswith("2026-01-20T08:00:00")
    r = admin.get(PATH, params={"status": "active", "contract_type": "supply", "limit": 20})
    assert r.status_code == 200, r.text
    page = r.json()
    assert set(page) == {"data"} and set(page["data"]) == {
        "items",
        "next_cursor",
        "has_more",
        "limit",
    }
    assert [c["id"] for c in page["data"]["items"]] == [cid]
    assert page["data"]["items"][0] == _get(admin, cid)
    assert (page["data"]["next_cursor"], page["data"]["has_more"], page["data"]["limit"]) == (
        None,
        False,
        20,
    )
    # Renew (the spec's body) and terminate (the spec's reason).
    r = admin.post(f"{PATH}/{cid}/renew", json={"new_end_date": "2028-01-14"})
    assert r.status_code == 200, r.text
    assert r.json()["validity_period"]["end_date"] == "2028-01-14"
    assert r.json()["renewal_count"] == 1
    r = admin.post(f"{PATH}/{cid}/terminate", json={"reason": "Breach of terms"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "terminated"


def test_cursor_pages_and_filters(admin: Api) -> None:
    supplier = create_party(admin)
    partner = create_party(admin, "partners")
    employee = create_party(admin, "employees")
    customer = create_customer(admin)
    made = [
        create_contract(admin, supplier["id"])["id"],
        create_contract(admin, partner["id"], contract_type="partnership")["id"],
        create_contract(admin, employee["id"], contract_type="employment")["id"],
        create_contract(admin, customer["id"], contract_type="service")["id"],
        create_contract(admin, supplier["id"], contract_type="lease")["id"],
    ]
    # Pages of two follow the cursor in creation (UUIDv7) order, each id once.
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        data = admin.get(PATH, params=params).json()["data"]
        seen += [c["id"] for c in data["items"]]
        assert data["limit"] == 2 and data["has_more"] == (data["next_cursor"] is not None)
        if not data["has_more"]:
            break
        cursor = data["next_cursor"]
        assert cursor == data["items"][-1]["id"]
    assert seen == made
    # Filters: party, type, status.
    by_party = admin.get(PATH, params={"party_id": supplier["id"]}).json()["data"]["items"]
    assert [c["id"] for c in by_party] == [made[0], made[4]]
    by_type = admin.get(PATH, params={"contract_type": "employment"}).json()["data"]["items"]
    assert [c["id"] for c in by_type] == [made[2]]
    assert admin.get(PATH, params={"status": "active"}).json()["data"]["items"] == []
    # Bad filters and limits are the documented 422.
    expect_error(admin.get(PATH, params={"status": "signed"}), 422, "validation_error")
    expect_error(admin.get(PATH, params={"limit": 101}), 422, "validation_error")
    expect_error(admin.get(PATH, params={"contract_type": "loan"}), 422, "validation_error")


def test_every_lifecycle_rule_is_refused_with_the_error_body(admin: Api) -> None:
    supplier = create_party(admin)
    pid = supplier["id"]

    def refused(r: Any, status: int, code: str, field: str) -> None:
        body = expect_error(r, status, code)
        assert field in (body.get("details") or {}), body

    # Create: end before start; credit without credit_days (absent or 0); bad money and rates.
    refused(
        admin.post(PATH, json=contract_payload(pid, end_date="2026-01-14")),
        422,
        "validation_error",
        "end_date",
    )
    for days in (None, 0):
        body = contract_payload(pid, credit_days=days)
        refused(admin.post(PATH, json=body), 422, "validation_error", "credit_days")
    refused(
        admin.post(PATH, json=contract_payload(pid, credit_limit=-1)),
        422,
        "validation_error",
        "credit_limit",
    )
    refused(
        admin.post(PATH, json=contract_payload(pid, credit_limit=10.5)),
        422,
        "validation_error",
        "credit_limit",
    )
    refused(
        admin.post(PATH, json=contract_payload(pid, penalty_rate=0.125)),
        422,
        "validation_error",
        "penalty_rate",
    )
    refused(
        admin.post(PATH, json=contract_payload(pid, currency="XXX1")),
        422,
        "validation_error",
        "currency",
    )
    # The party: unknown is a 422; blacklisted gets no new contract (409).
    refused(
        admin.post(PATH, json=contract_payload("0193a2b4-0000-7000-8000-000000000000")),
        422,
        "validation_error",
        "party_id",
    )
    shady = create_party(admin)
    assert admin.patch(f"/api/v1/suppliers/{shady['id']}/blacklist").status_code == 200
    refused(admin.post(PATH, json=contract_payload(shady["id"])), 409, "conflict", "party_id")
    # Nothing was created by any of those.
    assert admin.get(PATH, params={"party_id": pid}).json()["data"]["items"] == []

    # Terminate is refused from draft; renew from anything but active.
    draft = create_contract(admin, pid)
    refused(
        admin.post(f"{PATH}/{draft['id']}/terminate", json={"reason": "Changed our mind"}),
        409,
        "conflict",
        "status",
    )
    refused(
        admin.post(f"{PATH}/{draft['id']}/renew", json={"new_end_date": "2030-01-01"}),
        409,
        "conflict",
        "status",
    )
    refused(
        admin.post(f"{PATH}/{draft['id']}/terminate", json={"reason": "  "}),
        422,
        "validation_error",
        "reason",
    )
    # Terms keep their rule: credit needs credit_days > 0, after a partial update too.
    refused(
        admin.put(f"{PATH}/{draft['id']}/payment-terms", json={"credit_days": None}),
        422,
        "validation_error",
        "credit_days",
    )
    refused(
        admin.put(f"{PATH}/{draft['id']}/payment-terms", json={"payment_type": None}),
        422,
        "validation_error",
        "payment_type",
    )
    ok = admin.put(
        f"{PATH}/{draft['id']}/payment-terms", json={"payment_type": "prepaid", "credit_days": None}
    )
    assert ok.status_code == 200 and ok.json()["payment_terms"]["credit_days"] is None
    assert _get(admin, draft["id"])["status"] == "draft"

    # Renew: a later end date only, and within max_renewals.
    active = create_contract(admin, pid, max_renewals=1)
    assert admin.post(f"{PATH}/{active['id']}/activate", json={}).status_code == 200
    refused(admin.post(f"{PATH}/{active['id']}/activate", json={}), 409, "conflict", "status")
    for same_or_earlier in ("2027-01-14", "2026-06-01"):
        refused(
            admin.post(f"{PATH}/{active['id']}/renew", json={"new_end_date": same_or_earlier}),
            422,
            "validation_error",
            "new_end_date",
        )
    assert (
        admin.post(f"{PATH}/{active['id']}/renew", json={"new_end_date": "2028-01-14"}).status_code
        == 200
    )
    refused(
        admin.post(f"{PATH}/{active['id']}/renew", json={"new_end_date": "2029-01-14"}),
        409,
        "conflict",
        "max_renewals",
    )
    kept = _get(admin, active["id"])
    assert (kept["renewal_count"], kept["validity_period"]["end_date"]) == (1, "2028-01-14")

    # Terminated: final. No activation, renewal, termination or terms change.
    assert (
        admin.post(
            f"{PATH}/{active['id']}/terminate", json={"reason": "Breach of terms"}
        ).status_code
        == 200
    )
    dead = active["id"]
    refused(admin.post(f"{PATH}/{dead}/activate", json={}), 409, "conflict", "status")
    refused(
        admin.post(f"{PATH}/{dead}/terminate", json={"reason": "Again"}), 409, "conflict", "status"
    )
    refused(
        admin.post(f"{PATH}/{dead}/renew", json={"new_end_date": "2031-01-01"}),
        409,
        "conflict",
        "status",
    )
    refused(
        admin.put(f"{PATH}/{dead}/delivery-terms", json={"estimated_days": 1}),
        409,
        "conflict",
        "status",
    )
    assert _get(admin, dead)["status"] == "terminated"
    # Unknown fields and a missing body are refused, never ignored.
    refused(
        admin.put(f"{PATH}/{draft['id']}/payment-terms", json={"credit_day": 5}),
        422,
        "validation_error",
        "credit_day",
    )
    expect_error(admin.post(f"{PATH}/{draft['id']}/renew"), 400, "bad_request")


def test_a_party_of_every_kind(admin: Api) -> None:
    for party in (
        create_customer(admin),
        create_party(admin, "partners"),
        create_party(admin, "employees"),
    ):
        assert create_contract(admin, party["id"])["party_id"] == party["id"]
