"""Sign-in throttling that slows guessing without letting a stranger lock anyone out.

OWASP ASVS 2.2.1 and NIST SP 800-63B 5.2.2 ask for limits on failed attempts
that do not turn into a denial of service against the account owner. A limit
on the account alone would: ten wrong passwords from anywhere would refuse
the right one too. So every counter here is keyed by the source address:

1. ``login_limit_per_address`` — failed sign-ins from one address, whatever the
   account: stops one address spraying many accounts (429).
2. ``login_limit_per_address_email`` — failed sign-ins from one address on one
   account, in tiers (default 5 a minute, 20 an hour, 100 a day): the wait grows
   the longer someone keeps guessing (429 with the tier's Retry-After).
3. ``login_limit_per_email`` — failed sign-ins on one account from anywhere. It
   locks nothing: past it the account counts as under attack, and an address
   from which that account never signed in successfully (no ``auth_sessions``
   row with that ``client_address``) gets only ``login_limit_unknown_address``
   (default 2 per 10 minutes) on it. A distributed attack is slowed to that
   pace per address; the owner still gets in at once from an address they
   used before, and from a new one with their first correct try.

Attempts are counted before the password is checked, so parallel bursts cannot
slip under a limit, and a successful sign-in gives its counts back: failures
add up, and so do attempts made while refused, so hammering on reaches the
longer tiers sooner. Every refusal is 429 ``rate_limited`` with ``Retry-After``.
The counters live in the database (``server.ratelimit.storage``), so every
server process agrees.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from limits import parse_many

from server.auth.models import AuthSession
from server.context import AppContext
from server.errors import RateLimited
from server.ratelimit.storage import Charge
from server.users.models import User

TOO_MANY = "Too many sign-in attempts; try again later"


@dataclass
class Attempt:
    """The counts one attempt added; ``forgive`` takes them back after a success."""

    charges: list[Charge] = field(default_factory=list)


def _charges(spec: str, *identifiers: str) -> list[Charge]:
    return [Charge(item, identifiers) for item in parse_many(spec)]


def _refuse(reopens_at: float) -> RateLimited:
    retry = max(1, math.ceil(reopens_at - time.time()))
    return RateLimited(TOO_MANY, headers={"Retry-After": str(retry)})


def _known_address(ctx: AppContext, *, email: str, address: str) -> bool:
    """Has this account ever signed in from this address?"""
    with ctx.db.session(write=False) as reader:
        found = reader.scalar(
            sa.select(AuthSession.id)
            .join(User, User.id == AuthSession.user_id)
            .where(User.email == email, AuthSession.client_address == address)
            .limit(1)
        )
    return found is not None


def _reopens(results: list[float | None]) -> float | None:
    ends = [end for end in results if end is not None]
    return max(ends) if ends else None


def check_sign_in(ctx: AppContext, *, email: str, address: str) -> Attempt:
    """Count one sign-in attempt, or raise ``RateLimited`` if this one may not be tried."""
    limiter, settings = ctx.limiter, ctx.settings
    guarded = _charges(settings.login_limit_per_address, "login-address", address) + _charges(
        settings.login_limit_per_address_email, "login-pair", address, email
    )
    account = _charges(settings.login_limit_per_email, "login-account", email)
    attempt = Attempt(guarded + account)
    results = limiter.charge(attempt.charges)
    reopens = _reopens(results[: len(guarded)])
    if reopens is not None:
        raise _refuse(reopens)
    under_attack = _reopens(results[len(guarded) :]) is not None
    if under_attack and not _known_address(ctx, email=email, address=address):
        slowed = _charges(settings.login_limit_unknown_address, "login-unknown", address, email)
        attempt.charges += slowed
        reopens = _reopens(limiter.charge(slowed))
        if reopens is not None:
            raise _refuse(reopens)
    return attempt


def forgive(ctx: AppContext, attempt: Attempt) -> None:
    """A successful sign-in: the attempt does not count against anyone."""
    ctx.limiter.refund(attempt.charges)


def check_registration(ctx: AppContext, *, address: str) -> None:
    """Registrations count against the address's sign-in limit (no refund: each is real work)."""
    reopens = _reopens(
        ctx.limiter.charge(_charges(ctx.settings.login_limit_per_address, "login-address", address))
    )
    if reopens is not None:
        raise _refuse(reopens)
