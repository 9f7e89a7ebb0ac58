"""Password hashing, access JWTs and opaque token hashing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from common.ids import new_id

ALGORITHM = "HS256"
ACCESS = "access"
TIME_CLAIMS = ("exp", "iat", "nbf")
MAX_TIME = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
MAX_ID = 64


def generate_password() -> str:
    """A random password for a new account, to be shown once (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


class PasswordHashing:
    """argon2id hashing with a constant-cost answer for unknown users."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no hash, spend the same time and say no."""
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and (
                password_hash is not None
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def _is_time(value: object) -> bool:
    # bool is an int subclass; a float or a numeric string is not what we issue.
    return type(value) is int and 0 <= value <= MAX_TIME


def _is_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session_id: str
    jti: str
    expires_at: datetime


class TokenCodec:
    """Issues and checks access JWTs: HS256 pinned, issuer/audience/type checked."""

    def __init__(
        self, *, secret: str, issuer: str, audience: str, ttl_seconds: int, leeway_seconds: int
    ) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self.ttl_seconds = ttl_seconds
        self._leeway = leeway_seconds

    def issue(
        self, *, user_id: str, session_id: str, now: datetime | None = None, jti: str | None = None
    ) -> str:
        """An access token; the same arguments (``now`` and ``jti`` given) give the same token."""
        now = now or datetime.now(UTC)
        claims = {
            "sub": user_id,
            "sid": session_id,
            "typ": ACCESS,
            "jti": jti or new_id(),
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def derive(self, purpose: str, value: str) -> str:
        """A secret only this server can compute from ``value`` (HMAC-SHA256 under the JWT key)."""
        mac = hmac.new(self._secret.encode(), f"{purpose}\0{value}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    def decode(self, token: str) -> AccessClaims | None:
        """The claims of a valid access token, or None for anything else."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("typ") != ACCESS:
            return None
        # PyJWT takes int(claim): "123" and 1e20 pass its checks. Ours issue whole
        # numbers and short ids only; anything else is a forgery or a bug, never a 500.
        if not all(_is_time(claims[name]) for name in TIME_CLAIMS if name in claims):
            return None
        if not all(_is_id(claims.get(name)) for name in ("sub", "sid", "jti")):
            return None
        return AccessClaims(
            user_id=claims["sub"],
            session_id=claims["sid"],
            jti=claims["jti"],
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )


def new_opaque_token(prefix: str = "") -> str:
    """A random bearer secret (refresh token, API key)."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The stored form of an opaque token: SHA-256 is enough for 256-bit random secrets."""
    return hashlib.sha256(token.encode()).hexdigest()
