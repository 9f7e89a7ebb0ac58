"""The administrator made at start: recovering an account never hands its old sessions admin power."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.app import build_context
from server.bootstrap import SUPER_ADMIN, ensure_admin
from server.context import AppContext
from server.users.models import User
from tests.conftest import ADMIN_EMAIL, Api, fast_passwords, make_settings

BOSS = "boss@example.com"


def test_recovering_an_account_as_admin_ends_the_sessions_it_had(
    ctx: AppContext, api: Api, db_url: str, tmp_path: Path
) -> None:
    # Someone registered the address the next administrator is to have, and is signed in.
    r = api.post(
        "/api/v1/auth/register",
        json={"email": BOSS, "password": "Registrant-pass-1", "name": "Early Bird"},
    )
    assert r.status_code == 201, r.text
    early = api.login(BOSS, "Registrant-pass-1")
    assert api.get("/api/v1/auth/me").status_code == 200
    # No super admin is left (deactivated straight in the database), and the server
    # restarts configured to recover BOSS as its administrator.
    with ctx.unit_of_work() as session:
        session.execute(sa.update(User).where(User.email == ADMIN_EMAIL).values(active=False))
    restarted = build_context(
        make_settings(
            db_url, tmp_path / "restart", admin_email=BOSS, admin_password="New-admin-pass-1"
        ),
        passwords=fast_passwords(),
    )
    try:
        result = ensure_admin(restarted)
    finally:
        restarted.db.dispose()
    assert result.created and result.email == BOSS
    # The registrant's session does not become an administrator's: it is over.
    assert api.get("/api/v1/users").status_code == 401
    r = api.post("/api/v1/auth/refresh", json={"refresh_token": early["refresh_token"]})
    assert r.status_code == 401, r.text
    # Whoever holds the configured password signs in as the administrator.
    api.login(BOSS, "New-admin-pass-1")
    me = api.get("/api/v1/auth/me").json()
    assert SUPER_ADMIN in str(me), me
    assert api.get("/api/v1/users").status_code == 200


@pytest.mark.engines
def test_processes_starting_at_once_make_one_admin_and_all_start(
    db_url: str, tmp_path: Path
) -> None:
    """Several servers started together on an empty database: none fails on a duplicate email."""
    contexts = [
        build_context(make_settings(db_url, tmp_path / f"p{n}"), passwords=fast_passwords())
        for n in range(4)
    ]
    start = threading.Barrier(len(contexts))

    def first_start(ctx: AppContext) -> bool:
        start.wait()
        return ensure_admin(ctx).created

    try:
        with ThreadPoolExecutor(len(contexts)) as pool:
            created = list(pool.map(first_start, contexts))
    finally:
        for ctx in contexts:
            ctx.db.dispose()
    assert sorted(created) == [False, False, False, True]
