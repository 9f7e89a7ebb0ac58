"""Every customer write leaves an audit record, a change-log entry and a higher row version."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.context import AppContext
from tests.conftest import Api
from tests.factories import country, create_customer


def _audit(admin: Api, entity: str, entity_id: str) -> list[dict[str, Any]]:
    r = admin.get(
        "/api/v1/audit",
        params={"entity": entity, "entity_id": entity_id, "sort_order": "asc", "limit": 100},
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _version(ctx: AppContext, table: str, row_id: str) -> int:
    with ctx.db.engine.connect() as conn:
        v = conn.scalar(sa.text(f"SELECT version FROM {table} WHERE id = :id"), {"id": row_id})
    assert v is not None
    return int(v)


def _log(ctx: AppContext, entity: str, entity_id: str) -> list[tuple[int, str]]:
    with ctx.db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT version, op FROM change_log WHERE entity = :e AND entity_id = :id "
                "ORDER BY version"
            ),
            {"e": entity, "id": entity_id},
        ).all()
    return [(int(v), op) for v, op in rows]


def test_every_write_is_audited_logged_and_versioned(admin: Api, ctx: AppContext) -> None:
    c = create_customer(admin, phone="+1-555-0100")
    cid = c["id"]
    versions = [_version(ctx, "customers", cid)]
    assert versions[0] > 0
    created = _audit(admin, "customer", cid)
    assert [a["action"] for a in created] == ["create"]
    assert created[0]["changes"]["email"] == [None, c["email"]]
    assert created[0]["changes"]["credit_limit"] == [None, 50000]

    ca = country(admin, "CA")
    writes: list[tuple[str, Any, str, dict[str, list[Any]]]] = [
        ("put", {"phone": "+1-555-0200"}, "update", {"phone": ["+15550100", "+15550200"]}),
        ("put", {"phone": None}, "update", {"phone": ["+15550200", None]}),
        ("put", {"credit_limit": 75000}, "update", {"credit_limit": [50000, 75000]}),
        (
            "put",
            {"address": {"city": "Boston", "region": None, "country": ca["id"]}},
            "update",
            {
                "address.city": ["New York", "Boston"],
                "address.region": ["NY", None],
                "address.country_id": [c["address"]["country_id"], ca["id"]],
            },
        ),
        ("patch", "deactivate", "deactivate", {"active": [True, False]}),
        ("patch", "activate", "activate", {"active": [False, True]}),
    ]
    for method, arg, action, expected in writes:
        if method == "put":
            r = admin.put(f"/api/v1/customers/{cid}", json=arg)
        else:
            r = admin.patch(f"/api/v1/customers/{cid}/{arg}")
        assert r.status_code == 200, r.text
        latest = _audit(admin, "customer", cid)[-1]
        assert latest["action"] == action
        for name, before_after in expected.items():
            assert latest["changes"][name] == before_after, (arg, latest)
        versions.append(_version(ctx, "customers", cid))
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    log = _log(ctx, "customer", cid)
    assert [v for v, _ in log] == versions
    assert {op for _, op in log} == {"upsert"}

    # The address row is a synced record of its own, with its own trail.
    address_id = c["address"]["id"]
    addr_audit = _audit(admin, "customer_address", address_id)
    assert [a["action"] for a in addr_audit] == ["create", "update"]
    assert addr_audit[1]["changes"]["city"] == ["New York", "Boston"]
    assert len(_log(ctx, "customer_address", address_id)) == 2


def test_removing_the_address_logs_a_delete(admin: Api, ctx: AppContext) -> None:
    c = create_customer(admin)
    r = admin.put(f"/api/v1/customers/{c['id']}", json={"address": None})
    assert r.status_code == 200, r.text
    assert _log(ctx, "customer_address", c["address"]["id"])[-1][1] == "delete"
    latest = _audit(admin, "customer", c["id"])[-1]
    assert latest["changes"]["address.city"] == ["New York", None]


def test_failed_writes_leave_no_trace(admin: Api, ctx: AppContext) -> None:
    c = create_customer(admin)
    before = _version(ctx, "customers", c["id"])
    assert admin.put(f"/api/v1/customers/{c['id']}", json={"credit_limit": -1}).status_code == 422
    assert admin.put(f"/api/v1/customers/{c['id']}", json={}).status_code == 200
    assert admin.patch(f"/api/v1/customers/{c['id']}/activate").status_code == 409
    assert _version(ctx, "customers", c["id"]) == before
    assert len(_audit(admin, "customer", c["id"])) == 1
