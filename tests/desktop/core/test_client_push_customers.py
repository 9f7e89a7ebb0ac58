"""Push with the first business entity, ``customer``: offline creates, field merges,
conflicts, deletes against edits, commands, refusals and a lost response — through the
replica and the client against the real server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from desktop.core.client import Offline, SyncClient
from server.context import AppContext
from server.customers.models import Customer
from server.sync.models import SyncMutation
from tests.conftest import Api
from tests.desktop.core.conftest import ClientFactory, FaultyTransport

PUSH = "/api/v1/sync/push"


def new_customer(admin: Api, **fields: object) -> dict:
    r = admin.post(
        "/api/v1/customers",
        json={"name": "Acme", "email": "contact@acme.example", "phone": "+1 555 0100", **fields},
    )
    assert r.status_code == 201, r.text
    return r.json()


def stored(ctx: AppContext, client: SyncClient) -> list[tuple[int, str]]:
    with ctx.unit_of_work() as s:
        rows = s.execute(
            sa.select(SyncMutation.mutation_id, SyncMutation.status)
            .where(SyncMutation.client_id == client.replica.client_id)
            .order_by(SyncMutation.mutation_id)
        )
        return [(m, st) for m, st in rows]


def test_an_offline_create_reaches_the_server_with_its_own_id(
    admin: Api, make_client: ClientFactory
) -> None:
    client = make_client()
    client.sync_once()
    cid = client.replica.create(
        entity="customer", data={"name": "New Co", "email": "hello@new.example"}
    )
    assert client.replica.get(entity="customer", id=cid)["name"] == "New Co"
    assert client.replica.is_dirty(entity="customer", id=cid)
    client.sync_once()
    r = admin.get(f"/api/v1/customers/{cid}")
    assert r.status_code == 200 and r.json()["name"] == "New Co"
    local = client.replica.get(entity="customer", id=cid)
    assert local["version"] > 0 and local["active"] is True  # the server's row came back
    assert not client.replica.is_dirty(entity="customer", id=cid)


def test_different_fields_edited_on_two_sides_both_survive(
    admin: Api, make_client: ClientFactory
) -> None:
    c = new_customer(admin)
    client = make_client()
    client.sync_once()
    client.replica.update(entity="customer", id=c["id"], changes={"notes": "called on Monday"})
    r = admin.put(f"/api/v1/customers/{c['id']}", json={"company": "Acme Holdings"})
    assert r.status_code == 200, r.text
    client.sync_once()
    server = admin.get(f"/api/v1/customers/{c['id']}").json()
    assert (server["notes"], server["company"]) == ("called on Monday", "Acme Holdings")
    local = client.replica.get(entity="customer", id=c["id"])
    assert (local["notes"], local["company"]) == ("called on Monday", "Acme Holdings")
    assert client.replica.conflict_results() == []


def test_the_same_field_edited_on_two_sides_makes_a_conflict_record(
    admin: Api, make_client: ClientFactory
) -> None:
    c = new_customer(admin)
    client = make_client()
    client.sync_once()
    client.replica.update(entity="customer", id=c["id"], changes={"notes": "mine"})
    admin.put(f"/api/v1/customers/{c['id']}", json={"notes": "theirs"})
    client.sync_once()
    [(_, entity, entity_id, conflict_ids)] = client.replica.conflict_results()
    assert (entity, entity_id) == ("customer", c["id"]) and len(conflict_ids) == 1
    conflict = client.replica.get(entity="conflict", id=conflict_ids[0])
    assert conflict is not None
    assert (conflict["field"], conflict["mine"], conflict["theirs"]) == ("notes", "mine", "theirs")
    server_notes = admin.get(f"/api/v1/customers/{c['id']}").json()["notes"]
    assert client.replica.get(entity="customer", id=c["id"])["notes"] == server_notes


def test_a_command_runs_on_the_server(admin: Api, make_client: ClientFactory) -> None:
    c = new_customer(admin)
    client = make_client()
    client.sync_once()
    client.replica.command(entity="customer", id=c["id"], name="deactivate", args={})
    client.sync_once()
    assert admin.get(f"/api/v1/customers/{c['id']}").json()["active"] is False
    assert client.replica.get(entity="customer", id=c["id"])["active"] is False


def test_a_refused_create_is_undone_with_the_reason(
    ctx: AppContext, make_client: ClientFactory
) -> None:
    client = make_client()
    bad = client.replica.create(entity="customer", data={"name": "No Email", "email": "nope"})
    good = client.replica.create(
        entity="customer", data={"name": "Fine", "email": "ok@fine.example"}
    )
    client.sync_once()
    assert client.replica.get(entity="customer", id=bad) is None
    assert client.replica.get(entity="customer", id=good)["name"] == "Fine"
    [rejection] = client.replica.rejections()
    assert rejection.id == bad and rejection.error["error"] == "validation_error"
    assert stored(ctx, client) == [(1, "rejected"), (2, "applied")]


def test_a_lost_push_response_creates_the_customer_once(
    admin: Api, ctx: AppContext, make_client: ClientFactory, faulty: FaultyTransport
) -> None:
    client = make_client(transport=faulty)
    cid = client.replica.create(entity="customer", data={"name": "Once", "email": "once@x.example"})
    faulty.fail(PUSH, "lose")
    with pytest.raises(Offline):
        client.sync_once()
    assert client.replica.pending_count() == 1
    client.sync_once()
    assert stored(ctx, client) == [(1, "applied")]
    with ctx.unit_of_work() as s:
        assert list(s.scalars(sa.select(Customer.id).where(Customer.name == "Once"))) == [cid]
    assert client.replica.get(entity="customer", id=cid)["version"] > 0


def test_nested_address_fields_merge_one_by_one(admin: Api, make_client: ClientFactory) -> None:
    c = new_customer(admin, addresses=[{"type": "billing", "city": "New York"}])
    client = make_client()
    client.sync_once()
    client.replica.update(entity="customer", id=c["id"], changes={"address": {"city": "Boston"}})
    assert client.replica.pending()[0].payload["base"] == {"address": {"city": "New York"}}
    r = admin.put(f"/api/v1/customers/{c['id']}", json={"address": {"street": "1 Main St"}})
    assert r.status_code == 200, r.text
    client.sync_once()
    address = admin.get(f"/api/v1/customers/{c['id']}").json()["address"]
    assert (address["street"], address["city"]) == ("1 Main St", "Boston")
    local = client.replica.get(entity="customer", id=c["id"])["address"]
    assert (local["street"], local["city"]) == ("1 Main St", "Boston")
    assert client.replica.conflict_results() == []


def test_money_edited_on_two_sides_keeps_the_server_value_until_the_user_chooses(
    admin: Api, make_client: ClientFactory
) -> None:
    c = new_customer(admin, credit_limit=1000)
    client = make_client()
    client.sync_once()
    client.replica.update(entity="customer", id=c["id"], changes={"credit_limit": 5000})
    admin.put(f"/api/v1/customers/{c['id']}", json={"credit_limit": 2000})
    client.sync_once()
    assert admin.get(f"/api/v1/customers/{c['id']}").json()["credit_limit"] == 2000
    # The server row did not change from this push, so no pull resends it: the replica
    # must show the server value by itself, and the conflict offers both.
    assert client.replica.get(entity="customer", id=c["id"])["credit_limit"] == 2000
    [(_, _, _, [conflict_id])] = client.replica.conflict_results()
    conflict = client.replica.get(entity="conflict", id=conflict_id)
    assert (conflict["mine"], conflict["theirs"], conflict["applied"]) == (5000, 2000, "theirs")


def test_a_delete_on_one_desktop_and_an_edit_on_another(
    admin: Api, make_client: ClientFactory
) -> None:
    c = new_customer(admin)
    a, b = make_client(name="desktop-a"), make_client(name="desktop-b")
    a.sync_once()
    b.sync_once()
    b.replica.update(entity="customer", id=c["id"], changes={"notes": "offline edit"})
    a.replica.delete(entity="customer", id=c["id"])
    assert a.replica.get(entity="customer", id=c["id"]) is None
    a.sync_once()
    assert admin.get(f"/api/v1/customers/{c['id']}").status_code == 404
    assert a.replica.get(entity="customer", id=c["id"]) is None
    # B pulls the delete while its edit is pending: the edit stays visible until pushed.
    b.pull_until_done()
    assert b.replica.get(entity="customer", id=c["id"])["notes"] == "offline edit"
    b.sync_once()
    assert b.replica.get(entity="customer", id=c["id"]) is None
    [(_, _, _, [conflict_id])] = b.replica.conflict_results()
    conflict = b.replica.get(entity="conflict", id=conflict_id)
    assert conflict["field"] == "_deleted" and conflict["mine"] == {"notes": "offline edit"}
