"""Push and the outbox against the real server: transport faults, rejections, renumbering.

Written before customers synced, so they use entities that need no business
module: conflict records (a user resolves their own with an ordinary update)
and an entity the server does not know, which it acknowledges as ``rejected``
— the path every refused edit takes. test_client_push_customers.py covers
creates, field merges and deletes of customers.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from common.ids import new_id
from desktop.core.client import Offline, PasswordTokenProvider, SyncClient
from server.context import AppContext
from server.sync.models import ChangeLog, SyncConflict, SyncMutation
from tests.desktop.core.conftest import ClientFactory, FaultyTransport

PUSH = "/api/v1/sync/push"
RESOLVED = {"status": "resolved", "resolution": "theirs"}


def make_conflict(ctx: AppContext, user_id: str) -> str:
    with ctx.unit_of_work() as s:
        c = SyncConflict(
            entity="customer",
            entity_id="00000000-0000-7000-8000-000000000001",
            field="phone",
            base="+1 555 0100",
            mine="+1 555 0200",
            theirs="+1 555 0300",
            applied="mine",
            user_id=user_id,
        )
        s.add(c)
        s.flush()
        return c.id


def server_conflict(ctx: AppContext, conflict_id: str) -> tuple[str, int, int]:
    """(status, version, change-log entries) of a conflict record on the server."""
    with ctx.unit_of_work() as s:
        c = s.get(SyncConflict, conflict_id)
        assert c is not None
        entries = s.scalar(sa.select(sa.func.count()).where(ChangeLog.entity_id == conflict_id))
        return c.status, c.version, int(entries or 0)


def stored_mutations(ctx: AppContext, client: SyncClient) -> list[tuple[int, str]]:
    with ctx.unit_of_work() as s:
        rows = s.execute(
            sa.select(SyncMutation.mutation_id, SyncMutation.status)
            .where(SyncMutation.client_id == client.replica.client_id)
            .order_by(SyncMutation.mutation_id)
        )
        return [(m, st) for m, st in rows]


@pytest.fixture
def conflict_id(ctx: AppContext, tokens: PasswordTokenProvider) -> str:
    assert tokens.user is not None
    return make_conflict(ctx, str(tokens.user["id"]))


def test_resolving_a_conflict_round_trips(
    ctx: AppContext, make_client: ClientFactory, conflict_id: str
) -> None:
    client = make_client()
    client.sync_once()
    before = client.replica.get(entity="conflict", id=conflict_id)
    assert before is not None and before["status"] == "open"
    client.replica.update(entity="conflict", id=conflict_id, changes=RESOLVED)
    assert client.replica.get(entity="conflict", id=conflict_id)["status"] == "resolved"
    assert client.replica.pending()[0].to_wire().base == {"status": "open", "resolution": None}
    client.sync_once()
    assert client.replica.pending_count() == 0
    status, version, _ = server_conflict(ctx, conflict_id)
    assert status == "resolved"
    after = client.replica.get(entity="conflict", id=conflict_id)
    assert after["status"] == "resolved" and after["version"] == version > before["version"]
    assert not client.replica.is_dirty(entity="conflict", id=conflict_id)
    assert stored_mutations(ctx, client) == [(1, "applied")]


def test_a_rejected_mutation_is_undone_and_never_jams_the_queue(
    ctx: AppContext, make_client: ClientFactory, conflict_id: str
) -> None:
    client = make_client()
    client.sync_once()
    widget = client.replica.create(entity="widget", data={"name": "Gadget"})
    client.replica.update(
        entity="conflict", id=conflict_id, changes={"status": "maybe"}
    )  # refused by validation
    client.replica.update(entity="conflict", id=conflict_id, changes={"resolution": "mine"})
    assert client.replica.get(entity="widget", id=widget) is not None
    client.sync_once()
    assert client.replica.pending_count() == 0
    assert client.replica.get(entity="widget", id=widget) is None  # undone locally
    local = client.replica.get(entity="conflict", id=conflict_id)
    assert (
        local["status"] == "open" and local["resolution"] == "mine"
    )  # the later edit went through
    rejections = client.replica.rejections()
    assert [(r.mutation_id, r.entity, r.error["error"]) for r in rejections] == [
        (1, "widget", "bad_request"),
        (2, "conflict", "validation_error"),
    ]
    assert rejections[0].error["message"] == "Unknown entity 'widget'"
    assert stored_mutations(ctx, client) == [(1, "rejected"), (2, "rejected"), (3, "applied")]
    # The queue goes on numbering after rejections.
    client.replica.create(entity="widget", data={"name": "Again"})
    client.sync_once()
    assert stored_mutations(ctx, client)[-1] == (4, "rejected")


def test_a_push_dropped_before_sending_keeps_the_outbox(
    ctx: AppContext, make_client: ClientFactory, faulty: FaultyTransport, conflict_id: str
) -> None:
    client = make_client(transport=faulty)
    client.sync_once()
    client.replica.update(entity="conflict", id=conflict_id, changes=RESOLVED)
    faulty.fail(PUSH, "drop")
    with pytest.raises(Offline, match="Cannot reach the server"):
        client.sync_once()
    assert client.replica.pending_count() == 1 and stored_mutations(ctx, client) == []
    assert server_conflict(ctx, conflict_id)[0] == "open"
    client.sync_once()
    assert client.replica.pending_count() == 0
    assert server_conflict(ctx, conflict_id)[0] == "resolved"


def test_a_503_keeps_the_outbox(
    ctx: AppContext, make_client: ClientFactory, faulty: FaultyTransport, conflict_id: str
) -> None:
    client = make_client(transport=faulty)
    client.sync_once()
    client.replica.update(entity="conflict", id=conflict_id, changes=RESOLVED)
    faulty.fail(PUSH, "503")
    with pytest.raises(Offline, match="503"):
        client.sync_once()
    assert client.replica.pending_count() == 1 and stored_mutations(ctx, client) == []
    client.sync_once()
    assert client.replica.pending_count() == 0 and stored_mutations(ctx, client) == [(1, "applied")]


def test_a_lost_response_is_retried_and_applied_once(
    ctx: AppContext, make_client: ClientFactory, faulty: FaultyTransport, conflict_id: str
) -> None:
    client = make_client(transport=faulty)
    client.sync_once()
    client.replica.update(entity="conflict", id=conflict_id, changes=RESOLVED)
    widget = client.replica.create(entity="widget", data={"name": "Gadget"})
    faulty.fail(PUSH, "lose")
    with pytest.raises(Offline):
        client.sync_once()
    # The server committed; the replica does not know it yet.
    assert stored_mutations(ctx, client) == [(1, "applied"), (2, "rejected")]
    _, version, entries = server_conflict(ctx, conflict_id)
    assert client.replica.pending_count() == 2
    # More edits meanwhile: the retry carries 1..3; 1 and 2 come back stored, 3 is new.
    client.replica.update(entity="conflict", id=conflict_id, changes={"resolution": "mine"})
    client.sync_once()
    assert stored_mutations(ctx, client) == [(1, "applied"), (2, "rejected"), (3, "applied")]
    _, new_version, new_entries = server_conflict(ctx, conflict_id)
    assert new_entries == entries + 1  # mutation 1 was not applied again; 3 changed it once
    assert [r.mutation_id for r in client.replica.rejections()] == [2]  # recorded once
    assert client.replica.get(entity="widget", id=widget) is None
    local = client.replica.get(entity="conflict", id=conflict_id)
    assert (local["status"], local["resolution"], local["version"]) == (
        "resolved",
        "mine",
        new_version,
    )
    assert new_version > version


def test_batches_go_in_mutation_id_order(
    ctx: AppContext, make_client: ClientFactory, faulty: FaultyTransport
) -> None:
    client = make_client(transport=faulty)
    for i in range(5):
        client.replica.create(entity="widget", data={"n": i})
    assert client.push_pending(batch_size=2) == 5
    assert [m for m, _ in stored_mutations(ctx, client)] == [1, 2, 3, 4, 5]
    assert [p for _, p, _ in faulty.seen].count(PUSH) == 3


def test_the_outbox_and_cursor_survive_a_restart(
    ctx: AppContext, make_client: ClientFactory, conflict_id: str
) -> None:
    first = make_client()
    first.sync_once()
    first.replica.create(entity="widget", data={"name": "before restart"})
    first.push_pending()
    first.replica.update(entity="conflict", id=conflict_id, changes=RESOLVED)
    cursor, client_id = first.replica.cursor, first.replica.client_id
    first.replica.close()  # the app quits with one edit pending
    first.close()

    second = make_client()
    assert (second.replica.cursor, second.replica.client_id) == (cursor, client_id)
    assert second.replica.pending_count() == 1
    assert second.replica.get(entity="conflict", id=conflict_id)["status"] == "resolved"
    second.sync_once()
    assert stored_mutations(ctx, second) == [(1, "rejected"), (2, "applied")]
    assert server_conflict(ctx, conflict_id)[0] == "resolved"


def test_an_outbox_numbered_ahead_of_the_server_is_renumbered_not_jammed(
    ctx: AppContext, make_client: ClientFactory, conflict_id: str
) -> None:
    """The server's data was replaced (or restored): it expects mutation 1 from this client."""
    client = make_client()
    client.sync_once()
    client.replica._conn.execute("UPDATE meta SET value = '57' WHERE key = 'next_mutation_id'")
    client.replica.update(entity="conflict", id=conflict_id, changes=RESOLVED)
    client.sync_once()
    assert client.replica.pending_count() == 0
    assert stored_mutations(ctx, client) == [(1, "applied")]
    assert server_conflict(ctx, conflict_id)[0] == "resolved"


@pytest.mark.postgres_only
def test_a_mutation_the_server_cannot_take_at_all_is_refused_locally(
    ctx: AppContext, make_client: ClientFactory, conflict_id: str
) -> None:
    """A mutation the server cannot take (here: NUL text for an unknown conflict, written
    straight into the outbox as an older client might) is rejected on its own; the queue
    does not jam and the mutations after it apply."""
    client = make_client()
    client.sync_once()
    client.replica.create(entity="widget", data={"name": "rejected by the server"})
    client.replica.create(entity="widget", data={"name": "replaced below"})
    # An update of a conflict the server does not have: its merge stores the changes.
    poison = '{"base":{},"base_version":null,"changes":{"status":"re\\u0000solved"}}'
    client.replica._conn.execute(
        "UPDATE outbox SET entity = 'conflict', op = 'update', id = ?, payload = ? "
        "WHERE mutation_id = 2",
        (new_id(), poison),
    )
    client.replica.update(entity="conflict", id=conflict_id, changes=RESOLVED)
    client.sync_once()
    assert client.replica.pending_count() == 0
    assert stored_mutations(ctx, client) == [(1, "rejected"), (2, "rejected"), (3, "applied")]
    assert server_conflict(ctx, conflict_id)[0] == "resolved"
    assert [(r.mutation_id, r.entity, r.error["error"]) for r in client.replica.rejections()] == [
        (1, "widget", "bad_request"),
        (2, "conflict", "not_found"),
    ]
    client.replica.create(entity="widget", data={"name": "numbering goes on"})
    client.sync_once()
    assert stored_mutations(ctx, client)[-1] == (4, "rejected")


def test_the_loop_pushes_a_local_edit_as_soon_as_it_is_woken(
    ctx: AppContext, make_client: ClientFactory, conflict_id: str
) -> None:
    import threading
    import time

    client = make_client()
    stop = threading.Event()
    loop = threading.Thread(target=client.run, args=(stop,), kwargs={"interval": 60}, daemon=True)
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while client.replica.get(entity="conflict", id=conflict_id) is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        client.replica.update(entity="conflict", id=conflict_id, changes=RESOLVED)
        client.wake()
        woken = time.monotonic()
        while client.replica.pending_count():
            assert time.monotonic() - woken < 3, "the edit was not pushed"
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(10)
    assert not loop.is_alive()
    assert server_conflict(ctx, conflict_id)[0] == "resolved"


def test_a_batch_refused_for_a_unique_key_is_narrowed_to_the_one_mutation(
    ctx: AppContext, make_client: ClientFactory, faulty: FaultyTransport, conflict_id: str
) -> None:
    """A database unique violation inside a push answers 409 for the whole batch (no
    ``details.mutation_id``); retrying the batch would fail forever."""
    client = make_client(transport=faulty)
    client.sync_once()
    clash = client.replica.create(entity="widget", data={"email": "taken@example.com"})
    client.replica.create(entity="widget", data={"name": "fine"})
    client.replica.update(entity="conflict", id=conflict_id, changes=RESOLVED)
    faulty.fail(PUSH, "409", times=2)  # the batch of three, then the first alone
    client.sync_once()
    assert client.replica.pending_count() == 0
    assert client.replica.get(entity="widget", id=clash) is None
    [local] = [r for r in client.replica.rejections() if r.id == clash]
    assert local.error == {
        "error": "conflict",
        "message": "The change conflicts with existing data",
    }
    assert stored_mutations(ctx, client) == [(1, "rejected"), (2, "applied")]
    assert [s for _, p, s in faulty.seen if p == PUSH] == [409, 409, 200]
