"""Push races and partial retries against the real server: each mutation applies once and
its outcome reaches the replica, whichever copy of a batch gets there first."""

from __future__ import annotations

import threading

import httpx
import pytest
import sqlalchemy as sa

from desktop.core.client import Offline, SyncClient
from server.audit.models import AuditRecord
from server.context import AppContext
from server.sync.models import SyncMutation
from tests.conftest import Api
from tests.desktop.core.conftest import ClientFactory, FaultyTransport

pytestmark = pytest.mark.engines  # behaviour depends on the database engine

PUSH = "/api/v1/sync/push"


class Together(httpx.HTTPTransport):
    """Holds each push until ``parties`` of them are ready, then lets them all go at once."""

    def __init__(self, barrier: threading.Barrier) -> None:
        super().__init__()
        self.barrier = barrier
        self.answers: list[dict[str, object]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == PUSH:
            self.barrier.wait(timeout=10)
        response = super().handle_request(request)
        if request.url.path == PUSH:
            response.read()
            self.answers.append(response.json())
        return response


def stored(ctx: AppContext, client: SyncClient) -> list[tuple[int, str]]:
    with ctx.unit_of_work() as s:
        rows = s.execute(
            sa.select(SyncMutation.mutation_id, SyncMutation.status)
            .where(SyncMutation.client_id == client.replica.client_id)
            .order_by(SyncMutation.mutation_id)
        )
        return [(m, st) for m, st in rows]


def audit_actions(ctx: AppContext, entity_id: str) -> list[str]:
    with ctx.unit_of_work() as s:
        return list(
            s.scalars(
                sa.select(AuditRecord.action)
                .where(AuditRecord.entity == "customer", AuditRecord.entity_id == entity_id)
                .order_by(AuditRecord.created_at, AuditRecord.id)
            )
        )


def test_the_same_batch_pushed_twice_at_once_applies_once(
    admin: Api, ctx: AppContext, make_client: ClientFactory
) -> None:
    """Two handles on one replica file (say, the app started twice) push the same outbox
    at the same moment, before the server has ever seen this client: one copy applies,
    the other waits and gets the stored results."""
    barrier = threading.Barrier(2)
    first, second = Together(barrier), Together(barrier)
    a, b = make_client(transport=first), make_client(transport=second)
    cid = a.replica.create(entity="customer", data={"name": "Twice", "email": "twice@x.example"})
    b.replica.command(entity="customer", id=cid, name="deactivate")
    errors: list[BaseException] = []

    def push(client: SyncClient) -> None:
        try:
            client.push_pending()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(c,)) for c in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert first.answers == second.answers  # the same results, stored once
    assert stored(ctx, a) == [(1, "applied"), (2, "applied")]
    assert audit_actions(ctx, cid) == ["create", "deactivate"]
    assert a.replica.pending_count() == 0 and b.replica.pending_count() == 0
    a.sync_once()
    server = admin.get(f"/api/v1/customers/{cid}").json()
    assert server["active"] is False
    assert a.replica.get(entity="customer", id=cid)["active"] is False


def test_retrying_part_of_a_lost_batch_keeps_the_rest_waiting_for_its_results(
    admin: Api, ctx: AppContext, make_client: ClientFactory, faulty: FaultyTransport
) -> None:
    """The server applied 1..3 but the answer was lost; the retry carries only mutation 1.
    Mutation 3 was refused: the replica must still learn that and undo it."""
    taken = admin.post("/api/v1/customers", json={"name": "Taken", "email": "taken@x.example"})
    mine = admin.post("/api/v1/customers", json={"name": "Mine", "email": "mine@x.example"})
    cid = mine.json()["id"]
    assert taken.status_code == mine.status_code == 201
    client = make_client(transport=faulty)
    client.sync_once()
    client.replica.update(entity="customer", id=cid, changes={"notes": "first"})
    client.replica.update(entity="customer", id=cid, changes={"company": "Mine Ltd"})
    client.replica.update(entity="customer", id=cid, changes={"email": "taken@x.example"})
    faulty.fail(PUSH, "lose")
    with pytest.raises(Offline):
        client.push_pending()
    assert stored(ctx, client) == [(1, "applied"), (2, "applied"), (3, "rejected")]
    assert client.push_pending(batch_size=1) == 3
    [rejection] = client.replica.rejections()
    assert (rejection.mutation_id, rejection.error["error"]) == (3, "conflict")
    local = client.replica.get(entity="customer", id=cid)
    assert local["email"] == "mine@x.example"  # undone: the server kept its own
    client.pull_until_done()
    assert client.replica.get(entity="customer", id=cid) == {
        **client.replica.get(entity="customer", id=cid),
        "notes": "first",
        "company": "Mine Ltd",
        "email": "mine@x.example",
    }


def test_a_value_retyped_in_another_spelling_shows_as_the_server_keeps_it(
    admin: Api, make_client: ClientFactory
) -> None:
    """The user types the phone the record already has, in another format: the server
    stores the same E.164 (no change), and the replica still ends up showing the server's."""
    r = admin.post(
        "/api/v1/customers",
        json={"name": "Acme", "email": "acme@x.example", "phone": "+44 20 7946 0958"},
    )
    cid = r.json()["id"]
    client = make_client()
    client.sync_once()
    client.replica.update(entity="customer", id=cid, changes={"phone": "+442079460958"})
    client.replica.update(entity="customer", id=cid, changes={"email": "ACME@X.EXAMPLE"})
    client.sync_once()
    server = admin.get(f"/api/v1/customers/{cid}").json()
    local = client.replica.get(entity="customer", id=cid)
    assert (
        (local["phone"], local["phone_display"], local["email"])
        == (
            server["phone"],
            server["phone_display"],
            server["email"],
        )
        == ("+442079460958", "+44 20 7946 0958", "acme@x.example")
    )
    assert not client.replica.is_dirty(entity="customer", id=cid)
