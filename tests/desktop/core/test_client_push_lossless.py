"""No edit lost between the replica and the server: a field typed twice, an address seen
empty, deletes of records made here, creates with an address, a replica restored from an
older copy of its file — through the replica and the client against the real server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa

from common.sync import PushRequest, PushResponse
from desktop.core.client import SyncClient
from server.context import AppContext
from server.sync.models import SyncMutation
from tests.conftest import Api
from tests.desktop.core.conftest import ClientFactory
from tests.desktop.core.test_client_push_customers import new_customer

CUSTOMERS = "/api/v1/customers"
PUSH = "/api/v1/sync/push"


def server_row(admin: Api, cid: str) -> dict:
    r = admin.get(f"{CUSTOMERS}/{cid}")
    assert r.status_code == 200, r.text
    return r.json()


def test_a_field_edited_twice_before_it_syncs_keeps_the_last_edit(
    admin: Api, make_client: ClientFactory
) -> None:
    c = new_customer(admin, currency="USD")
    client = make_client()
    client.sync_once()
    client.replica.update(
        entity="customer", id=c["id"], changes={"currency": "eur", "phone": "+1 555 0200"}
    )
    client.push_pending()  # applied; not pulled yet, so the replica still shows "eur"
    assert admin.put(f"{CUSTOMERS}/{c['id']}", json={"notes": "called"}).status_code == 200
    client.replica.update(
        entity="customer", id=c["id"], changes={"currency": "UAH", "phone": "+44 20 7946 0958"}
    )
    assert client.replica.pending()[0].payload["base"]["currency"] == "eur"
    client.sync_once()
    got = server_row(admin, c["id"])
    assert (got["currency"], got["phone"], got["notes"]) == ("UAH", "+442079460958", "called")
    assert client.replica.conflict_results() == []
    assert client.replica.get(entity="customer", id=c["id"])["currency"] == "UAH"


def test_a_customer_created_here_and_edited_before_it_is_pulled(
    admin: Api, make_client: ClientFactory
) -> None:
    client = make_client()
    cid = client.replica.create(
        entity="customer",
        data={"name": "New Co", "email": "hello@new.example", "currency": "eur"},
    )
    client.push_pending()
    # The acknowledgement brought the record as the server made it, and its version.
    local = client.replica.get(entity="customer", id=cid)
    assert local["currency"] == "EUR" and local["credit_limit"] == 0
    assert client.replica.server_version(entity="customer", id=cid) == local["version"] > 0
    assert admin.put(f"{CUSTOMERS}/{cid}", json={"notes": "from the web"}).status_code == 200
    client.replica.update(
        entity="customer", id=cid, changes={"currency": "UAH", "credit_limit": 900}
    )
    client.sync_once()
    got = server_row(admin, cid)
    assert (got["currency"], got["credit_limit"], got["notes"]) == ("UAH", 900, "from the web")
    assert client.replica.conflict_results() == []


def push_first(admin: Api, client: SyncClient) -> None:
    """Push only the first pending mutation and take its answer (one batch of push_pending)."""
    request = PushRequest(
        client_id=client.replica.client_id,
        mutations=[m.to_wire() for m in client.replica.pending(limit=1)],
    )
    r = admin.post(PUSH, json=request.model_dump(mode="json"))
    assert r.status_code == 200, r.text
    answer = PushResponse.model_validate(r.json())
    client.replica.ack(results=answer.results, last_mutation_id=answer.last_mutation_id)


def test_edits_made_before_the_create_was_acknowledged_learn_its_base(
    admin: Api, make_client: ClientFactory
) -> None:
    client = make_client()
    cid = client.replica.create(
        entity="customer",
        data={"name": "Early", "email": "early@new.example", "addresses": [{"city": "Kyiv"}]},
    )
    # Fields the create left to the server: the replica cannot know what the user saw yet.
    client.replica.update(entity="customer", id=cid, changes={"currency": "EUR"})
    client.replica.update(entity="customer", id=cid, changes={"address": {"city": "Lviv"}})
    assert [m.payload["base"] for m in client.replica.pending()[1:]] == [{}, {}]
    push_first(admin, client)  # the create alone: its answer says what the server made
    assert [m.payload["base"] for m in client.replica.pending()] == [
        {"currency": "USD"},
        {"address": {"city": "Kyiv"}},
    ]
    assert admin.put(f"{CUSTOMERS}/{cid}", json={"notes": "meanwhile"}).status_code == 200
    client.sync_once()
    got = server_row(admin, cid)
    assert (got["currency"], got["address"]["city"], got["notes"]) == ("EUR", "Lviv", "meanwhile")
    assert client.replica.conflict_results() == []


def test_an_address_set_elsewhere_while_this_desktop_saw_none_is_a_conflict(
    admin: Api, make_client: ClientFactory
) -> None:
    c = new_customer(admin)
    assert c["address"] is None
    client = make_client()
    client.sync_once()
    r = admin.put(f"{CUSTOMERS}/{c['id']}", json={"address": {"city": "Kyiv"}})
    assert r.status_code == 200, r.text
    client.replica.update(entity="customer", id=c["id"], changes={"address": {"city": "Paris"}})
    client.sync_once()
    [(_, _, _, [conflict_id])] = client.replica.conflict_results()
    conflict = client.replica.get(entity="conflict", id=conflict_id)
    assert (conflict["field"], conflict["base"], conflict["mine"], conflict["theirs"]) == (
        "address.city",
        None,
        "Paris",
        "Kyiv",
    )


def test_deleting_a_customer_created_here_keeps_an_edit_made_elsewhere(
    admin: Api, make_client: ClientFactory
) -> None:
    client = make_client()
    cid = client.replica.create(entity="customer", data={"name": "Mine", "email": "m@m.example"})
    client.push_pending()
    assert admin.put(f"{CUSTOMERS}/{cid}", json={"notes": "keep me"}).status_code == 200
    client.replica.delete(entity="customer", id=cid)
    assert client.replica.pending()[0].payload["base_version"] is not None
    client.sync_once()
    assert server_row(admin, cid)["notes"] == "keep me"
    [(_, _, _, [conflict_id])] = client.replica.conflict_results()
    assert client.replica.get(entity="conflict", id=conflict_id)["field"] == "_deleted"
    assert client.replica.get(entity="customer", id=cid)["notes"] == "keep me"


def test_deleting_after_own_edits_that_were_not_pulled_is_no_conflict(
    admin: Api, make_client: ClientFactory
) -> None:
    c = new_customer(admin)
    client = make_client()
    client.sync_once()
    client.replica.update(entity="customer", id=c["id"], changes={"notes": "one"})
    client.push_pending()
    client.replica.command(entity="customer", id=c["id"], name="deactivate")
    client.push_pending()
    client.replica.delete(entity="customer", id=c["id"])
    client.sync_once()
    assert admin.get(f"{CUSTOMERS}/{c['id']}").status_code == 404
    assert client.replica.conflict_results() == []


def test_a_customer_created_here_with_an_address_reaches_the_server(
    admin: Api, make_client: ClientFactory
) -> None:
    client = make_client()
    cid = client.replica.create(
        entity="customer",
        data={
            "name": "Addressed",
            "email": "a@addressed.example",
            "addresses": [{"type": "billing", "city": "Kyiv", "country": "ua"}],
        },
    )
    client.sync_once()
    assert client.replica.rejections() == []
    address = server_row(admin, cid)["address"]
    assert (address["city"], address["country_code"]) == ("Kyiv", "UA")
    assert client.replica.get(entity="customer", id=cid)["address"]["city"] == "Kyiv"


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of a replica file in use (what a backup tool would take)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def test_a_replica_restored_from_an_older_copy_loses_no_new_edit(
    admin: Api,
    ctx: AppContext,
    make_client: ClientFactory,
    replica_path: Path,
    tmp_path: Path,
) -> None:
    c = new_customer(admin)
    client = make_client()
    client.sync_once()
    client.replica.update(entity="customer", id=c["id"], changes={"notes": "pending at backup"})
    backup = tmp_path / "backup.sqlite3"
    _copy(replica_path, backup)
    client.sync_once()  # mutation 1 applied
    client.replica.update(entity="customer", id=c["id"], changes={"company": "After Backup"})
    client.sync_once()  # mutation 2 applied
    client.close()
    client.replica.close()
    # The user restores the older copy: mutation 1 pending again, next number 2.
    _copy(backup, replica_path)
    restored: SyncClient = make_client()
    restored.replica.update(entity="customer", id=c["id"], changes={"tax_id": "UA-1"})
    restored.replica.update(entity="customer", id=c["id"], changes={"website": "https://x.ua"})
    assert [m.mutation_id for m in restored.replica.pending()] == [1, 2, 3]
    restored.sync_once()
    assert restored.replica.pending_count() == 0
    assert restored.replica.rejections() == [] and restored.replica.conflict_results() == []
    got = server_row(admin, c["id"])
    assert (got["notes"], got["company"], got["tax_id"], got["website"]) == (
        "pending at backup",
        "After Backup",
        "UA-1",
        "https://x.ua",
    )
    with ctx.unit_of_work() as s:
        ids = s.scalars(
            sa.select(SyncMutation.mutation_id)
            .where(SyncMutation.client_id == restored.replica.client_id)
            .order_by(SyncMutation.mutation_id)
        ).all()
    assert ids == [1, 2, 3, 4]  # the two new edits were renumbered after the server's 2
    local = restored.replica.get(entity="customer", id=c["id"])
    assert (local["tax_id"], local["website"], local["company"]) == (
        "UA-1",
        "https://x.ua",
        "After Backup",
    )
