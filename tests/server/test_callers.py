"""The caller in one statement, remembered between requests, and never past a logout or a change.

Every test first makes a request with the credential, so the server remembers
its caller, then changes something and expects the very next request refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from server.context import AppContext
from tests.conftest import Api
from tests.factories import create_customer, expect_error, role_id, user_with_role

pytestmark = pytest.mark.engines  # read through each engine's own statements


@contextmanager
def statements(ctx: AppContext) -> Iterator[list[tuple[str, bool | None]]]:
    """Each statement the server runs meanwhile, and whether its connection was in autocommit."""
    seen: list[tuple[str, bool | None]] = []

    def capture(conn: Any, _cur: Any, stmt: str, *_: Any) -> None:
        dbapi = conn.connection.dbapi_connection
        seen.append((stmt, getattr(dbapi, "autocommit", None)))

    sa.event.listen(ctx.db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        sa.event.remove(ctx.db.engine, "before_cursor_execute", capture)


def test_a_read_runs_one_statement_for_the_caller(ctx: AppContext, admin: Api) -> None:
    create_customer(admin)  # with an address in a country
    for _ in range(2):  # the first reads the user; the second only the session and version
        with statements(ctx) as seen:
            r = admin.get("/api/v1/customers?limit=20")
            assert r.status_code == 200, r.text
        callers = [s for s, _ in seen if "auth_sessions" in s]
        assert len(callers) == 1, seen
        assert [s for s, _ in seen if s.strip().upper() == "SELECT 1"] == []
        if ctx.db.dialect == "postgresql":
            assert all(auto for _, auto in seen), seen  # no BEGIN / ROLLBACK round trips
        else:  # SQLite's BEGIN is a call into the library, no round trip; it keeps one snapshot
            seen = [(s, auto) for s, auto in seen if s != "BEGIN"]
        assert len(seen) == 3, seen  # the caller, the page, the addresses with their countries


def test_logout_refuses_the_next_request(ctx: AppContext, admin: Api) -> None:
    user, _ = user_with_role(admin, "viewer")
    assert user.get("/api/v1/customers").status_code == 200
    assert user.post("/api/v1/auth/logout").status_code == 200
    expect_error(user.get("/api/v1/customers"), 401, "unauthorized")


def test_deactivation_refuses_the_next_request(ctx: AppContext, admin: Api) -> None:
    user, body = user_with_role(admin, "viewer")
    assert user.get("/api/v1/customers").status_code == 200
    r = admin.patch(f"/api/v1/users/{body['user']['id']}/deactivate")
    assert r.status_code == 200, r.text
    expect_error(user.get("/api/v1/customers"), 401, "unauthorized")


def test_a_lost_role_refuses_the_next_request(ctx: AppContext, admin: Api) -> None:
    user, body = user_with_role(admin, "viewer")
    assert user.get("/api/v1/customers").status_code == 200
    assert user.get("/api/v1/auth/me").json()["roles"] == ["viewer"]
    r = admin.delete(f"/api/v1/users/{body['user']['id']}/roles/{role_id(admin, 'viewer')}")
    assert r.status_code == 200, r.text
    expect_error(user.get("/api/v1/customers"), 403, "forbidden")
    assert user.get("/api/v1/auth/me").json()["roles"] == []
    # And a granted role works at once too.
    r = admin.post(
        f"/api/v1/users/{body['user']['id']}/roles", json={"role_id": role_id(admin, "viewer")}
    )
    assert r.status_code == 200, r.text
    assert user.get("/api/v1/customers").status_code == 200


def test_api_key_revoked_or_owner_changed_refuses_the_next_request(
    ctx: AppContext, admin: Api
) -> None:
    owner, body = user_with_role(admin, "admin")
    keys = []
    for name in ("revoked", "deactivated"):
        r = owner.post("/api/v1/api-keys", json={"name": name, "permissions": ["clients:read"]})
        assert r.status_code == 201, r.text
        keys.append(r.json())
    callers = [
        Api(base_url=str(admin.base_url), headers={"Authorization": f"Bearer {k['key']}"})
        for k in keys
    ]
    for c in callers:
        assert c.get("/api/v1/clients").status_code == 200
    assert owner.delete(f"/api/v1/api-keys/{keys[0]['id']}").status_code == 200
    assert callers[0].get("/api/v1/clients").status_code == 401
    assert callers[1].get("/api/v1/clients").status_code == 200
    r = admin.delete(f"/api/v1/users/{body['user']['id']}/roles/{role_id(admin, 'admin')}")
    assert r.status_code == 200, r.text
    assert callers[1].get("/api/v1/clients").status_code == 403  # the owner lost clients:read
    assert admin.patch(f"/api/v1/users/{body['user']['id']}/deactivate").status_code == 200
    assert callers[1].get("/api/v1/clients").status_code == 401
    for c in callers:
        c.close()


@pytest.mark.postgres_only
def test_connections_the_server_ended_are_replaced_without_an_error(
    ctx: AppContext, admin: Api, db_url: str
) -> None:
    """What the pre-ping protected against (a restart, an idle timeout), without its round trip."""
    for _ in range(3):
        assert admin.get("/api/v1/customers").status_code == 200
    killer = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    others = "datname = current_database() AND pid <> pg_backend_pid()"
    try:
        with killer.connect() as conn:
            ended = conn.scalar(
                sa.text(
                    f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {others}"
                )
            )
            assert ended, "the server had pooled connections"
            deadline = time.monotonic() + 10
            while conn.scalar(sa.text(f"SELECT count(*) FROM pg_stat_activity WHERE {others}")):
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        killer.dispose()
    assert admin.get("/api/v1/customers").status_code == 200  # a read
    create_customer(admin)  # a write
    assert admin.get("/api/v1/customers").json()["total"] == 1
