"""Stock over sync: adjust and transfer are commands the server validates.

An adjustment made offline that would take stock below zero is rejected with the
REST error body (the replica undoes it and shows the reason); the records, their
movements and warehouses reach replicas like any other entity.
"""

from __future__ import annotations

from common.ids import new_id
from tests.conftest import Api
from tests.inventory_factories import create_warehouse, stock_of, stocked
from tests.server.sync.test_pull import pull_all
from tests.server.sync.test_push import Replica


def test_adjust_and_transfer_commands_are_validated_by_the_server(shared_admin: Api) -> None:
    item, source, record = stocked(shared_admin, 5)
    destination = create_warehouse(shared_admin)
    _, cursor, _ = pull_all(shared_admin)
    rep = Replica(shared_admin)
    sid = record["id"]

    def command(name: str, args: dict[str, object]) -> dict[str, object]:
        res = rep.push(rep.mutation(entity="stock", op="command", id=sid, command=name, args=args))
        result: dict[str, object] = res["results"][0]
        return result

    # Below zero offline: rejected with the conflict body, nothing moved
    refused = command("adjust", {"quantity": -6, "reason": "Counted offline"})
    assert refused["status"] == "rejected"
    error = refused["error"]
    assert isinstance(error, dict) and error["error"] == "conflict"
    assert "5 on hand" in error["message"]
    # Bad arguments: the schema's validation body
    bad = command("adjust", {"quantity": 0, "reason": "x"})
    assert bad["status"] == "rejected"
    assert isinstance(bad["error"], dict) and bad["error"]["error"] == "validation_error"
    # Within the rules: applied
    assert command("adjust", {"quantity": -2, "reason": "Broken"})["status"] == "applied"
    moved = command("transfer", {"to_warehouse_id": destination["id"], "quantity": 3})
    assert moved["status"] == "applied", moved
    assert (
        command("transfer", {"to_warehouse_id": destination["id"], "quantity": 1})["status"]
        == "rejected"
    )
    assert stock_of(shared_admin, item["id"], source["id"])["quantity"] == 0
    assert stock_of(shared_admin, item["id"], destination["id"])["quantity"] == 3
    # Replicas pull the records, the movements and the warehouses' totals
    changes, _, _ = pull_all(shared_admin, cursor)
    got = {(c["entity"], c["id"]): c["data"] for c in changes}
    assert got[("stock", sid)]["quantity"] == 0
    kinds = sorted(d["kind"] for (entity, _), d in got.items() if entity == "stock_movement" and d)
    assert kinds == ["adjust", "transfer_in", "transfer_out"]
    assert got[("warehouse", destination["id"])]["stock_total"] == 3
    # A replica cannot make stock records or movements, nor set quantities
    res = rep.push(rep.mutation(entity="stock", op="create", id=new_id(), data={}))
    assert res["results"][0]["status"] == "rejected"
    res = rep.push(
        rep.mutation(entity="stock", op="update", id=sid, changes={"quantity": 100}, base={})
    )
    assert res["results"][0]["status"] == "rejected"
    version = got[("stock", sid)]["version"]
    res = rep.push(
        rep.mutation(
            entity="stock",
            op="update",
            id=sid,
            changes={"low_stock_threshold": 2},
            base={"low_stock_threshold": None},
            base_version=version,
        )
    )
    assert res["results"][0]["status"] == "applied", res
    assert stock_of(shared_admin, item["id"], source["id"])["low"] is True
