"""Push over HTTP: at-most-once mutations, field-level merge, conflicts, rejections."""

from __future__ import annotations

import threading

import pytest

from common.ids import new_id
from tests.conftest import Api
from tests.factories import user_with_role
from tests.server.sync.test_pull import pull_all

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


class Replica:
    """A minimal stand-in for a desktop replica: numbers its mutations and pushes them."""

    def __init__(self, client: Api) -> None:
        self.client = client
        self.client_id = new_id()
        self.next_id = 1

    def mutation(self, **m: object) -> dict:
        m["mutation_id"] = self.next_id
        self.next_id += 1
        return m

    def push(self, *mutations: dict) -> dict:
        r = self.client.post(
            "/api/v1/sync/push", json={"client_id": self.client_id, "mutations": list(mutations)}
        )
        assert r.status_code == 200, r.text
        return r.json()


def _create(rep: Replica, **data: object) -> str:
    cid = new_id()
    body = {
        "name": "Acme",
        "email": f"{cid[-12:]}@acme.example",
        "currency": "USD",
        "credit_limit": 1000,
    } | data
    res = rep.push(rep.mutation(entity="customer", op="create", id=cid, data=body))
    assert res["results"][0]["status"] == "applied", res
    return cid


def test_create_update_command_delete(admin: Api) -> None:
    rep = Replica(admin)
    cid = _create(rep, phone="+1 555 0100")
    got = admin.get(f"/api/v1/customers/{cid}").json()
    assert got["id"] == cid and got["phone"] == "+15550100"
    v = got.get("version") or 0
    res = rep.push(
        rep.mutation(
            entity="customer",
            op="update",
            id=cid,
            base_version=v,
            changes={"phone": "+1 555 0200", "address": {"city": "Boston"}},
            base={"phone": "+15550100", "address": {"city": None}},
        ),
        rep.mutation(entity="customer", op="command", id=cid, command="deactivate", args={}),
    )
    assert [r["status"] for r in res["results"]] == ["applied", "applied"]
    assert res["results"][0]["version"] == res["results"][1]["version"]  # one batch, one commit
    got = admin.get(f"/api/v1/customers/{cid}").json()
    assert (
        got["phone"] == "+15550200"
        and got["address"]["city"] == "Boston"
        and got["active"] is False
    )
    changes, _, _ = pull_all(admin)
    pulled = next(c for c in changes if c["id"] == cid)
    res = rep.push(
        rep.mutation(entity="customer", op="delete", id=cid, base_version=pulled["version"])
    )
    assert res["results"][0]["status"] == "applied"
    assert admin.get(f"/api/v1/customers/{cid}").status_code == 404
    audit = admin.get(f"/api/v1/audit?entity=customer&entity_id={cid}&sort_order=asc").json()[
        "items"
    ]
    assert [a["action"] for a in audit] == ["create", "update", "deactivate", "delete"]


def test_a_retried_batch_is_applied_once(admin: Api) -> None:
    rep = Replica(admin)
    cid = new_id()
    batch = [
        rep.mutation(
            entity="customer",
            op="create",
            id=cid,
            data={
                "name": "Once",
                "email": "once@example.com",
                "currency": "EUR",
                "credit_limit": 0,
            },
        ),
        rep.mutation(entity="customer", op="command", id=cid, command="deactivate", args={}),
    ]
    first = rep.push(*batch)
    again = rep.push(*batch)  # the response was lost; the client sends the same batch
    assert again["results"] == first["results"]
    assert again["last_mutation_id"] == 2
    assert admin.get("/api/v1/customers", params={"search": "once@"}).json()["total"] == 1
    audit = admin.get(f"/api/v1/audit?entity=customer&entity_id={cid}").json()
    assert audit["total"] == 2


def test_the_same_batch_pushed_twice_at_once_applies_once(admin: Api) -> None:
    rep = Replica(admin)
    cids = [new_id() for _ in range(20)]
    batch = [
        rep.mutation(
            entity="customer",
            op="create",
            id=c,
            data={
                "name": f"C{i}",
                "email": f"c{i}@twice.example",
                "currency": "USD",
                "credit_limit": 5,
            },
        )
        for i, c in enumerate(cids)
    ]
    out: list[dict] = []

    def go() -> None:
        with Api(base_url=str(admin.base_url), headers=dict(admin.headers), timeout=60) as c:
            r = c.post("/api/v1/sync/push", json={"client_id": rep.client_id, "mutations": batch})
            out.append({"status": r.status_code, "body": r.json()})

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [o["status"] for o in out] == [200, 200]
    assert out[0]["body"]["results"] == out[1]["body"]["results"]
    assert admin.get("/api/v1/customers", params={"search": "@twice.example"}).json()["total"] == 20


def test_disjoint_fields_merge_and_same_field_conflicts(admin: Api) -> None:
    a, b = Replica(admin), Replica(admin)
    cid = _create(a, phone="+1 555 0100", company="Old Co", credit_limit=1000)
    base = {"phone": "+15550100", "company": "Old Co", "credit_limit": 1000}
    # A changes phone, B changes company: both survive, no conflict.
    assert (
        a.push(
            a.mutation(
                entity="customer",
                op="update",
                id=cid,
                changes={"phone": "+1 555 0111"},
                base={"phone": base["phone"]},
            )
        )["results"][0]["status"]
        == "applied"
    )
    assert (
        b.push(
            b.mutation(
                entity="customer",
                op="update",
                id=cid,
                changes={"company": "B Co"},
                base={"company": base["company"]},
            )
        )["results"][0]["status"]
        == "applied"
    )
    got = admin.get(f"/api/v1/customers/{cid}").json()
    assert got["phone"] == "+15550111" and got["company"] == "B Co"
    # Both change company (text: the later push wins, the loser is kept).
    res = a.push(
        a.mutation(
            entity="customer",
            op="update",
            id=cid,
            changes={"company": "A Co"},
            base={"company": "Old Co"},
        )
    )
    assert res["results"][0]["status"] == "conflict" and len(res["results"][0]["conflicts"]) == 1
    assert admin.get(f"/api/v1/customers/{cid}").json()["company"] == "A Co"
    # Both change money: never merged; the server value stays until the user chooses.
    a.push(
        a.mutation(
            entity="customer",
            op="update",
            id=cid,
            changes={"credit_limit": 2000},
            base={"credit_limit": 1000},
        )
    )
    res = b.push(
        b.mutation(
            entity="customer",
            op="update",
            id=cid,
            changes={"credit_limit": 3000},
            base={"credit_limit": 1000},
        )
    )
    assert res["results"][0]["status"] == "conflict"
    assert admin.get(f"/api/v1/customers/{cid}").json()["credit_limit"] == 2000
    conflicts = [c["data"] for c in pull_all(admin)[0] if c["entity"] == "conflict"]
    money = next(c for c in conflicts if c["field"] == "credit_limit")
    assert (money["base"], money["mine"], money["theirs"], money["applied"]) == (
        1000,
        3000,
        2000,
        "theirs",
    )
    assert (
        money["status"] == "open"
        and money["theirs_by"] == admin.get("/api/v1/auth/me").json()["id"]
    )
    # Resolving: the chosen value as an ordinary update, the conflict marked resolved.
    res = b.push(
        b.mutation(
            entity="customer",
            op="update",
            id=cid,
            changes={"credit_limit": 3000},
            base={"credit_limit": 2000},
        ),
        b.mutation(
            entity="conflict",
            op="update",
            id=money["id"],
            changes={"status": "resolved", "resolution": "mine"},
        ),
    )
    assert [r["status"] for r in res["results"]] == ["applied", "applied"]
    assert admin.get(f"/api/v1/customers/{cid}").json()["credit_limit"] == 3000
    resolved = next(c["data"] for c in pull_all(admin)[0] if c["id"] == money["id"])
    assert resolved["status"] == "resolved"


def test_delete_against_edit_and_edit_against_delete_are_conflicts(admin: Api) -> None:
    a, b = Replica(admin), Replica(admin)
    cid = _create(a)
    v0 = next(c for c in pull_all(admin)[0] if c["id"] == cid)["version"]
    a.push(
        a.mutation(
            entity="customer",
            op="update",
            id=cid,
            changes={"notes": "edited"},
            base={"notes": None},
        )
    )
    res = b.push(b.mutation(entity="customer", op="delete", id=cid, base_version=v0))
    assert res["results"][0]["status"] == "conflict"
    assert admin.get(f"/api/v1/customers/{cid}").json()["notes"] == "edited"  # not lost
    v1 = next(c for c in pull_all(admin)[0] if c["id"] == cid)["version"]
    assert (
        b.push(b.mutation(entity="customer", op="delete", id=cid, base_version=v1))["results"][0][
            "status"
        ]
        == "applied"
    )
    res = a.push(
        a.mutation(
            entity="customer",
            op="update",
            id=cid,
            changes={"notes": "too late"},
            base={"notes": "edited"},
        )
    )
    assert res["results"][0]["status"] == "conflict"
    assert admin.get(f"/api/v1/customers/{cid}").status_code == 404  # not resurrected


def test_rejections_are_acknowledged_and_never_block(admin: Api) -> None:
    rep = Replica(admin)
    viewer, _ = user_with_role(admin, "viewer")
    cid = new_id()
    res = rep.push(
        rep.mutation(
            entity="customer",
            op="create",
            id=cid,
            data={"name": "", "email": "bad", "currency": "XXX1"},
        ),
        rep.mutation(
            entity="customer",
            op="create",
            id=cid,
            data={
                "name": "Fine",
                "email": "fine@example.com",
                "currency": "USD",
                "total_purchases": 5,
            },
        ),
        rep.mutation(entity="nonsense", op="create", id=new_id(), data={}),
        rep.mutation(
            entity="customer",
            op="create",
            id=cid,
            data={"name": "Fine", "email": "fine@example.com", "currency": "USD"},
        ),
    )
    statuses = [r["status"] for r in res["results"]]
    assert statuses == ["rejected", "rejected", "rejected", "applied"], res
    first = res["results"][0]["error"]
    assert first["error"] == "validation_error" and {"name", "email", "currency"} <= set(
        first["details"]
    )
    assert (
        res["results"][1]["error"]["details"] == {"total_purchases": "Set by the server"}
        or "total_purchases" in res["results"][1]["error"]["details"]
    )
    assert res["last_mutation_id"] == 4
    # Someone without customers:write is refused per mutation, not per batch.
    vrep = Replica(viewer)
    res = vrep.push(
        vrep.mutation(
            entity="customer",
            op="create",
            id=new_id(),
            data={"name": "X", "email": "x@x.example", "currency": "USD"},
        )
    )
    assert (
        res["results"][0]["status"] == "rejected"
        and res["results"][0]["error"]["error"] == "forbidden"
    )


def test_gaps_and_foreign_client_ids(admin: Api) -> None:
    rep = Replica(admin)
    r = admin.post(
        "/api/v1/sync/push",
        json={
            "client_id": rep.client_id,
            "mutations": [
                {
                    "mutation_id": 3,
                    "entity": "customer",
                    "op": "command",
                    "id": new_id(),
                    "command": "activate",
                }
            ],
        },
    )
    assert r.status_code == 409 and r.json()["details"]["mutation_id"] == "expected 1"
    _create(rep)
    other, _ = user_with_role(admin, "admin")
    r = other.post("/api/v1/sync/push", json={"client_id": rep.client_id, "mutations": []})
    assert r.status_code == 403
    r = admin.post("/api/v1/sync/push", json={"client_id": "short", "mutations": []})
    assert r.status_code == 422


def test_unknown_ids_are_not_found_and_db_refusals_do_not_jam(admin: Api) -> None:
    rep = Replica(admin)
    res = rep.push(
        rep.mutation(
            entity="customer",
            op="update",
            id=new_id(),
            changes={"notes": "x"},
            base={"notes": None},
        ),
        rep.mutation(entity="conflict", op="update", id=new_id(), changes={"status": "resolved"}),
    )
    assert [r["status"] for r in res["results"]] == ["rejected", "rejected"]
    assert res["results"][0]["error"]["error"] == "not_found"
    cid = _create(rep)
    # Changing the billing country: the base the replica saw is the code it pulled.
    pulled = next(c for c in pull_all(admin)[0] if c["id"] == cid)
    assert pulled["data"]["address"] is None
    rep.push(
        rep.mutation(
            entity="customer",
            op="update",
            id=cid,
            changes={"address": {"country": "US", "city": "Austin"}},
            base={"address": {"country": None, "city": None}},
        )
    )
    pulled = next(c for c in pull_all(admin)[0] if c["id"] == cid)
    assert pulled["data"]["address"]["country"] == "US"
    res = rep.push(
        rep.mutation(
            entity="customer",
            op="update",
            id=cid,
            changes={"address": {"country": "DE"}},
            base={"address": {"country": pulled["data"]["address"]["country"]}},
        )
    )
    assert res["results"][0]["status"] == "applied", res
