"""Two real ``crm-server serve`` processes on one PostgreSQL database enforce one key's limit together."""

from __future__ import annotations

import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve import CRM_SERVER, ServerProcess, free_port, server_env

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


@pytest.mark.postgres_only
def test_two_processes_share_one_limit(backend: str, empty_db_url: str, tmp_path: Path) -> None:
    env = server_env(
        tmp_path, empty_db_url, CRM_ADMIN_PASSWORD="chosen-admin-pw", CRM_JWT_SECRET="s" * 40
    )
    r = subprocess.run(
        [CRM_SERVER, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    one = ServerProcess(env, free_port(), tmp_path / "one.log")
    two = ServerProcess(env, free_port(), tmp_path / "two.log")
    try:
        token = httpx.post(
            one.url + "/api/v1/auth/login",
            json={"email": "admin@skeleton.local", "password": "chosen-admin-pw"},
        ).json()["access_token"]
        key = httpx.post(
            two.url + "/api/v1/api-keys",
            json={"name": "shared", "permissions": ["clients:read"]},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["key"]
        auth = {"Authorization": f"Bearer {key}"}

        # Sequential, alternating: the remaining count goes down across both processes.
        remaining = []
        for i in range(10):
            url = (one if i % 2 == 0 else two).url
            resp = httpx.get(url + "/api/v1/clients", headers=auth)
            assert resp.status_code == 200, resp.text
            remaining.append(int(resp.headers["X-RateLimit-Remaining"]))
        assert remaining == list(range(99, 89, -1))

        # Concurrent from 8 threads over both: exactly the other 90 pass.
        def call(i: int) -> int:
            url = (one if i % 2 == 0 else two).url
            return httpx.get(url + "/api/v1/clients", headers=auth, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = Counter(pool.map(call, range(120)))
        assert codes == {200: 90, 429: 30}
        for server in (one, two):
            resp = httpx.get(server.url + "/api/v1/clients", headers=auth)
            assert resp.status_code == 429
            assert resp.json() == {"error": "Rate limit exceeded. Please try again later."}
            assert resp.headers["X-RateLimit-Limit"] == "100"
            assert resp.headers["X-RateLimit-Remaining"] == "0"
    finally:
        one.stop()
        two.stop()
