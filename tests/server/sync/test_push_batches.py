"""Push applies a batch at once: records loaded per entity, no savepoint per mutation, and a
failing mutation makes the batch replay one mutation at a time, refused alone.

What the guarantees of docs/sync-protocol.md look like on that path: one mutation
failing in the middle of a batch, several mutations of one record, several entities
and references between them in one batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from common.ids import new_id
from server.audit.models import AuditRecord
from server.context import AppContext
from server.sync.models import ChangeLog, SyncMutation
from tests.conftest import Api
from tests.server.sync.test_pull import pull_all
from tests.server.sync.test_push import Replica

pytestmark = pytest.mark.engines  # savepoints, row locks and bulk statements differ per engine


@contextmanager
def statements(ctx: AppContext) -> Iterator[list[str]]:
    """The SQL the server sends while the block runs (the live server shares ``ctx``'s engine)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", record)


def _savepoints(seen: list[str]) -> int:
    return sum(1 for s in seen if s.lstrip().upper().startswith("SAVEPOINT"))


def _selects_of(seen: list[str], table: str) -> int:
    pattern = re.compile(rf"^\s*SELECT\b.*\bFROM {table}\b", re.IGNORECASE | re.DOTALL)
    return sum(1 for s in seen if pattern.search(s))


def _customer(rep: Replica, cid: str | None = None, **fields: object) -> dict:
    cid = cid or new_id()
    data = {"name": "Acme", "email": f"{cid[-12:]}@batch.example", "currency": "USD"} | fields
    return rep.mutation(entity="customer", op="create", id=cid, data=data)


def _notes(rep: Replica, cid: str, value: str, base: str | None = None) -> dict:
    return rep.mutation(
        entity="customer", op="update", id=cid, changes={"notes": value}, base={"notes": base}
    )


def _audit(ctx: AppContext, entity_id: str) -> list[str]:
    with ctx.db.session(write=False) as s:
        return list(
            s.scalars(
                sa.select(AuditRecord.action)
                .where(AuditRecord.entity_id == entity_id)
                .order_by(AuditRecord.created_at, AuditRecord.id)
            )
        )


def _log(ctx: AppContext, entity_id: str) -> list[tuple[int, str]]:
    with ctx.db.session(write=False) as s:
        rows = s.execute(
            sa.select(ChangeLog.version, ChangeLog.op)
            .where(ChangeLog.entity_id == entity_id)
            .order_by(ChangeLog.version)
        )
        return [(v, op) for v, op in rows]


def _stored(ctx: AppContext, client_id: str) -> list[tuple[int, str, int | None]]:
    with ctx.db.session(write=False) as s:
        rows = s.execute(
            sa.select(SyncMutation.mutation_id, SyncMutation.status, SyncMutation.version)
            .where(SyncMutation.client_id == client_id)
            .order_by(SyncMutation.mutation_id)
        )
        return [(m, st, v) for m, st, v in rows]


def test_a_batch_of_updates_is_loaded_at_once_without_a_savepoint_per_mutation(
    ctx: AppContext, admin: Api
) -> None:
    rep = Replica(admin)
    made = [_customer(rep) for _ in range(30)]
    rep.push(*made)
    cids = [m["id"] for m in made]
    batch = [_notes(rep, cid, f"note {i}") for i, cid in enumerate(cids)]
    with statements(ctx) as seen:
        res = rep.push(*batch)
    assert {r["status"] for r in res["results"]} == {"applied"}
    assert _savepoints(seen) == 1  # the batch's own, not one per mutation
    assert _selects_of(seen, "customers") == 1  # the 30 records in one query
    version = res["results"][0]["version"]
    assert {r["version"] for r in res["results"]} == {version}
    pulled = {c["id"]: c for c in pull_all(admin)[0] if c["entity"] == "customer"}
    for i, cid in enumerate(cids):
        # Written with the batch's version (no second UPDATE), logged once at it.
        assert pulled[cid]["version"] == version
        assert pulled[cid]["data"]["notes"] == f"note {i}"
        assert _log(ctx, cid)[-1] == (version, "upsert")
        assert _audit(ctx, cid) == ["create", "update"]
    assert [v for _, _, v in _stored(ctx, rep.client_id)][-30:] == [version] * 30


def test_a_mutation_failing_in_the_middle_is_refused_alone(ctx: AppContext, admin: Api) -> None:
    rep = Replica(admin)
    a, b, c = new_id(), new_id(), new_id()
    rep.push(_customer(rep, a), _customer(rep, b), _customer(rep, c, email="taken@batch.example"))
    d = new_id()
    batch = [
        _notes(rep, a, "a edited"),
        # Refused after it wrote: the service changes the address, then finds the email taken.
        rep.mutation(
            entity="customer",
            op="update",
            id=b,
            changes={"address": {"city": "Boston"}, "email": "taken@batch.example"},
            base={"address": None, "email": f"{b[-12:]}@batch.example"},
        ),
        _notes(rep, c, "c edited"),
        _customer(rep, d),
        _notes(rep, d, "d edited"),
    ]
    with statements(ctx) as seen:
        res = rep.push(*batch)
    assert [r["status"] for r in res["results"]] == [
        "applied",
        "rejected",
        "applied",
        "applied",
        "applied",
    ], res
    error = res["results"][1]["error"]
    assert error["error"] == "conflict" and error["details"] == {"email": "Already in use"}
    assert res["last_mutation_id"] == batch[-1]["mutation_id"]
    assert _savepoints(seen) > len(batch)  # the replay: one savepoint per mutation
    version = res["results"][0]["version"]
    assert all(r["version"] == version for i, r in enumerate(res["results"]) if i != 1)
    assert res["results"][1]["version"] is None
    # Nothing of the refused one, everything of the others, each once.
    got_b = admin.get(f"/api/v1/customers/{b}").json()
    assert got_b["address"] is None and got_b["email"] == f"{b[-12:]}@batch.example"
    assert admin.get(f"/api/v1/customers/{a}").json()["notes"] == "a edited"
    assert admin.get(f"/api/v1/customers/{c}").json()["notes"] == "c edited"
    assert admin.get(f"/api/v1/customers/{d}").json()["notes"] == "d edited"
    assert _audit(ctx, a) == ["create", "update"]
    assert _audit(ctx, b) == ["create"]
    assert _audit(ctx, d) == ["create", "update"]
    assert [op for v, op in _log(ctx, b) if v == version] == []
    assert _log(ctx, a)[-1] == (version, "upsert") and _log(ctx, d) == [(version, "upsert")]
    assert res["results"][3]["data"]["notes"] == "d edited"  # the create's record at `version`
    stored = _stored(ctx, rep.client_id)
    assert [m for m, _, _ in stored] == list(range(1, batch[-1]["mutation_id"] + 1))
    # A retry gets the stored answers and applies nothing again.
    again = rep.client.post(
        "/api/v1/sync/push", json={"client_id": rep.client_id, "mutations": batch}
    ).json()
    assert again["results"] == res["results"]
    assert _audit(ctx, a) == ["create", "update"] and _audit(ctx, d) == ["create", "update"]


def test_several_mutations_of_one_record_apply_in_order_each_audited(
    ctx: AppContext, admin: Api
) -> None:
    rep = Replica(admin)
    x, y = new_id(), new_id()
    rep.push(_customer(rep, y))
    res = rep.push(
        _customer(rep, x, notes="zero"),
        _notes(rep, x, "one", "zero"),
        _notes(rep, y, "y one"),
        _notes(rep, x, "two", "one"),
        rep.mutation(entity="customer", op="command", id=x, command="deactivate", args={}),
        rep.mutation(
            entity="customer",
            op="update",
            id=x,
            changes={"phone": "+1 555 0199", "address": {"city": "Kyiv"}},
            base={"phone": None, "address": None},
        ),
        _notes(rep, y, "y two", "y one"),
    )
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    assert len({r["version"] for r in res["results"]}) == 1
    got = admin.get(f"/api/v1/customers/{x}").json()
    assert got["notes"] == "two" and got["active"] is False
    assert got["phone"] == "+15550199" and got["address"]["city"] == "Kyiv"
    assert admin.get(f"/api/v1/customers/{y}").json()["notes"] == "y two"
    # One audit record per mutation, in the order they were made.
    assert _audit(ctx, x) == ["create", "update", "update", "deactivate", "update"]
    assert _audit(ctx, y) == ["create", "update", "update"]
    # The create's answer is the record as it stands at the batch's version.
    created = res["results"][0]["data"]
    assert created["notes"] == "two" and created["active"] is False
    assert created["version"] == res["results"][0]["version"]
    pulled = {c["id"]: c for c in pull_all(admin)[0] if c["entity"] == "customer"}
    assert pulled[x]["version"] == pulled[y]["version"] == res["results"][0]["version"]
    assert not [c for c in pull_all(admin)[0] if c["entity"] == "conflict"]


def test_create_update_and_delete_of_one_record_in_one_batch(ctx: AppContext, admin: Api) -> None:
    rep = Replica(admin)
    x = new_id()
    res = rep.push(
        _customer(rep, x),
        _notes(rep, x, "soon gone"),
        rep.mutation(entity="customer", op="delete", id=x, base_version=None),
    )
    assert [r["status"] for r in res["results"]] == ["applied"] * 3, res
    assert res["results"][0]["data"] is None  # the same batch deleted it
    assert admin.get(f"/api/v1/customers/{x}").status_code == 404
    version = res["results"][0]["version"]
    assert _log(ctx, x) == [(version, "delete")]  # a replica that had it drops it
    assert _audit(ctx, x) == ["create", "update", "delete"]  # one record per mutation


def test_mixed_entities_and_references_in_one_batch(ctx: AppContext, admin: Api) -> None:
    rep = Replica(admin)
    kept, gone, with_deal = new_id(), new_id(), new_id()
    old_deal = new_id()
    rep.push(
        _customer(rep, kept),
        _customer(rep, gone),
        _customer(rep, with_deal),
        rep.mutation(
            entity="deal",
            op="create",
            id=old_deal,
            data={"title": "Old", "client_id": with_deal, "value": 1000},
        ),
    )
    fresh, deal, supplier = new_id(), new_id(), new_id()
    batch = [
        _customer(rep, fresh),
        rep.mutation(
            entity="deal",
            op="create",
            id=deal,
            data={"title": "New", "client_id": fresh, "value": 500_000},
        ),
        rep.mutation(
            entity="supplier",
            op="create",
            id=supplier,
            data={
                "name": "SupplyCo",
                "email": f"{supplier[-12:]}@supply.example",
                "address": {"street": "1 Road", "city": "Lviv", "country": "UA"},
            },
        ),
        rep.mutation(
            entity="deal", op="update", id=old_deal, changes={"value": 2000}, base={"value": 1000}
        ),
        rep.mutation(entity="customer", op="delete", id=gone, base_version=None),
        rep.mutation(
            entity="deal", op="command", id=deal, command="move_stage", args={"stage": "WON"}
        ),
        rep.mutation(entity="supplier", op="command", id=supplier, command="deactivate", args={}),
        _notes(rep, kept, "still here"),
    ]
    with statements(ctx) as seen:
        res = rep.push(*batch)
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    assert _savepoints(seen) == 1  # applied at once, across entities
    assert admin.get(f"/api/v1/customers/{gone}").status_code == 404
    changes = {c["id"]: c for c in pull_all(admin)[0]}
    assert changes[deal]["data"]["stage"] == "WON" and changes[deal]["data"]["client_id"] == fresh
    assert changes[old_deal]["data"]["value"] == 2000
    assert changes[supplier]["data"]["status"] == "inactive"
    assert changes[kept]["data"]["notes"] == "still here"
    assert _audit(ctx, deal) == ["create", "move_stage"]
    assert _audit(ctx, supplier) == ["create", "deactivate"]
    assert _audit(ctx, gone) == ["create", "delete"]

    # Deleting a customer a deal points to is refused with the documented body: a deal made
    # in an earlier push, or earlier in the very same batch.
    other, other_deal = new_id(), new_id()
    refused = [
        rep.mutation(entity="customer", op="delete", id=with_deal, base_version=None),
        _customer(rep, other),
        rep.mutation(
            entity="deal",
            op="create",
            id=other_deal,
            data={"title": "Late", "client_id": other, "value": 1},
        ),
        rep.mutation(entity="customer", op="delete", id=other, base_version=None),
        _notes(rep, kept, "after the refusals", "still here"),
    ]
    res = rep.push(*refused)
    assert [r["status"] for r in res["results"]] == [
        "rejected",
        "applied",
        "applied",
        "rejected",
        "applied",
    ], res
    for i in (0, 3):
        assert res["results"][i]["error"] == {
            "error": "conflict",
            "message": "A customer with deals cannot be deleted; delete its deals first",
            "details": {"deals": "This customer has deals"},
        }
    assert admin.get(f"/api/v1/customers/{with_deal}").status_code == 200
    assert admin.get(f"/api/v1/customers/{other}").status_code == 200
    assert _audit(ctx, with_deal) == ["create"] and _audit(ctx, other) == ["create"]
    assert _audit(ctx, kept) == ["create", "update", "update"]
    stored = [m for m, _, _ in _stored(ctx, rep.client_id)]
    assert stored == list(range(1, refused[-1]["mutation_id"] + 1))


def test_a_record_and_one_pointing_to_it_edited_in_one_batch(ctx: AppContext, admin: Api) -> None:
    """Loading the batch's deals (with their customer) must not unload what the batch's
    customers were loaded with (their addresses)."""
    rep = Replica(admin)
    cid, did = new_id(), new_id()
    rep.push(
        _customer(rep, cid),
        rep.mutation(
            entity="deal", op="create", id=did, data={"title": "D", "client_id": cid, "value": 1}
        ),
    )
    res = rep.push(
        _notes(rep, cid, "with its deal"),
        rep.mutation(
            entity="deal", op="command", id=did, command="move_stage", args={"stage": "PROPOSAL"}
        ),
        rep.mutation(
            entity="customer",
            op="update",
            id=cid,
            changes={"address": {"city": "Odesa"}},
            base={"address": None},
        ),
    )
    assert [r["status"] for r in res["results"]] == ["applied"] * 3, res
    got = admin.get(f"/api/v1/customers/{cid}").json()
    assert got["notes"] == "with its deal" and got["address"]["city"] == "Odesa"
    assert _audit(ctx, cid) == ["create", "update", "update"]
    assert _audit(ctx, did) == ["create", "move_stage"]
