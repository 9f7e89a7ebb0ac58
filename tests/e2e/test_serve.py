"""`crm-server serve` for real: an empty directory, the printed admin password, the auth flows over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.engines  # behaviour depends on the database engine

CRM_SERVER = str(Path(sys.executable).with_name("crm-server"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._fh = log.open("w")
        self.proc = subprocess.Popen(
            [CRM_SERVER, "serve", "--port", str(port), "--no-access-log"],
            env=env,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()}")
            time.sleep(0.1)

    def output(self) -> str:
        if not self._fh.closed:
            self._fh.flush()
        return self.log.read_text()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._fh.close()


def server_env(tmp: Path, db_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env["CRM_DATA_DIR"] = str(tmp / "data")
    if db_url:
        env["CRM_DATABASE_URL"] = db_url
    env.update(extra)
    return env


@pytest.fixture
def first_start(backend: str, empty_db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    # SQLite: no CRM_DATABASE_URL at all, the embedded default in the data dir.
    env = server_env(
        tmp_path, None if backend == "sqlite" else empty_db_url, CRM_REFRESH_GRACE_SECONDS="1"
    )
    proc = ServerProcess(env, free_port(), tmp_path / "server.log")
    yield proc
    proc.stop()


def test_first_start_on_an_empty_directory(
    first_start: ServerProcess, backend: str, tmp_path: Path
) -> None:
    out = first_start.output()
    password = re.search(r"Generated password \(shown once, write it down\): (\S+)", out).group(1)
    assert f"listening on {first_start.url}" in out
    if backend == "sqlite":
        assert (tmp_path / "data" / "crm.db").exists()
    assert (
        tmp_path / "data" / "jwt-secret"
    ).stat().st_mode & 0o077 == 0  # secret readable by owner only

    c = httpx.Client(base_url=first_start.url, timeout=30)
    tokens = c.post(
        "/api/v1/auth/login", json={"email": "admin@skeleton.local", "password": password}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert c.get("/api/v1/auth/me", headers=auth).json()["roles"] == ["super_admin"]

    # Refresh rotation; a repeat within the grace window gets the same pair, a reuse
    # after it revokes the family.
    rotated = c.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()
    again = c.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()
    assert again["refresh_token"] == rotated["refresh_token"]
    time.sleep(1.5)
    assert (
        c.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 401
    )
    assert (
        c.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
        ).status_code
        == 401
    )

    # Logout revocation.
    tokens = c.post(
        "/api/v1/auth/login", json={"email": "admin@skeleton.local", "password": password}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert c.post("/api/v1/auth/logout", headers=auth).status_code == 200
    assert c.get("/api/v1/auth/me", headers=auth).status_code == 401
    tokens = c.post(
        "/api/v1/auth/login", json={"email": "admin@skeleton.local", "password": password}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}

    # A self-registered user has no role: 403 on /users. Deactivation ends their access.
    reg = c.post(
        "/api/v1/auth/register",
        json={"email": "new@example.com", "password": "new-user-pw", "name": "New"},
    )
    assert reg.status_code == 201
    user_auth = {"Authorization": f"Bearer {reg.json()['access_token']}"}
    assert c.get("/api/v1/users", headers=user_auth).status_code == 403
    assert (
        c.patch(f"/api/v1/users/{reg.json()['user']['id']}/deactivate", headers=auth).status_code
        == 200
    )
    assert c.get("/api/v1/auth/me", headers=user_auth).status_code == 401

    # alg=none forgery.
    import base64
    import json

    def b64(o: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()

    claims = json.loads(base64.urlsafe_b64decode(tokens["access_token"].split(".")[1] + "=="))
    forged = b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims) + "."
    r = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_restart_keeps_admin_and_secret(backend: str, empty_db_url: str, tmp_path: Path) -> None:
    env = server_env(
        tmp_path,
        None if backend == "sqlite" else empty_db_url,
        CRM_ADMIN_PASSWORD="chosen-admin-pw",
    )
    first = ServerProcess(env, free_port(), tmp_path / "one.log")
    tokens = httpx.post(
        first.url + "/api/v1/auth/login",
        json={"email": "admin@skeleton.local", "password": "chosen-admin-pw"},
    ).json()
    first.stop()
    assert "Generated password" not in first.output()
    second = ServerProcess(env, free_port(), tmp_path / "two.log")
    try:
        assert "Created the administrator" not in second.output()
        # The persisted JWT secret: a token from before the restart still works.
        r = httpx.get(
            second.url + "/api/v1/auth/me",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert r.status_code == 200
    finally:
        second.stop()


@pytest.mark.postgres_only
def test_migrate_then_two_processes_share_one_database(
    backend: str, empty_db_url: str, tmp_path: Path
) -> None:
    env = server_env(
        tmp_path,
        empty_db_url,
        CRM_ADMIN_PASSWORD="chosen-admin-pw",
        CRM_JWT_SECRET="s" * 40,
        CRM_REFRESH_GRACE_SECONDS="1",
    )
    r = subprocess.run(
        [CRM_SERVER, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert "up to date" in r.stdout
    one = ServerProcess(env, free_port(), tmp_path / "one.log")
    two = ServerProcess(env, free_port(), tmp_path / "two.log")
    try:
        tokens = httpx.post(
            one.url + "/api/v1/auth/login",
            json={"email": "admin@skeleton.local", "password": "chosen-admin-pw"},
        ).json()
        # Rotate on one process; the other gives the same pair within the grace window
        # (the successor derives from the shared secret) and, after it, revokes the family.
        rotated = httpx.post(
            two.url + "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        ).json()
        again = httpx.post(
            one.url + "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        ).json()
        assert (again["access_token"], again["refresh_token"]) == (
            rotated["access_token"],
            rotated["refresh_token"],
        )
        time.sleep(1.5)
        assert (
            httpx.post(
                one.url + "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            ).status_code
            == 401
        )
        assert (
            httpx.get(
                two.url + "/api/v1/auth/me",
                headers={"Authorization": f"Bearer {rotated['access_token']}"},
            ).status_code
            == 401
        )
    finally:
        one.stop()
        two.stop()


def test_bad_configuration_is_refused_clearly(tmp_path: Path) -> None:
    env = server_env(tmp_path, None, CRM_ENV="production", CRM_TRUSTED_HOSTS='["*"]')
    r = subprocess.run([CRM_SERVER, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "CRM_TRUSTED_HOSTS" in r.stderr and "Traceback" not in r.stderr


def test_bad_admin_password_or_secret_is_refused_clearly(tmp_path: Path) -> None:
    for extra, needle in (
        ({"CRM_ADMIN_PASSWORD": "short"}, "at least 8 characters"),
        ({"CRM_JWT_SECRET": ""}, "CRM_JWT_SECRET"),
    ):
        env = server_env(tmp_path, None, **extra)
        r = subprocess.run(
            [CRM_SERVER, "migrate"], env=env, capture_output=True, text=True, timeout=60
        )
        assert r.returncode == 2, r.stderr
        assert needle in r.stderr and "Traceback" not in r.stderr
