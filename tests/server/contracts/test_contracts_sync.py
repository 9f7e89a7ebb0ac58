"""Contracts on replicas: the flat row, an offline draft, transitions as server-validated
commands (a refused one comes back with the reason), and the scheduled job's changes pulled."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import FastAPI

from common.ids import new_id
from server.contracts.schedule import run_once
from tests.conftest import Api
from tests.contract_factories import contract_payload, create_contract, create_party
from tests.factories import create_customer
from tests.server.sync.test_pull import pull_all
from tests.server.sync.test_push import Replica

PATH = "/api/v1/contracts"


def _rows(changes: list[dict]) -> dict[str, dict]:
    return {
        c["id"]: c["data"] for c in changes if c["entity"] == "contract" and c["op"] == "upsert"
    }


def test_an_offline_draft_and_its_commands(admin: Api) -> None:
    supplier = create_party(admin)
    rep = Replica(admin)
    cid = new_id()
    # Given a draft made offline from the flat create body, then edited and submitted
    draft = contract_payload(supplier["id"], contract_type="service")
    res = rep.push(
        rep.mutation(entity="contract", op="create", id=cid, data=draft),
        rep.mutation(entity="contract", op="update", id=cid, changes={"credit_days": 60}, base={}),
        rep.mutation(entity="contract", op="command", id=cid, command="submit", args={}),
        rep.mutation(
            entity="contract",
            op="command",
            id=cid,
            command="activate",
            args={"signed_at": "2026-02-01T09:00:00+00:00"},
        ),
    )
    assert [r["status"] for r in res["results"]] == ["applied"] * 4, res
    got = admin.get(f"{PATH}/{cid}").json()
    assert got["status"] == "active" and got["payment_terms"]["credit_days"] == 60
    # Then the replica pulls it flat, as its form edits it.
    row = _rows(pull_all(admin)[0])[cid]
    assert (row["payment_type"], row["credit_days"], row["party_kind"]) == (
        "credit",
        60,
        "supplier",
    )
    assert (row["start_date"], row["end_date"], row["status"]) == (
        "2026-01-15",
        "2027-01-14",
        "active",
    )
    # A refused transition is acknowledged with the server's reason (the desktop undoes it).
    res = rep.push(
        rep.mutation(
            entity="contract", op="command", id=cid, command="terminate", args={"reason": "Late"}
        ),
        rep.mutation(entity="contract", op="command", id=cid, command="activate", args={}),
        rep.mutation(
            entity="contract",
            op="update",
            id=cid,
            changes={"party_id": supplier["id"], "start_date": "2026-01-01"},
            base={},
        ),
    )
    first, second, third = res["results"]
    assert first["status"] == "applied"
    assert second["status"] == "rejected" and second["error"]["error"] == "conflict"
    assert "terminated" in second["error"]["message"]
    assert third["status"] == "rejected" and third["error"]["details"]["start_date"]
    assert admin.get(f"{PATH}/{cid}").json()["status"] == "terminated"


def test_a_party_with_contracts_is_not_deleted(admin: Api) -> None:
    customer = create_customer(admin)
    create_contract(admin, customer["id"])
    seen = {c["id"]: c["version"] for c in pull_all(admin)[0] if c["op"] == "upsert"}
    rep = Replica(admin)
    res = rep.push(
        rep.mutation(
            entity="customer", op="delete", id=customer["id"], base_version=seen[customer["id"]]
        )
    )
    assert res["results"][0]["status"] == "rejected"
    assert res["results"][0]["error"]["details"] == {"contracts": "This customer has contracts"}


def test_the_job_expires_and_renews_and_replicas_pull_it(admin: Api, app: FastAPI) -> None:
    db = app.state.ctx.db
    pid = create_party(admin)["id"]
    today = date(2026, 3, 1)

    def active(**kw: object) -> str:
        made = create_contract(admin, pid, start_date="2025-01-01", **kw)
        assert admin.post(f"{PATH}/{made['id']}/activate", json={}).status_code == 200
        return str(made["id"])

    ended = active(end_date="2026-02-28")
    renews = active(end_date="2026-02-20", auto_renewal=True, renewal_period_days=30)
    spent = active(end_date="2026-02-20", auto_renewal=True, renewal_period_days=30, max_renewals=0)
    twice = active(end_date="2026-01-10", auto_renewal=True, renewal_period_days=30, max_renewals=5)
    running = active(end_date="2026-03-01")
    draft = create_contract(admin, pid, start_date="2025-01-01", end_date="2025-12-31")["id"]
    _, cursor, _ = pull_all(admin)

    result = run_once(db, on=today)
    assert result is not None
    assert sorted(result.expired) == sorted([ended, spent])
    assert sorted(result.renewed) == sorted([renews, twice])

    def state(cid: str) -> tuple[str, str, int]:
        c = admin.get(f"{PATH}/{cid}").json()
        return c["status"], c["validity_period"]["end_date"], c["renewal_count"]

    assert state(ended) == ("expired", "2026-02-28", 0)
    assert state(renews) == ("active", str(date(2026, 2, 20) + timedelta(days=30)), 1)
    assert state(spent) == ("expired", "2026-02-20", 0)
    assert state(twice) == ("active", str(date(2026, 1, 10) + timedelta(days=60)), 2)
    assert state(running)[0] == "active" and state(draft)[0] == "draft"
    # The changes reach replicas like any other: exactly these four, pulled after the cursor.
    changes, _, _ = pull_all(admin, cursor)
    assert set(_rows(changes)) == {ended, renews, spent, twice}
    assert _rows(changes)[ended]["status"] == "expired"
    # The audit says what the job did, with no actor.
    audit = admin.get("/api/v1/audit", params={"entity_id": ended}).json()["items"]
    assert any(a["action"] == "expire" and a["actor_id"] is None for a in audit), audit
    # A second run finds nothing left to do.
    assert run_once(db, on=today) is None
