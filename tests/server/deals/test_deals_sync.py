"""Deals on replicas: pulled in cents, pushed through the same service, stage moves as commands."""

from __future__ import annotations

from common.ids import new_id
from tests.conftest import Api
from tests.factories import user_with_role
from tests.micro_factories import create_client, create_deal
from tests.server.sync.test_pull import pull_all
from tests.server.sync.test_push import Replica


def _deals(changes: list[dict]) -> dict[str, dict]:
    return {c["id"]: c["data"] for c in changes if c["entity"] == "deal" and c["op"] == "upsert"}


def test_pull_push_and_move_stage(admin: Api) -> None:
    client = create_client(admin)
    rest = create_deal(admin, client["id"], value=1234.5, stage="PROPOSAL")
    changes, cursor, _ = pull_all(admin)
    row = _deals(changes)[rest["id"]]
    assert row["value"] == 123450 and row["currency"] == "USD"
    assert row["client_id"] == client["id"] and row["probability"] == 50

    # An offline-made deal, then a drag to WON, then an edit.
    rep = Replica(admin)
    did = new_id()
    res = rep.push(
        rep.mutation(
            entity="deal",
            op="create",
            id=did,
            data={"title": "Offline deal", "client_id": client["id"], "value": 99_99},
        ),
        rep.mutation(
            entity="deal", op="command", id=did, command="move_stage", args={"stage": "WON"}
        ),
        rep.mutation(
            entity="deal",
            op="update",
            id=did,
            changes={"notes": "signed"},
            base={"notes": None},
        ),
        rep.mutation(
            entity="deal", op="command", id=did, command="move_stage", args={"stage": "LEAD"}
        ),
    )
    statuses = [r["status"] for r in res["results"]]
    assert statuses == ["applied", "applied", "applied", "rejected"]
    assert res["results"][3]["error"]["message"] == "A deal in stage WON cannot move to LEAD"
    got = admin.get(f"/api/v1/deals/{did}").json()["data"]
    assert (got["value"], got["stage"], got["probability"], got["notes"]) == (
        99.99,
        "WON",
        100,
        "signed",
    )
    assert got["closedAt"] is not None

    changes, _, _ = pull_all(admin, cursor)
    assert _deals(changes)[did]["stage"] == "WON"


def test_value_and_stage_are_never_merged_silently(admin: Api) -> None:
    client = create_client(admin)
    deal = create_deal(admin, client["id"], value=100)
    # Someone changes the value through the API while a replica edits it offline.
    admin.patch(f"/api/v1/deals/{deal['id']}", json={"value": 200})
    rep = Replica(admin)
    res = rep.push(
        rep.mutation(
            entity="deal",
            op="update",
            id=deal["id"],
            changes={"value": 150_00, "title": "Renamed"},
            base={"value": 100_00, "title": deal["title"]},
        )
    )
    result = res["results"][0]
    assert result["status"] == "conflict" and len(result["conflicts"]) == 1
    got = admin.get(f"/api/v1/deals/{deal['id']}").json()["data"]
    assert got["value"] == 200 and got["title"] == "Renamed"  # server value kept (manual)


def test_deals_need_their_permissions(admin: Api) -> None:
    viewer, _ = user_with_role(admin, "viewer")  # deals:read only
    client = create_client(admin)
    create_deal(admin, client["id"])
    changes, _, _ = pull_all(viewer)
    assert _deals(changes)
    rep = Replica(viewer)
    res = rep.push(
        rep.mutation(
            entity="deal", op="create", id=new_id(), data={"title": "x", "client_id": client["id"]}
        )
    )
    assert res["results"][0]["error"]["message"] == "Missing permission: deals:write"
    nobody, _ = user_with_role(admin, None)
    assert not _deals(pull_all(nobody)[0])


def test_a_customer_with_deals_is_not_deleted(admin: Api) -> None:
    client = create_client(admin)
    deal = create_deal(admin, client["id"])
    # The versions the replica pulled (a delete without one would be a delete of a
    # record it never saw: a conflict, docs/sync-protocol.md).
    seen = {c["id"]: c["version"] for c in pull_all(admin)[0] if c["op"] == "upsert"}
    rep = Replica(admin)
    res = rep.push(
        rep.mutation(
            entity="customer", op="delete", id=client["id"], base_version=seen[client["id"]]
        ),
        rep.mutation(entity="deal", op="delete", id=deal["id"], base_version=seen[deal["id"]]),
        rep.mutation(
            entity="customer", op="delete", id=client["id"], base_version=seen[client["id"]]
        ),
    )
    first, _, third = res["results"]
    assert first["status"] == "rejected" and first["error"]["error"] == "conflict"
    assert third["status"] == "applied"
    assert admin.get(f"/api/v1/customers/{client['id']}").status_code == 404


def test_the_declared_reference_answers_with_its_own_body(admin: Api) -> None:
    """Deals declare their customer reference (server/deals/__init__.py): the 409 says why."""
    client = create_client(admin)
    create_deal(admin, client["id"])
    seen = {c["id"]: c["version"] for c in pull_all(admin)[0] if c["op"] == "upsert"}
    rep = Replica(admin)
    res = rep.push(
        rep.mutation(
            entity="customer", op="delete", id=client["id"], base_version=seen[client["id"]]
        )
    )
    assert res["results"][0]["error"] == {
        "error": "conflict",
        "message": "A customer with deals cannot be deleted; delete its deals first",
        "details": {"deals": "This customer has deals"},
    }


def test_a_replica_moves_a_deal_to_another_client(admin: Api) -> None:
    first, second = create_client(admin), create_client(admin)
    deal = create_deal(admin, first["id"])
    rep = Replica(admin)
    res = rep.push(
        rep.mutation(
            entity="deal",
            op="update",
            id=deal["id"],
            changes={"client_id": second["id"]},
            base={"client_id": first["id"]},
        ),
        rep.mutation(
            entity="deal",
            op="update",
            id=deal["id"],
            changes={"client_id": new_id()},
            base={"client_id": second["id"]},
        ),
        rep.mutation(
            entity="deal",
            op="update",
            id=deal["id"],
            changes={"client_id": None},
            base={"client_id": second["id"]},
        ),
    )
    moved, unknown, cleared = res["results"]
    assert moved["status"] == "applied"
    assert unknown["status"] == "rejected" and unknown["error"]["details"] == {
        "client_id": "No such client"
    }
    assert cleared["status"] == "rejected"
    assert "Client cannot be cleared" in str(cleared["error"])
    got = admin.get(f"/api/v1/deals/{deal['id']}").json()["data"]
    assert got["client"]["id"] == second["id"]
    changes, _, _ = pull_all(admin)
    assert _deals(changes)[deal["id"]]["client_id"] == second["id"]
