"""Sign-in throttling: guessing is slowed, and nobody can lock another person out.

Clients connect from different loopback addresses (127.0.0.x), which is the
address the server throttles on. The counters live in the database, so these
run on both engines.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer
from tests.factories import api_from, expect_error

pytestmark = pytest.mark.engines  # counters in the database, shared by processes

LOGIN = "/api/v1/auth/login"
OWNER, STRANGER = "127.0.0.1", "127.0.0.2"


def _login(server: LiveServer, address: str, password: str, email: str = ADMIN_EMAIL) -> Any:
    with api_from(server.url, address) as client:
        return client.post(LOGIN, json={"email": email, "password": password})


@pytest.mark.parametrize(
    "settings_overrides",
    [{"login_limit_per_address_email": "3/minute", "login_limit_per_email": "3/minute"}],
)
def test_a_stranger_hammering_an_account_cannot_lock_its_owner_out(server: LiveServer) -> None:
    # Given a stranger sending wrong passwords for the super admin until refused
    for _ in range(3):
        expect_error(_login(server, STRANGER, "wrong-pass"), 401, "unauthorized")
    for _ in range(7):
        r = _login(server, STRANGER, "wrong-pass")
        expect_error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["Retry-After"]) <= 60
    # The stranger is refused even with the right password: it is their address that guesses.
    expect_error(_login(server, STRANGER, ADMIN_PASSWORD), 429, "rate_limited")
    # When the owner signs in from their own address with the right password, they get in.
    r = _login(server, OWNER, ADMIN_PASSWORD)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "login_limit_per_address_email": "2 per 2 seconds;4/hour",
            "login_limit_per_email": "1000/minute",
        }
    ],
)
def test_the_wait_grows_the_longer_one_address_guesses(server: LiveServer) -> None:
    for _ in range(2):
        expect_error(_login(server, STRANGER, "wrong-pass"), 401, "unauthorized")
    first = _login(server, STRANGER, "wrong-pass")
    expect_error(first, 429, "rate_limited")
    assert int(first.headers["Retry-After"]) <= 2
    time.sleep(2.1)
    # The short tier has reopened: one more guess (the refused one counted too), then
    # the hour tier holds.
    expect_error(_login(server, STRANGER, "wrong-pass"), 401, "unauthorized")
    second = _login(server, STRANGER, "wrong-pass")
    expect_error(second, 429, "rate_limited")
    assert int(second.headers["Retry-After"]) > 60


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "login_limit_per_email": "3/minute",
            "login_limit_unknown_address": "1/minute",
            "login_limit_per_address_email": "1000/minute",
        }
    ],
)
def test_a_distributed_attack_is_slowed_without_locking_the_owner(server: LiveServer) -> None:
    # The owner has signed in from their address before.
    assert _login(server, OWNER, ADMIN_PASSWORD).status_code == 200
    # Many addresses, one guess each: the account is now under attack.
    for n in range(10, 14):
        expect_error(_login(server, f"127.0.0.{n}", "wrong-pass"), 401, "unauthorized")
    # An address that never signed in to it gets one try a minute on this account.
    attacker = "127.0.0.14"
    expect_error(_login(server, attacker, "wrong-pass"), 401, "unauthorized")
    r = _login(server, attacker, "wrong-pass")
    expect_error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # The owner: at once from the address they used before...
    assert _login(server, OWNER, ADMIN_PASSWORD).status_code == 200
    # ... and from a new one with their first try.
    assert _login(server, "127.0.0.20", ADMIN_PASSWORD).status_code == 200
    # Other accounts are not affected by this one's attack.
    expect_error(
        _login(server, "127.0.0.15", "wrong-pass", email="other@example.com"), 401, "unauthorized"
    )
    expect_error(
        _login(server, "127.0.0.15", "wrong-pass", email="other@example.com"), 401, "unauthorized"
    )


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "login_limit_per_address_email": "2/minute",
            "login_limit_per_address": "2/minute",
            "login_limit_per_email": "2/minute",
        }
    ],
)
def test_successful_sign_ins_do_not_count(server: LiveServer) -> None:
    for _ in range(6):
        assert _login(server, OWNER, ADMIN_PASSWORD).status_code == 200
    # Failures do: two allowed, the third refused.
    expect_error(_login(server, OWNER, "wrong-pass"), 401, "unauthorized")
    expect_error(_login(server, OWNER, "wrong-pass"), 401, "unauthorized")
    expect_error(_login(server, OWNER, "wrong-pass"), 429, "rate_limited")


def test_limits_are_settings_and_bad_ones_are_refused() -> None:
    from pydantic import ValidationError

    from server.config import Settings

    assert Settings(login_limit_per_address_email="5/minute;20/hour").login_limit_per_address_email
    with pytest.raises(ValidationError, match="not a rate limit"):
        Settings(login_limit_per_email="ten a minute")
