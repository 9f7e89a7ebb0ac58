"""Two real ``crm-server serve`` processes on one PostgreSQL database: a change made through
one refuses the very next request through the other, though that one remembered the caller."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve import CRM_SERVER, ServerProcess, free_port, server_env

pytestmark = pytest.mark.engines  # behaviour depends on the database engine

ADMIN = {"email": "admin@skeleton.local", "password": "chosen-admin-pw"}


def _login(url: str, email: str, password: str) -> dict[str, str]:
    r = httpx.post(url + "/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.postgres_only
def test_logout_deactivation_role_and_key_changes_reach_the_other_process(
    backend: str, empty_db_url: str, tmp_path: Path
) -> None:
    env = server_env(
        tmp_path, empty_db_url, CRM_ADMIN_PASSWORD=ADMIN["password"], CRM_JWT_SECRET="s" * 40
    )
    r = subprocess.run(
        [CRM_SERVER, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    one = ServerProcess(env, free_port(), tmp_path / "one.log")
    two = ServerProcess(env, free_port(), tmp_path / "two.log")
    try:
        admin = _login(two.url, ADMIN["email"], ADMIN["password"])
        roles = httpx.get(two.url + "/api/v1/roles", headers=admin).json()["data"]
        viewer = next(r["id"] for r in roles if r["name"] == "viewer")
        users = {}
        for name in ("logout", "deactivated", "demoted"):
            email = f"{name}@example.com"
            r = httpx.post(
                two.url + "/api/v1/auth/register",
                json={"email": email, "name": name, "password": "user-secret-pw"},
            )
            assert r.status_code == 201, r.text
            uid = r.json()["user"]["id"]
            r = httpx.post(
                two.url + f"/api/v1/users/{uid}/roles", headers=admin, json={"role_id": viewer}
            )
            assert r.status_code == 200, r.text
            users[name] = (uid, _login(one.url, email, "user-secret-pw"))
        key = httpx.post(
            two.url + "/api/v1/api-keys",
            headers=admin,
            json={"name": "shared", "permissions": ["clients:read"]},
        ).json()
        keyed = {"Authorization": f"Bearer {key['key']}"}

        def status(auth: dict[str, str], path: str = "/api/v1/customers") -> int:
            return httpx.get(one.url + path, headers=auth).status_code

        # Process one remembers each caller...
        for _, auth in users.values():
            assert status(auth) == 200
        assert status(keyed, "/api/v1/clients") == 200

        # ...and each change, made through process two, refuses the next request to one.
        r = httpx.post(two.url + "/api/v1/auth/logout", headers=users["logout"][1])
        assert r.status_code == 200, r.text
        assert status(users["logout"][1]) == 401
        uid, auth = users["deactivated"]
        r = httpx.patch(two.url + f"/api/v1/users/{uid}/deactivate", headers=admin)
        assert r.status_code == 200, r.text
        assert status(auth) == 401
        uid, auth = users["demoted"]
        r = httpx.delete(two.url + f"/api/v1/users/{uid}/roles/{viewer}", headers=admin)
        assert r.status_code == 200, r.text
        assert status(auth) == 403
        r = httpx.delete(two.url + f"/api/v1/api-keys/{key['id']}", headers=admin)
        assert r.status_code == 200, r.text
        assert status(keyed, "/api/v1/clients") == 401
    finally:
        one.stop()
        two.stop()
