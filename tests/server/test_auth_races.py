"""Sign-in races over HTTP: concurrent refreshes, sign-ins racing a deactivation."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, LiveServer
from tests.factories import DEFAULT_PASSWORD, expect_error, user_with_role

pytestmark = pytest.mark.engines  # row locks (PostgreSQL) and the write lock (SQLite)

REFRESH = "/api/v1/auth/refresh"


def _me(server: LiveServer, access_token: str) -> int:
    r = httpx.get(
        f"{server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {access_token}"}
    )
    return r.status_code


def _refresh_at_once(server: LiveServer, token: str, n: int) -> list[httpx.Response]:
    barrier = threading.Barrier(n)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            barrier.wait()
            return client.post(REFRESH, json={"refresh_token": token})

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_concurrent_refreshes_of_one_token_all_get_the_same_new_pair(
    api: Api, server: LiveServer
) -> None:
    first = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    answers = _refresh_at_once(server, first["refresh_token"], 4)
    assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
    pairs = {(r.json()["access_token"], r.json()["refresh_token"]) for r in answers}
    assert len(pairs) == 1
    access, refresh = pairs.pop()
    assert refresh != first["refresh_token"]
    # The user stays signed in: the new access token works, the new refresh token rotates.
    assert _me(server, access) == 200
    r = api.post(REFRESH, json={"refresh_token": refresh})
    assert r.status_code == 200, r.text
    assert _me(server, r.json()["access_token"]) == 200


def test_a_refresh_repeated_within_the_grace_window_gets_the_same_pair(api: Api) -> None:
    first = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    a = api.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    b = api.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert a.status_code == b.status_code == 200, (a.text, b.text)
    assert a.json()["refresh_token"] == b.json()["refresh_token"]
    assert a.json()["access_token"] == b.json()["access_token"]
    assert 0 < b.json()["expires_in"] <= a.json()["expires_in"] == 900


@pytest.mark.parametrize("settings_overrides", [{"refresh_grace_seconds": 1}])
def test_a_replay_after_the_grace_window_revokes_the_family(api: Api, server: LiveServer) -> None:
    first = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    second = api.post(REFRESH, json={"refresh_token": first["refresh_token"]}).json()
    time.sleep(1.5)
    expect_error(
        api.post(REFRESH, json={"refresh_token": first["refresh_token"]}), 401, "unauthorized"
    )
    # The whole family is gone: the pair the rotation issued too.
    expect_error(
        api.post(REFRESH, json={"refresh_token": second["refresh_token"]}), 401, "unauthorized"
    )
    assert _me(server, second["access_token"]) == 401


def test_no_sign_in_racing_a_deactivation_survives_the_reactivation(
    admin: Api, server: LiveServer
) -> None:
    """Sign-ins that race a deactivation either fail or are ended by it, every round."""
    _, body = user_with_role(admin, "viewer")
    user_id, email = body["user"]["id"], body["user"]["email"]
    stop = threading.Event()
    signed_in = threading.Semaphore(0)

    def sign_in_repeatedly(_: int) -> list[str]:
        tokens = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while not stop.is_set():
                r = client.post(
                    "/api/v1/auth/login", json={"email": email, "password": DEFAULT_PASSWORD}
                )
                if r.status_code == 200:
                    tokens.append(r.json()["access_token"])
                    signed_in.release()
                else:
                    assert r.status_code == 401, r.text
        return tokens

    for round_ in range(8):
        issued: list[str] = [body["access_token"]] if round_ == 0 else []
        stop.clear()
        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(sign_in_repeatedly, i) for i in range(6)]
            for _ in range(12):  # sign-ins well under way
                assert signed_in.acquire(timeout=30)
            r = admin.patch(f"/api/v1/users/{user_id}/deactivate")
            assert r.status_code == 200, r.text
            time.sleep(0.1)
            stop.set()
            for f in futures:
                issued.extend(f.result())
        r = admin.patch(f"/api/v1/users/{user_id}/activate")
        assert r.status_code == 200, r.text
        alive = [t for t in issued if _me(server, t) != 401]
        assert alive == [], f"round {round_}: {len(alive)} of {len(issued)} sessions survived"
