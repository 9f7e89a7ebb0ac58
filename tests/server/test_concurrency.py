"""Concurrent writers never see "database is locked" (SQLite) or any 5xx."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import Api
from tests.factories import register

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def test_concurrent_writes_all_succeed(admin: Api) -> None:
    base = str(admin.base_url)
    users = [register(Api(base_url=base))["user"]["id"] for _ in range(4)]

    def work(i: int) -> list[int]:
        codes = []
        with Api(base_url=base, timeout=60) as c:
            r = c.post(
                "/api/v1/auth/register",
                json={"email": f"c{i}@example.com", "password": "concurrent-pw", "name": f"C {i}"},
            )
            codes.append(r.status_code)
            for j in range(3):
                r = admin.patch(f"/api/v1/users/{users[i % 4]}", json={"name": f"name {i}-{j}"})
                codes.append(r.status_code)
            codes.append(admin.get("/api/v1/users?limit=100").status_code)
        return codes

    with ThreadPoolExecutor(16) as pool:
        results = [c for codes in pool.map(work, range(32)) for c in codes]
    assert set(results) <= {200, 201}, sorted(set(results))
    assert admin.get("/api/v1/users").json()["total"] == 1 + 4 + 32
