"""100 requests a minute per key (CRM_API_KEY_RATE_LIMIT), with headers on every answer."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import Api
from tests.micro_factories import key_client, make_key

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def _window(r: Any) -> tuple[int, int, int]:
    return (
        int(r.headers["X-RateLimit-Limit"]),
        int(r.headers["X-RateLimit-Remaining"]),
        int(r.headers["X-RateLimit-Reset"]),
    )


@pytest.mark.parametrize("settings_overrides", [{"api_key_rate_limit": 5}])
def test_headers_on_every_answer_and_429_past_the_limit(admin: Api) -> None:
    api = key_client(admin, make_key(admin, ["clients:read"])["key"])
    started = time.time()
    answers = [
        api.get("/api/v1/clients"),
        api.get("/api/v1/clients", params={"limit": 0}),  # 400
        api.post("/api/v1/clients", json={"name": "x"}),  # 403
        api.get("/api/v1/deals/nope"),  # 403 (no deals:read)
        api.get("/api/v1/customers"),  # a Skeleton endpoint: 403 too
    ]
    assert [r.status_code for r in answers] == [200, 400, 403, 403, 403]
    windows = [_window(r) for r in answers]
    assert [w[1] for w in windows] == [4, 3, 2, 1, 0]
    assert {w[0] for w in windows} == {5}
    reset = windows[0][2]
    assert started + 59 <= reset <= time.time() + 61

    r = api.get("/api/v1/clients")
    assert r.status_code == 429
    assert r.json() == {"error": "Rate limit exceeded. Please try again later."}
    assert _window(r) == (5, 0, reset)
    assert 0 < int(r.headers["Retry-After"]) <= 61
    r = api.get("/api/v1/customers")  # Skeleton endpoints keep their own error body
    assert r.status_code == 429 and r.json()["error"] == "rate_limited"

    # Another key has its own budget; a signed-in user has no per-key limit.
    other = key_client(admin, make_key(admin, ["clients:read"])["key"])
    assert _window(other.get("/api/v1/clients"))[:2] == (5, 4)
    r = admin.get("/api/v1/clients")
    assert r.status_code == 200 and "X-RateLimit-Limit" not in r.headers


@pytest.mark.parametrize("settings_overrides", [{"api_key_rate_limit": 3}])
def test_a_revoked_or_unknown_key_still_counts(admin: Api) -> None:
    created = make_key(admin)
    api = key_client(admin, created["key"])
    admin.delete(f"/api/v1/api-keys/{created['id']}")
    r = api.get("/api/v1/clients")
    assert r.status_code == 401 and _window(r)[:2] == (3, 2)
    stranger = key_client(admin, "mcrm_guessing")
    codes = [stranger.get("/api/v1/clients").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_the_101st_request_in_a_minute_is_429(admin: Api) -> None:
    api = key_client(admin, make_key(admin, ["clients:read"])["key"])
    remaining = []
    for _ in range(100):
        r = api.get("/api/v1/clients", params={"limit": 1})
        assert r.status_code == 200, r.text
        remaining.append(int(r.headers["X-RateLimit-Remaining"]))
    assert remaining == list(range(99, -1, -1))
    r = api.get("/api/v1/clients", params={"limit": 1})
    assert r.status_code == 429
    assert r.headers["X-RateLimit-Limit"] == "100" and r.headers["X-RateLimit-Remaining"] == "0"
    assert int(r.headers["X-RateLimit-Reset"]) >= int(time.time())
