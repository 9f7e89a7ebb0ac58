"""Test data factories: users made through the API, as a real client would."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.conftest import TLS, Api

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


def api_from(base_url: str, address: str) -> Api:
    """An anonymous client whose connections come from ``address`` (any of 127.0.0.0/8)."""
    return Api(
        base_url=base_url,
        timeout=30,
        transport=httpx.HTTPTransport(local_address=address, verify=TLS),
    )


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


def expect_error(r: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the documented error body with this status and code; return it."""
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


def country(admin: Api, code: str) -> dict[str, Any]:
    """The seeded country with this alpha-2 code."""
    r = admin.get("/api/v1/countries", params={"search": code})
    assert r.status_code == 200, r.text
    found: dict[str, Any] = next(c for c in r.json()["data"] if c["code"] == code)
    return found


def customer_payload(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST /customers`` body (the spec's example), unique email each time."""
    n = next(_seq)
    body: dict[str, Any] = {
        "name": f"Acme Corporation {n}",
        "email": f"contact{n}@acme.com",
        "phone": "+1-555-0100",
        "credit_limit": 50000,
        "currency": "USD",
        "addresses": [
            {
                "type": "billing",
                "street": "123 Main St",
                "city": "New York",
                "state": "NY",
                "postal_code": "10001",
                "country": "US",
            }
        ],
    }
    body.update(overrides)
    return body


def create_customer(admin: Api, **overrides: Any) -> dict[str, Any]:
    """Create a customer through the API and return the 201 body."""
    r = admin.post("/api/v1/customers", json=customer_payload(**overrides))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body
