"""Factories for the integration API: API keys, clients and deals made through the API."""

from __future__ import annotations

import itertools
from typing import Any

from tests.conftest import Api

_seq = itertools.count(1)

ALL_MICRO = ["clients:read", "clients:write", "deals:read", "deals:write"]


def make_key(
    api: Api, permissions: list[str] | None = None, name: str = "Lead form"
) -> dict[str, Any]:
    """Create an API key as ``api``'s user; return the 201 body (with the secret ``key``)."""
    r = api.post("/api/v1/api-keys", json={"name": name, "permissions": permissions or ALL_MICRO})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def key_client(api: Api, key: str) -> Api:
    """A client of the same server that authenticates with an API key."""
    client = Api(base_url=str(api.base_url), timeout=30)
    client.headers["Authorization"] = f"Bearer {key}"
    return client


def client_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    body: dict[str, Any] = {
        "name": f"Jane Smith {n}",
        "email": f"jane{n}@example.com",
        "phone": "+1 212 555 0456",
        "company": "Tech Corp",
        "notes": "Interested in premium plan",
    }
    body.update(overrides)
    return body


def create_client(api: Api, **overrides: Any) -> dict[str, Any]:
    r = api.post("/api/v1/clients", json=client_payload(**overrides))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def create_deal(api: Api, client_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": f"Website redesign {next(_seq)}", "clientId": client_id}
    body.update(overrides)
    r = api.post("/api/v1/deals", json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data
