"""Responses carrying secrets are not cacheable; a signed-in user's request rate is bounded."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api
from tests.factories import expect_error, register, user_with_role
from tests.micro_factories import key_client, make_key


def _no_store(r: httpx.Response) -> None:
    assert r.headers["Cache-Control"] == "no-store", r.headers
    assert r.headers["Pragma"] == "no-cache", r.headers


def test_token_responses_are_not_cacheable(api: Api) -> None:
    r = api.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert r.status_code == 200
    _no_store(r)
    r = api.post("/api/v1/auth/refresh", json={"refresh_token": r.json()["refresh_token"]})
    assert r.status_code == 200
    _no_store(r)
    r = api.post(
        "/api/v1/auth/register",
        json={"email": "cache@example.com", "password": "long-enough-1", "name": "C"},
    )
    assert r.status_code == 201
    _no_store(r)


@pytest.mark.parametrize("settings_overrides", [{"user_rate_limit": "5/minute"}])
def test_a_signed_in_user_gets_429_past_their_request_limit(admin: Api) -> None:
    # The admin signed in (no request counted yet); five requests go through.
    for _ in range(5):
        assert admin.get("/api/v1/auth/me").status_code == 200
    # A sliding window counter: the sixth is refused, unless a minute began meanwhile and
    # the five count in it as if spread over the last one; then it is one of the next five.
    answers = []
    while len(answers) < 5 and (not answers or answers[-1].status_code == 200):
        answers.append(admin.get("/api/v1/auth/me"))
    r = answers[-1]
    expect_error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # Per user: another signed-in user is not affected.
    other = register(Api(base_url=str(admin.base_url), timeout=30))
    headers = {"Authorization": f"Bearer {other['access_token']}"}
    assert admin.get("/api/v1/auth/me", headers=headers).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"user_rate_limit": "3/minute"}])
def test_api_keys_keep_their_own_limit(admin: Api) -> None:
    key = make_key(admin, ["customers:read"])["key"]  # the admin's first request
    api = key_client(admin, key)
    for _ in range(5):
        r = api.get("/api/v1/customers")
        assert r.status_code == 200, r.text
        assert r.headers["X-RateLimit-Limit"] == "100"


def test_the_default_limit_is_generous(admin: Api) -> None:
    viewer, _ = user_with_role(admin, "viewer")
    for _ in range(60):
        assert viewer.get("/api/v1/auth/me").status_code == 200
