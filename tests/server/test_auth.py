"""Auth over HTTP: login, registration, refresh rotation and reuse, logout, deactivation, forged tokens."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, TEST_JWT_SECRET, Api
from tests.factories import DEFAULT_PASSWORD, register, user_with_role

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def _error(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_admin_logs_in_and_sees_itself(api: Api) -> None:
    body = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert body["user"]["email"] == ADMIN_EMAIL
    assert body["user"]["roles"] == ["super_admin"]
    assert body["expires_in"] == 900
    me = api.get("/api/v1/auth/me").json()
    assert me["email"] == ADMIN_EMAIL and me["permissions"] == ["*:*"]
    assert "password_hash" not in json.dumps(me)


def test_wrong_password_and_unknown_email_get_the_same_401(api: Api) -> None:
    a = _error(
        api.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "nope-nope"}),
        401,
        "unauthorized",
    )
    b = _error(
        api.post(
            "/api/v1/auth/login", json={"email": "ghost@example.com", "password": "nope-nope"}
        ),
        401,
        "unauthorized",
    )
    assert a["message"] == b["message"]


def test_unknown_email_costs_as_much_as_a_wrong_password() -> None:
    # The real argon2 parameters: an unknown email must still pay for one verification.
    # No database: it would only make this run once more per engine for nothing.
    from server.security import PasswordHashing

    hashing = PasswordHashing()
    stored = hashing.hash("correct horse")

    def timed(h):
        start = time.perf_counter()
        assert hashing.verify(h, "wrong guess") is False
        return time.perf_counter() - start

    timed(None)  # warm the dummy hash
    known = sorted(timed(stored) for _ in range(5))[2]
    unknown = sorted(timed(None) for _ in range(5))[2]
    assert 0.5 < unknown / known < 2.0, (known, unknown)


def test_register_gives_tokens_and_no_role(api: Api) -> None:
    body = register(api, name="Jane Roe", email="Jane.Roe@Example.com")
    assert body["user"]["email"] == "jane.roe@example.com"
    assert body["user"]["roles"] == []
    api.headers["Authorization"] = f"Bearer {body['access_token']}"
    assert api.get("/api/v1/auth/me").json()["permissions"] == []
    # A user without a role sees only themselves.
    _error(api.get("/api/v1/users"), 403, "forbidden")
    assert api.get(f"/api/v1/users/{body['user']['id']}").status_code == 200
    admin_id = api.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ).json()["user"]["id"]
    _error(api.get(f"/api/v1/users/{admin_id}"), 403, "forbidden")


def test_register_duplicate_email_is_409(api: Api) -> None:
    register(api, email="dup@example.com")
    r = api.post(
        "/api/v1/auth/register",
        json={"email": "DUP@example.com", "password": "whatever-123", "name": "X"},
    )
    _error(r, 409, "conflict")


def test_register_validates_each_field(api: Api) -> None:
    r = api.post(
        "/api/v1/auth/register", json={"email": "not-an-email", "password": "short", "name": "  "}
    )
    body = _error(r, 422, "validation_error")
    assert set(body["details"]) == {"email", "password", "name"}


@pytest.mark.parametrize("settings_overrides", [{"allow_registration": False}])
def test_registration_can_be_switched_off(api: Api) -> None:
    r = api.post(
        "/api/v1/auth/register",
        json={"email": "a@example.com", "password": "long-enough-1", "name": "A"},
    )
    _error(r, 403, "forbidden")


@pytest.mark.parametrize("settings_overrides", [{"refresh_grace_seconds": 0}])
def test_refresh_rotates_and_reuse_revokes_the_family(api: Api) -> None:
    first = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    r = api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    # The new access token works.
    assert (
        api.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}
        ).status_code
        == 200
    )
    # Presenting the rotated token again: 401, and the whole family is revoked.
    _error(
        api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}),
        401,
        "unauthorized",
    )
    _error(
        api.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}),
        401,
        "unauthorized",
    )
    _error(
        api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}),
        401,
        "unauthorized",
    )
    # Another session of the same user is untouched.
    assert (
        api.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        ).status_code
        == 200
    )


def test_refresh_needs_no_access_token_and_rejects_garbage(api: Api) -> None:
    _error(api.post("/api/v1/auth/refresh", json={"refresh_token": "garbage"}), 401, "unauthorized")
    _error(api.post("/api/v1/auth/refresh", json={}), 422, "validation_error")


def test_logout_revokes_refresh_and_access(api: Api) -> None:
    tokens = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    r = api.post("/api/v1/auth/logout")
    assert r.status_code == 200, r.text
    _error(api.get("/api/v1/auth/me"), 401, "unauthorized")
    _error(
        api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
        401,
        "unauthorized",
    )


def test_deactivation_ends_access_at_once(admin: Api) -> None:
    user, body = user_with_role(admin, "viewer")
    assert user.get("/api/v1/users").status_code == 200
    r = admin.patch(f"/api/v1/users/{body['user']['id']}/deactivate")
    assert r.status_code == 200 and r.json()["active"] is False
    _error(user.get("/api/v1/users"), 401, "unauthorized")
    _error(
        user.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]}),
        401,
        "unauthorized",
    )
    r = user.post(
        "/api/v1/auth/login", json={"email": body["user"]["email"], "password": DEFAULT_PASSWORD}
    )
    _error(r, 401, "unauthorized")
    # Reactivated: they can sign in again (old sessions stay ended).
    assert admin.patch(f"/api/v1/users/{body['user']['id']}/activate").status_code == 200
    _error(user.get("/api/v1/users"), 401, "unauthorized")
    assert (
        user.post(
            "/api/v1/auth/login",
            json={"email": body["user"]["email"], "password": DEFAULT_PASSWORD},
        ).status_code
        == 200
    )


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_forged_and_wrong_tokens_are_401(api: Api) -> None:
    real = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    claims = jwt.decode(real["access_token"], options={"verify_signature": False})
    api.headers.pop("Authorization")
    now = datetime.now(UTC)
    forged = {
        "alg=none": _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + ".",
        "wrong secret": jwt.encode(claims, "another-secret-" + "y" * 40, algorithm="HS256"),
        "HS512": jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS512"),
        "refresh type": jwt.encode(
            {**claims, "typ": "refresh"}, TEST_JWT_SECRET, algorithm="HS256"
        ),
        "no typ": jwt.encode(
            {k: v for k, v in claims.items() if k != "typ"}, TEST_JWT_SECRET, algorithm="HS256"
        ),
        "wrong audience": jwt.encode(
            {**claims, "aud": "other"}, TEST_JWT_SECRET, algorithm="HS256"
        ),
        "wrong issuer": jwt.encode({**claims, "iss": "other"}, TEST_JWT_SECRET, algorithm="HS256"),
        "no jti": jwt.encode(
            {k: v for k, v in claims.items() if k != "jti"}, TEST_JWT_SECRET, algorithm="HS256"
        ),
        "expired": jwt.encode(
            {**claims, "exp": int((now - timedelta(seconds=60)).timestamp())},
            TEST_JWT_SECRET,
            algorithm="HS256",
        ),
        "refresh token as bearer": real["refresh_token"],
        "garbage": "abc.def.ghi",
    }
    for label, token in forged.items():
        r = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, label
        assert r.json()["error"] == "unauthorized", label
    _error(api.get("/api/v1/auth/me"), 401, "unauthorized")
    _error(
        api.get("/api/v1/auth/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}),
        401,
        "unauthorized",
    )


@pytest.mark.parametrize("settings_overrides", [{"login_limit_per_address_email": "3/minute"}])
def test_login_attempts_are_rate_limited_per_address_and_email(api: Api) -> None:
    for _ in range(3):
        _error(
            api.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "wrong-pass"}),
            401,
            "unauthorized",
        )
    r = api.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    _error(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) >= 1
    # Another email from the same address is not blocked by this limit.
    _error(
        api.post(
            "/api/v1/auth/login", json={"email": "other@example.com", "password": "x-wrong-1"}
        ),
        401,
        "unauthorized",
    )


@pytest.mark.parametrize("settings_overrides", [{"login_limit_per_address": "4/minute"}])
def test_login_attempts_are_rate_limited_per_address(api: Api) -> None:
    for i in range(4):
        _error(
            api.post(
                "/api/v1/auth/login", json={"email": f"u{i}@example.com", "password": "wrong-pass"}
            ),
            401,
            "unauthorized",
        )
    _error(
        api.post("/api/v1/auth/login", json={"email": "u9@example.com", "password": "wrong-pass"}),
        429,
        "rate_limited",
    )
