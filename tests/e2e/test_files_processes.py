"""Two real ``crm-server serve`` processes on one PostgreSQL, each with its own data directory
(as on two machines): a file uploaded through one is read, in part, and deleted through the other."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.e2e.test_serve import CRM_SERVER, ServerProcess, free_port, server_env

pytestmark = pytest.mark.engines

ADMIN = {"email": "admin@skeleton.local", "password": "chosen-admin-pw"}


@pytest.mark.postgres_only
def test_every_process_serves_the_same_files(
    backend: str, empty_db_url: str, tmp_path: Path
) -> None:
    common = {"CRM_ADMIN_PASSWORD": ADMIN["password"], "CRM_JWT_SECRET": "s" * 40}
    env_one = server_env(tmp_path / "one", empty_db_url, **common)
    env_two = server_env(tmp_path / "two", empty_db_url, **common)
    r = subprocess.run(
        [CRM_SERVER, "migrate"], env=env_one, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    one = ServerProcess(env_one, free_port(), tmp_path / "one.log")
    two = ServerProcess(env_two, free_port(), tmp_path / "two.log")
    try:
        token = httpx.post(one.url + "/api/v1/auth/login", json=ADMIN).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        content = os.urandom(3 * 1024 * 1024 + 17)  # more than one stored chunk
        r = httpx.post(
            one.url + "/api/v1/files",
            headers=auth,
            files={"file": ("scan.bin", content)},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        file = r.json()

        r = httpx.get(two.url + file["url"], headers=auth, timeout=30)
        assert r.status_code == 200
        assert hashlib.sha256(r.content).hexdigest() == file["sha256"]
        start = 1024 * 1024 - 5  # a range across two chunks
        r = httpx.get(
            two.url + file["url"], headers={**auth, "Range": f"bytes={start}-{start + 9}"}
        )
        assert (r.status_code, r.content) == (206, content[start : start + 10])

        assert (
            httpx.delete(two.url + f"/api/v1/files/{file['id']}", headers=auth).status_code == 200
        )
        assert httpx.get(one.url + file["url"], headers=auth).status_code == 404
        engine = sa.create_engine(empty_db_url)
        try:
            deadline = time.monotonic() + 10
            while True:  # the content goes after the delete's answer
                with engine.connect() as conn:
                    left = conn.scalar(sa.text("SELECT count(*) FROM file_chunks"))
                if left == 0:
                    break
                assert time.monotonic() < deadline, left
                time.sleep(0.05)
        finally:
            engine.dispose()
    finally:
        one.stop()
        two.stop()
