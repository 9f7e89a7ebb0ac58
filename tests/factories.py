"""Test data factories: users made through the API, as a real client would."""

from __future__ import annotations

import itertools
from typing import Any

from tests.conftest import Api

_seq = itertools.count(1)
DEFAULT_PASSWORD = "user-secret-pw"


def register(
    api: Api, *, name: str | None = None, email: str | None = None, password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    """Register a new user (no role) and return the 201 body."""
    n = next(_seq)
    r = api.post(
        "/api/v1/auth/register",
        json={
            "email": email or f"user{n}@example.com",
            "password": password,
            "name": name or f"User {n}",
        },
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def role_id(admin: Api, name: str) -> str:
    roles = admin.get("/api/v1/roles").json()["data"]
    return next(r["id"] for r in roles if r["name"] == name)


def user_with_role(admin: Api, role: str | None, **kw: Any) -> tuple[Api, dict[str, Any]]:
    """A signed-in client for a new user holding ``role`` (or none)."""
    anon = Api(base_url=str(admin.base_url), timeout=30)
    body = register(anon, **kw)
    if role:
        r = admin.post(
            f"/api/v1/users/{body['user']['id']}/roles", json={"role_id": role_id(admin, role)}
        )
        assert r.status_code == 200, r.text
    anon.headers["Authorization"] = f"Bearer {body['access_token']}"
    return anon, body
