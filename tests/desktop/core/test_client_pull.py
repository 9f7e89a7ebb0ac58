"""Pulling into a replica from the real server: initial snapshot, resuming, incremental, reset."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from desktop.core.client import PasswordTokenProvider, SyncClient, UpgradeRequired
from desktop.core.replica import Replica
from server.context import AppContext
from server.users.models import User
from tests.conftest import Api, LiveServer
from tests.desktop.core.conftest import ClientFactory, FaultyTransport
from tests.factories import register


def server_rows(ctx: AppContext) -> dict[str, set[str]]:
    from server.users.models import Role

    with ctx.unit_of_work() as s:
        return {
            "user": set(s.scalars(sa.select(User.id))),
            "role": set(s.scalars(sa.select(Role.id))),
        }


def test_initial_sync_gets_every_user_and_role(
    ctx: AppContext, admin: Api, make_client: ClientFactory
) -> None:
    anon = Api(base_url=str(admin.base_url))
    for _ in range(4):
        register(anon)
    client = make_client()
    client.sync_once()
    expected = server_rows(ctx)
    assert {u["id"] for u in client.replica.list(entity="user")} == expected["user"]
    assert {r["id"] for r in client.replica.list(entity="role")} == expected["role"]
    assert {r["name"] for r in client.replica.list(entity="role")} >= {
        "super_admin",
        "admin",
        "viewer",
    }
    assert all("password_hash" not in u for u in client.replica.list(entity="user"))
    assert client.replica.cursor is not None and client.replica.last_sync_at is not None


def record_count(replica: Replica) -> int:
    with replica._lock:
        return int(replica._conn.execute("SELECT count(*) FROM records").fetchone()[0])


def test_an_interrupted_snapshot_resumes_from_the_file(
    admin: Api, server: LiveServer, tokens: PasswordTokenProvider, tmp_path: Path
) -> None:
    anon = Api(base_url=str(admin.base_url))
    for _ in range(5):
        register(anon)
    a_path, b_path = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    a = SyncClient(server.url, Replica(a_path), tokens, pull_limit=50)
    assert a.pull_until_done(max_pages=2) == 2  # then the app is killed
    assert record_count(a.replica) == 100
    a.replica.close()
    a.close()
    a = SyncClient(server.url, Replica(a_path), tokens, pull_limit=50)
    assert a.replica.cursor is not None  # resumes there, not from scratch
    assert a.pull_until_done() >= 2
    b = SyncClient(server.url, Replica(b_path), tokens, pull_limit=2000)
    b.pull_until_done()
    assert record_count(a.replica) == record_count(b.replica) > 100
    for entity in ("country", "user", "role"):
        assert a.replica.list(entity=entity) == b.replica.list(entity=entity)
    assert len(a.replica.list(entity="user")) == 6
    for c in (a, b):
        c.replica.close()
        c.close()


def test_a_server_change_shows_up_after_sync_once(admin: Api, make_client: ClientFactory) -> None:
    client = make_client()
    client.sync_once()
    uid = client.replica.list(entity="user")[0]["id"]
    r = admin.patch(f"/api/v1/users/{uid}", json={"name": "Renamed Elsewhere"})
    assert r.status_code == 200, r.text
    fresh = register(Api(base_url=str(admin.base_url)))
    client.sync_once()
    assert client.replica.get(entity="user", id=uid)["name"] == "Renamed Elsewhere"
    assert client.replica.get(entity="user", id=fresh["user"]["id"]) is not None


def test_a_replayed_page_is_harmless(
    admin: Api, make_client: ClientFactory, faulty: FaultyTransport
) -> None:
    """Killed between applying a page and saving its cursor: they are one transaction, so the
    worst case is that the page is pulled (and applied) again from the old cursor."""
    client = make_client()
    client.sync_once()
    cursor = client.replica.cursor
    register(Api(base_url=str(admin.base_url)))
    first = client.pull_page()
    state = client.replica.list(entity="user"), client.replica.cursor
    client.replica._conn.execute("UPDATE meta SET value = ? WHERE key = 'cursor'", (cursor,))
    second = client.pull_page()  # the same page again
    assert second.changes == first.changes
    assert (client.replica.list(entity="user"), client.replica.cursor) == state


def test_a_cursor_the_server_cannot_serve_restarts_with_a_snapshot(
    ctx: AppContext, admin: Api, make_client: ClientFactory
) -> None:
    from datetime import timedelta

    from server.db import utcnow
    from server.sync.service import compact

    client = make_client()
    client.sync_once()
    client.replica.create(entity="widget", data={"name": "pending"})  # survives the reset
    register(Api(base_url=str(admin.base_url)))
    with ctx.unit_of_work() as s:
        compact(session=s, older_than=utcnow() + timedelta(seconds=1))
    client.pull_until_done()
    assert {u["id"] for u in client.replica.list(entity="user")} == server_rows(ctx)["user"]
    assert client.replica.pending_count() == 1


def test_an_old_protocol_gets_a_clear_error(make_client: ClientFactory) -> None:
    client = make_client()
    client._http.headers["X-CRM-Sync-Protocol"] = "99"
    with pytest.raises(UpgradeRequired, match="update the app"):
        client.sync_once()
    assert client.replica.cursor is None  # nothing applied


def test_an_expired_access_token_is_refreshed(
    make_client: ClientFactory, tokens: PasswordTokenProvider
) -> None:
    tokens._access = "not-a-token"
    client = make_client()
    client.sync_once()
    assert client.replica.list(entity="user")
    assert tokens.access_token() != "not-a-token"


def test_the_loop_pulls_a_change_within_a_second_of_the_poke(
    admin: Api, make_client: ClientFactory
) -> None:
    client = make_client()
    stop = threading.Event()
    loop = threading.Thread(target=client.run, args=(stop,), kwargs={"interval": 60}, daemon=True)
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while client.replica.last_sync_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.replica.last_sync_at is not None
        time.sleep(0.5)  # the event stream is connected
        fresh = register(Api(base_url=str(admin.base_url)))
        changed = time.monotonic()
        while client.replica.get(entity="user", id=fresh["user"]["id"]) is None:
            assert time.monotonic() - changed < 3, "the poke did not wake the loop"
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(10)
    assert not loop.is_alive()


def test_the_loop_backs_off_while_offline_and_catches_up(
    make_client: ClientFactory, faulty: FaultyTransport
) -> None:
    faulty.fail("/api/v1/sync/pull", "drop", times=3)
    statuses = []
    client = make_client(transport=faulty)
    client.on_status = statuses.append
    stop = threading.Event()
    loop = threading.Thread(
        target=client.run,
        args=(stop,),
        kwargs={"interval": 60, "backoff_base": 0.05, "backoff_cap": 0.2, "listen": False},
        daemon=True,
    )
    loop.start()
    deadline = time.monotonic() + 10
    while not (statuses and statuses[-1].online) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    loop.join(10)
    assert [s.online for s in statuses] == [False, False, False, True]
    assert "Cannot reach the server" in (statuses[0].error or "")
    assert client.replica.list(entity="user")


def test_changes_made_during_an_interrupted_snapshot_arrive(
    ctx: AppContext, admin: Api, make_client: ClientFactory
) -> None:
    anon = Api(base_url=str(admin.base_url))
    for _ in range(5):
        register(anon)
    users = sorted(server_rows(ctx)["user"])
    first = make_client(pull_limit=50)
    while not first.replica.list(entity="role"):  # countries, customers, then roles, users
        first.pull_page()
    first.pull_limit = 2
    while first.replica.get(entity="user", id=users[0]) is None:
        first.pull_page()
    assert first.replica.get(entity="user", id=users[-1]) is None  # stopped mid-snapshot
    first.replica.close()
    # Meanwhile: a row already copied changes, a new one appears.
    r = admin.patch(f"/api/v1/users/{users[0]}", json={"name": "Changed Mid-Snapshot"})
    assert r.status_code == 200, r.text
    fresh = register(anon)
    resumed = make_client(pull_limit=2)
    resumed.pull_until_done()
    assert {u["id"] for u in resumed.replica.list(entity="user")} == server_rows(ctx)["user"]
    assert resumed.replica.get(entity="user", id=users[0])["name"] == "Changed Mid-Snapshot"
    assert resumed.replica.get(entity="user", id=fresh["user"]["id"]) is not None
