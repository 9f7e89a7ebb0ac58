"""Access-token claims are read strictly: anything but a whole number in range is a 401, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from server.security import TokenCodec
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, TEST_JWT_SECRET, Api

CODEC_ARGS: dict[str, Any] = {
    "secret": TEST_JWT_SECRET,
    "issuer": "skeleton-crm",
    "audience": "skeleton-crm-api",
    "ttl_seconds": 900,
    "leeway_seconds": 5,
}
FAR = int((datetime.now(UTC) + timedelta(days=1)).timestamp())
BAD_NUMBERS: list[Any] = [
    10**20,
    2**64,
    -(10**20),
    str(FAR),
    f"{FAR}.0",
    float(FAR),
    True,
    None,
    [FAR],
]


def _claims(api: Api) -> dict[str, Any]:
    token = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)["access_token"]
    api.headers.pop("Authorization")
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_out_of_range_or_mistyped_time_claims_are_401(api: Api, claim: str) -> None:
    claims = _claims(api)
    for value in BAD_NUMBERS:
        if claim == "iat" and value == -(10**20):
            continue  # a very old iat is a plain valid token: exp decides
        token = jwt.encode({**claims, claim: value}, TEST_JWT_SECRET, algorithm="HS256")
        r = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, (claim, value, r.status_code, r.text)
        assert r.json()["error"] == "unauthorized"
    # The untouched claims still work: only the forged value was refused.
    token = jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")
    assert (
        api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )


@pytest.mark.parametrize("claim", ["sub", "sid", "jti"])
def test_mistyped_identity_claims_are_refused(claim: str) -> None:
    codec = TokenCodec(**CODEC_ARGS)
    token = codec.issue(user_id="u", session_id="s")
    claims = jwt.decode(token, options={"verify_signature": False})
    for value in (5, None, ["u"], {"a": 1}, "x" * 1000):
        forged = jwt.encode({**claims, claim: value}, TEST_JWT_SECRET, algorithm="HS256")
        assert codec.decode(forged) is None, (claim, value)
    assert codec.decode(token) is not None
