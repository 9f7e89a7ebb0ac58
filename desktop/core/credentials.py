"""Credentials: signing in, the refresh token in the OS keyring, a TokenProvider that uses it.

The password is never stored. What is kept is the server's refresh token, in
a ``CredentialStore``: the OS keyring when it has a backend, else a file in
the desktop's data dir readable by the user only (``FileStore``; the UI says so,
``is_fallback``), and ``MemoryStore`` in tests. ``StoredTokenProvider`` turns
the stored token into access tokens and stores the rotated token on every
refresh, so a later start needs no password. No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import httpx

from desktop.core.client import AuthenticationRequired, Offline, tls

log = logging.getLogger(__name__)

SERVICE = "skeleton-crm-desktop"
LOGIN_PATH = "/api/v1/auth/login"
REFRESH_PATH = "/api/v1/auth/refresh"
LOGOUT_PATH = "/api/v1/auth/logout"


class CredentialStore(Protocol):
    #: True when the secret is not in an OS keyring (the UI tells the user).
    is_fallback: bool
    #: Where the secret is kept, fit to show the user.
    description: str

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, secret: str) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryStore:
    """For tests: nothing leaves the process."""

    is_fallback = False
    description = "memory"

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self._secrets.get(key)

    def set(self, key: str, secret: str) -> None:
        self._secrets[key] = secret

    def delete(self, key: str) -> None:
        self._secrets.pop(key, None)


class KeyringStore:
    """The OS keyring (Secret Service, macOS Keychain, Windows Credential Locker)."""

    is_fallback = False

    def __init__(self) -> None:
        import keyring

        self._keyring = keyring
        self.description = f"the system keyring ({type(keyring.get_keyring()).__name__})"

    def get(self, key: str) -> str | None:
        value: str | None = self._keyring.get_password(SERVICE, key)
        return value

    def set(self, key: str, secret: str) -> None:
        self._keyring.set_password(SERVICE, key, secret)

    def delete(self, key: str) -> None:
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            self._keyring.delete_password(SERVICE, key)


class FileStore:
    """The visible fallback: a JSON file only its owner can read (mode 0600).

    Used when no keyring backend exists (headless Linux). Anyone who can read
    the user's files can read the token; the status bar says so.
    """

    is_fallback = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"a file readable only by you ({path})"
        self._lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._read().get(key)

    def set(self, key: str, secret: str) -> None:
        with self._lock:
            data = self._read()
            data[key] = secret
            self._write(data)

    def delete(self, key: str) -> None:
        with self._lock:
            data = self._read()
            if data.pop(key, None) is not None:
                self._write(data)


def default_store(data_dir: Path) -> CredentialStore:
    """The OS keyring if it has a usable backend, else the 0600 file in ``data_dir``."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if not isinstance(backend, fail.Keyring) and backend.priority > 0:
            return KeyringStore()
    except Exception:  # no keyring package, or a broken backend: fall back visibly
        log.warning("keyring unavailable; keeping the sign-in token in a file", exc_info=True)
    return FileStore(data_dir / "credentials.json")


# ---------------------------------------------------------------- signing in


class SignInError(Exception):
    """Sign-in failed; ``kind`` is one of unreachable, not_a_server, wrong_password,
    rate_limited, invalid, refused. The UI picks the words."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message") or response.text[:200])
    except (ValueError, AttributeError):
        return response.text[:200]


def sign_in(
    server_url: str,
    email: str,
    password: str,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 15.0,
) -> dict[str, Any]:
    """``POST /auth/login``; returns the token pair (with ``user``) or raises SignInError."""
    try:
        with httpx.Client(
            base_url=server_url, transport=transport, timeout=timeout, verify=tls()
        ) as http:
            r = http.post(LOGIN_PATH, json={"email": email, "password": password})
    except httpx.TransportError as exc:
        raise SignInError("unreachable", str(exc)) from exc
    except httpx.InvalidURL as exc:
        raise SignInError("invalid", str(exc)) from exc
    if r.status_code == 200:
        try:
            body: dict[str, Any] = r.json()
            if "refresh_token" in body and "access_token" in body:
                return body
        except ValueError:
            pass
        raise SignInError("not_a_server", "The answer was not a Skeleton CRM sign-in")
    if r.status_code == 401:
        raise SignInError("wrong_password", _error_message(r))
    if r.status_code == 429:
        raise SignInError("rate_limited", _error_message(r))
    if r.status_code in (400, 422):
        raise SignInError("invalid", _error_message(r))
    if r.status_code == 404 or r.headers.get("content-type", "").split(";")[0] != (
        "application/json"
    ):
        raise SignInError("not_a_server", f"{r.status_code}: {r.text[:200]}")
    if r.status_code >= 500:
        raise SignInError("unreachable", _error_message(r))
    raise SignInError("refused", _error_message(r))


class StoredTokenProvider:
    """A TokenProvider over the refresh token in a CredentialStore.

    Access tokens stay in memory; ``refresh()`` rotates the stored refresh
    token and stores the new one before returning. Thread-safe: the sync loop
    and its event listener share one provider, and refreshes never overlap (a
    rotated token presented twice would end the session).
    """

    def __init__(
        self,
        server_url: str,
        store: CredentialStore,
        key: str,
        *,
        access_token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.server_url = server_url
        self.store = store
        self.key = key
        self._access = access_token
        self._transport = transport
        self._timeout = timeout
        self._lock = threading.Lock()

    @classmethod
    def from_sign_in(
        cls,
        server_url: str,
        store: CredentialStore,
        key: str,
        tokens: dict[str, Any],
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> StoredTokenProvider:
        store.set(key, str(tokens["refresh_token"]))
        return cls(
            server_url,
            store,
            key,
            access_token=str(tokens["access_token"]),
            transport=transport,
        )

    def has_token(self) -> bool:
        return self.store.get(self.key) is not None

    def access_token(self) -> str:
        with self._lock:
            if self._access is not None:
                return self._access
        return self.refresh()

    def refresh(self) -> str:
        with self._lock:
            token = self.store.get(self.key)
            if token is None:
                raise AuthenticationRequired("Not signed in: sign in again")
            try:
                with httpx.Client(
                    base_url=self.server_url,
                    transport=self._transport,
                    timeout=self._timeout,
                    verify=tls(),
                ) as http:
                    r = http.post(REFRESH_PATH, json={"refresh_token": token})
            except httpx.TransportError as exc:
                raise Offline(f"Cannot reach the server: {exc}") from exc
            if r.status_code >= 500 or r.status_code == 429:
                raise Offline(f"The server is unavailable ({r.status_code})")
            if r.status_code != 200:
                self._access = None
                self.store.delete(self.key)
                raise AuthenticationRequired(
                    f"Your session has ended ({_error_message(r)}): sign in again"
                )
            body = r.json()
            self.store.set(self.key, str(body["refresh_token"]))
            self._access = str(body["access_token"])
            return self._access


def revoke(
    server_url: str, refresh_token: str, *, transport: httpx.BaseTransport | None = None
) -> bool:
    """End the session on the server (logout); best effort with a short timeout.

    Returns whether the server confirmed. The caller forgets the stored token either way.
    """
    try:
        with httpx.Client(
            base_url=server_url, transport=transport, timeout=3.0, verify=tls()
        ) as http:
            r = http.post(REFRESH_PATH, json={"refresh_token": refresh_token})
            if r.status_code != 200:
                return False
            body = r.json()
            r = http.post(
                LOGOUT_PATH,
                json={"refresh_token": body["refresh_token"]},
                headers={"Authorization": f"Bearer {body['access_token']}"},
            )
            return r.status_code == 200
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        log.info("logout: the server was not told (%s)", exc)
        return False
