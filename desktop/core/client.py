"""The sync client: pushes the replica's outbox, pulls the server's changes, listens for pokes.

Network only; every state it needs (cursor, outbox, client id) lives in the
replica file, so a client that was killed resumes where it stopped. No Qt here:
the desktop runs ``run`` on a worker thread and reads the replica for the UI.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import queue
import random
import socket
import sqlite3
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from common.documents import Company
from common.sync import PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse
from desktop.core.replica import BadPage, PageInfo, Replica

log = logging.getLogger(__name__)


@functools.cache
def tls() -> ssl.SSLContext:
    """The process's one TLS context, for every HTTP client the desktop opens.

    httpx builds a new one per client not given one (reading the CA bundle: ~30 ms of
    CPU), and the desktop opens a client per sign-in, token refresh and API-key call.
    The trust is httpx's default (certifi, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``).
    """
    return httpx.create_ssl_context()


PULL_PATH = "/api/v1/sync/pull"
PUSH_PATH = "/api/v1/sync/push"
EVENTS_PATH = "/api/v1/sync/events"
COMPANY_PATH = "/api/v1/company"  # the seller printed on invoices
ME_PATH = "/api/v1/auth/me"  # the user's permissions: which pages show, which edits are offered


class SyncError(Exception):
    """Sync cannot go on; ``message`` is fit to show the user."""


class Offline(SyncError):
    """The server cannot be reached or answered 5xx: nothing was acknowledged, try again later."""


class UpgradeRequired(SyncError):
    """The server speaks another sync protocol: the app must be updated (426)."""


class AuthenticationRequired(SyncError):
    """The session is over (refresh refused): the user must sign in again."""


class ProtocolError(SyncError):
    """The server refused a request in a way retrying cannot fix."""


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{response.status_code} {body.get('error')}: {body.get('message')}"
    except ValueError:
        return f"{response.status_code}: {response.text[:200]}"


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        return body
    return {"error": str(response.status_code), "message": response.text[:500]}


def _expected_mutation_id(response: httpx.Response) -> int | None:
    """The id a 409 push answer says the server expects next (``details.mutation_id``)."""
    if response.status_code != 409:
        return None
    try:
        detail = response.json()["details"]["mutation_id"]
        return int(str(detail).removeprefix("expected ").strip())
    except (ValueError, KeyError, TypeError):
        return None


class TokenProvider(Protocol):
    def access_token(self) -> str:
        """A current access token (signing in or refreshing if needed)."""
        ...

    def refresh(self) -> str:
        """A fresh access token after the server said 401."""
        ...


class PasswordTokenProvider:
    """Signs in once, then refreshes; holds the refresh token in memory only.

    The desktop issue puts the refresh token into the OS keyring behind this same protocol.
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url, transport=transport, timeout=timeout, verify=tls()
        )
        self._access: str | None = None
        self._refresh: str | None = None
        self._lock = threading.Lock()
        self.user: dict[str, Any] | None = None

    def close(self) -> None:
        self._http.close()

    def _store(self, response: httpx.Response) -> str:
        body = response.json()
        self._access, self._refresh = body["access_token"], body["refresh_token"]
        self.user = body.get("user")
        return str(body["access_token"])

    def login(self, email: str, password: str) -> str:
        try:
            r = self._http.post("/api/v1/auth/login", json={"email": email, "password": password})
        except httpx.TransportError as exc:
            raise Offline(f"Cannot reach the server: {exc}") from exc
        if r.status_code != 200:
            raise AuthenticationRequired(_message(r))
        with self._lock:
            return self._store(r)

    def access_token(self) -> str:
        with self._lock:
            if self._access is None:
                raise AuthenticationRequired("Not signed in")
            return self._access

    def refresh(self) -> str:
        with self._lock:
            if self._refresh is None:
                raise AuthenticationRequired("Not signed in")
            try:
                r = self._http.post("/api/v1/auth/refresh", json={"refresh_token": self._refresh})
            except httpx.TransportError as exc:
                raise Offline(f"Cannot reach the server: {exc}") from exc
            if r.status_code >= 500:
                raise Offline(_message(r))
            if r.status_code != 200:
                self._access = self._refresh = None
                raise AuthenticationRequired(_message(r))
            return self._store(r)


@dataclass(frozen=True)
class SyncStatus:
    """What the UI shows: online or not, pending edits, last sync, the last problem."""

    online: bool
    pending: int
    last_sync_at: str | None
    error: str | None = None


class SyncClient:
    def __init__(
        self,
        base_url: str,
        replica: Replica,
        token_provider: TokenProvider,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        pull_limit: int = 500,
        on_status: Callable[[SyncStatus], None] | None = None,
    ) -> None:
        self.base_url = base_url
        self.replica = replica
        self.tokens = token_provider
        self.pull_limit = pull_limit
        self.on_status = on_status
        self._transport = transport
        self._timeout = timeout
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
            verify=tls(),
        )
        self._wake = threading.Event()
        self._events_response: httpx.Response | None = None

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------ requests

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request with a bearer token; a 401 refreshes the token once and retries."""
        for attempt in range(2):
            token = self.tokens.access_token() if attempt == 0 else self.tokens.refresh()
            try:
                response = self._http.request(
                    method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
                )
            except httpx.TransportError as exc:  # connection refused/reset, timeouts
                raise Offline(f"Cannot reach the server: {exc}") from exc
            if response.status_code == 401 and attempt == 0:
                continue
            if response.status_code == 401:
                raise AuthenticationRequired(_message(response))
            if response.status_code == 426:
                raise UpgradeRequired(
                    "This app is too old for the server (sync protocol "
                    f"{PROTOCOL_VERSION}); update the app. {_message(response)}"
                )
            if response.status_code >= 500:
                raise Offline(f"The server is unavailable: {_message(response)}")
            return response
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ pull / push

    def _get_page(self, cursor: str | None) -> bytes | None:
        """One pull answer's body as sent; None when the server cannot serve ``cursor`` (410)."""
        params: dict[str, Any] = {"limit": self.pull_limit}
        if cursor is not None:
            params["cursor"] = cursor
        r = self._send("GET", PULL_PATH, params=params)
        if r.status_code == 410 and cursor is not None:
            # The cursor cannot be served: start a snapshot; its reset page replaces the records.
            log.info("sync: %s; starting a fresh snapshot", _message(r))
            return None
        if r.status_code != 200:
            raise ProtocolError(f"Pull refused: {_message(r)}")
        return r.content

    def _apply(self, body: bytes) -> PageInfo:
        try:
            info = self.replica.apply_pull_body(body)
        except BadPage as exc:
            raise ProtocolError(f"A pulled page was refused: {exc}") from exc
        self.page_applied(info)
        return info

    def page_applied(self, info: PageInfo) -> None:
        """Called after each applied page (the desktop reports progress from here)."""

    def pull_page(self) -> PullResponse:
        """Pull and apply one page (with its cursor, in one local transaction)."""
        body = self._get_page(self.replica.cursor)
        if body is None:
            self.replica.clear_cursor()
            body = self._get_page(None)
            assert body is not None
        self._apply(body)
        return PullResponse.model_validate_json(body)

    def pull_until_done(self, *, max_pages: int | None = None) -> int:
        """Pull pages until the server has nothing more; returns the number of pages applied.

        The next page is requested while the current one is applied (a reader thread
        runs one page ahead, with the cursor the page it read carries). Whatever goes
        wrong, the pages applied are those before it, each with its cursor: nothing
        is half-applied, and the next pull resumes after the last one applied.
        """
        pages = 0
        while max_pages is None or pages < max_pages:
            ahead = _PageReader(
                self, self.replica.cursor, None if max_pages is None else max_pages - pages
            )
            try:
                for body in ahead:
                    info = self._apply(body)
                    pages += 1
                    if not info.has_more:
                        return pages
            finally:
                ahead.close()
            if not ahead.reset:
                return pages
            self.replica.clear_cursor()  # 410: the pages before it are applied; start over
        return pages

    def push_pending(self, batch_size: int = 200) -> int:
        """Send the outbox in mutation id order; returns how many mutations were acknowledged.

        A 5xx, timeout or connection error raises ``Offline`` and keeps everything in
        the outbox: sending the same batch again is safe (the server applies each once).
        A batch refused with 422, or 409 for something other than mutation order (a
        value or a unique key the database refuses), is narrowed down to the one
        mutation at fault, which is refused locally like a rejected one, so
        the queue never jams on it.
        """
        acknowledged = 0
        renumbered = False
        limit = batch_size
        while True:
            batch = self.replica.pending(limit=limit)
            if not batch:
                return acknowledged
            request = PushRequest(
                client_id=self.replica.client_id, mutations=[m.to_wire() for m in batch]
            )
            r = self._send("POST", PUSH_PATH, json=request.model_dump(mode="json"))
            expected = _expected_mutation_id(r)
            if expected is not None and not renumbered:
                # The server never saw our numbers (its data was replaced): start where it expects.
                log.warning(
                    "sync: the server expects mutation %s; renumbering the outbox", expected
                )
                self.replica.renumber_outbox(first=expected)
                renumbered = True
                continue
            if r.status_code == 422 or (r.status_code == 409 and expected is None):
                # The server refused the whole batch for one mutation it cannot even store (a
                # value or a unique key the database refuses); nothing was applied. Find it
                # (batches of one), refuse it here, go on.
                if len(batch) > 1:
                    limit = 1
                    continue
                self.replica.reject_unsent(mutation_id=batch[0].mutation_id, error=_body(r))
                acknowledged += 1
                limit = batch_size
                continue
            if r.status_code != 200:
                raise ProtocolError(f"Push refused: {_message(r)}")
            limit = batch_size
            response = PushResponse.model_validate(r.json())
            before = self.replica.pending_count()
            # Never drop a mutation this batch did not carry: its result is still to come.
            last = min(response.last_mutation_id, batch[-1].mutation_id)
            self.replica.ack(results=response.results, last_mutation_id=last)
            done = before - self.replica.pending_count()
            acknowledged += done
            head = self.replica.pending(limit=1)
            if done == 0 and head and head[0].mutation_id <= batch[0].mutation_id:
                # (Another handle on the same file may have taken the same answer first.)
                raise ProtocolError(
                    f"The server acknowledged nothing (last_mutation_id {response.last_mutation_id}, "
                    f"first pending {batch[0].mutation_id})"
                )

    def sync_once(self) -> None:
        """Push, then pull (so the pull brings the server's view of what was just pushed)."""
        self.push_pending()
        self.pull_until_done()
        self.fetch_company()
        self.fetch_permissions()
        self.replica.mark_synced()

    def fetch_company(self) -> None:
        """Keep the seller the server names on invoices, so printing works offline too.

        A user who may not read invoices (403) keeps what the replica has.
        """
        r = self._send("GET", COMPANY_PATH)
        if r.status_code != 200:
            return
        body = r.json()
        company = Company(str(body.get("name") or ""), str(body.get("address") or ""))
        if company.name and company != self.replica.company():
            self.replica.set_company(company)

    def fetch_permissions(self) -> None:
        """Keep the user's permissions, so the window offers what the server would allow."""
        r = self._send("GET", ME_PATH)
        if r.status_code != 200:
            return
        granted = r.json().get("permissions")
        if isinstance(granted, list) and sorted(map(str, granted)) != self.replica.permissions():
            self.replica.set_permissions([str(p) for p in granted])

    # ------------------------------------------------------------ the loop

    def wake(self) -> None:
        """Sync now (after a local edit, or on a poke)."""
        self._wake.set()

    def status(self, *, online: bool, error: str | None = None) -> SyncStatus:
        return SyncStatus(
            online=online,
            pending=self.replica.pending_count(),
            last_sync_at=self.replica.last_sync_at,
            error=error,
        )

    def _report(self, status: SyncStatus) -> None:
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("sync status callback failed")

    def _listen(self, stop: threading.Event, backoff: Backoff) -> None:
        """Read the server's event stream; each ``poke`` wakes the loop. Reconnects on its own."""
        with httpx.Client(
            base_url=self.base_url,
            transport=self._transport,
            timeout=httpx.Timeout(self._timeout, read=60.0),
            headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
            verify=tls(),
        ) as http:
            refresh = False
            while not stop.is_set():
                try:
                    token = self.tokens.refresh() if refresh else self.tokens.access_token()
                    refresh = False
                    with http.stream(
                        "GET", EVENTS_PATH, headers={"Authorization": f"Bearer {token}"}
                    ) as response:
                        if response.status_code == 401:
                            refresh = True
                            continue
                        if response.status_code != 200:
                            raise Offline(_message(response))
                        self._events_response = response
                        backoff.reset()
                        for line in response.iter_lines():
                            if stop.is_set():
                                return
                            if line == "event: poke":
                                self._wake.set()
                            elif line == "event: expired":
                                refresh = True
                                break
                except (httpx.HTTPError, SyncError, RuntimeError) as exc:
                    if stop.is_set():
                        return
                    log.debug("sync events: %s", exc)
                    stop.wait(backoff.next())
                finally:
                    self._events_response = None

    def run(
        self,
        stop_event: threading.Event,
        *,
        interval: float = 30.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        listen: bool = True,
    ) -> None:
        """Sync until ``stop_event`` is set: push then pull, on a poke, a local edit or a timer.

        While offline it retries with capped exponential backoff and jitter. An
        out-of-date app (426) or an ended session stops the loop with the error reported.
        """
        backoff = Backoff(backoff_base, backoff_cap)
        listener: threading.Thread | None = None
        if listen:
            listener = threading.Thread(
                target=self._listen,
                args=(stop_event, Backoff(backoff_base, backoff_cap)),
                name="crm-sync-events",
                daemon=True,
            )
            listener.start()
        try:
            while not stop_event.is_set():
                self._wake.clear()
                try:
                    self.sync_once()
                except Offline as exc:
                    delay = backoff.next()
                    self._report(self.status(online=False, error=str(exc)))
                except (UpgradeRequired, AuthenticationRequired) as exc:
                    self._report(self.status(online=False, error=str(exc)))
                    raise
                except ProtocolError as exc:
                    delay = backoff.next()
                    self._report(self.status(online=True, error=str(exc)))
                except Exception as exc:  # a bug must not end syncing silently: report, retry later
                    log.exception("sync failed")
                    delay = backoff.next()
                    self._report(self.status(online=True, error=f"Sync failed: {exc}"))
                else:
                    backoff.reset()
                    delay = interval
                    self._report(self.status(online=True))
                self._wait(stop_event, delay)
        finally:
            stop_event.set()
            self._hang_up_events()
            if listener is not None:
                listener.join(timeout=5)

    def _hang_up_events(self) -> None:
        """Unblock the event stream's read at once (it may sit up to 15 s between keepalives)."""
        response = self._events_response
        if response is None:
            return
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        with contextlib.suppress(OSError):
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)

    def _wait(self, stop: threading.Event, delay: float) -> None:
        """Sleep until ``delay`` passes, a poke or local edit wakes us, or we are stopped."""
        step = 0.05
        waited = 0.0
        while waited < delay and not stop.is_set():
            if self._wake.wait(min(step, delay - waited)):
                return
            waited += step


class _PageReader:
    """Reads pull pages one ahead of the caller on a thread of its own (see pull_until_done).

    Iterating yields page bodies in order; an error of the reader is raised where its
    page would have come. ``reset`` tells that the server answered 410 for the cursor.
    """

    _END = object()

    def __init__(self, client: SyncClient, cursor: str | None, max_pages: int | None) -> None:
        self._client = client
        self._cursor = cursor
        self._max_pages = max_pages
        self._queue: queue.Queue[object] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self.reset = False
        self._thread = threading.Thread(target=self._read, name="crm-sync-pull", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        cursor, read = self._cursor, 0
        try:
            while self._max_pages is None or read < self._max_pages:
                body = self._client._get_page(cursor)
                if body is None:
                    self.reset = True
                    break
                cursor, more = _next_of(body)
                read += 1
                if not self._put(body) or not more:
                    break
        except BaseException as exc:  # raised in the caller's thread, after the pages before it
            self._put(exc)
            return
        self._put(self._END)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, bytes)
            yield item

    def close(self) -> None:
        """Stop reading ahead (a page read but not applied is dropped: the cursor says so)."""
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join()


def _next_of(body: bytes) -> tuple[str | None, bool]:
    """The cursor and ``has_more`` of a page, read by SQLite (the page is checked when applied)."""
    conn = sqlite3.connect(":memory:")
    try:
        top = dict(
            conn.execute(
                "SELECT key, atom FROM json_each(?) WHERE key IN ('cursor', 'has_more')",
                (body.decode(errors="replace"),),
            ).fetchall()
        )
    except sqlite3.Error:
        return None, False  # not a page: applying it says why
    finally:
        conn.close()
    cursor = top.get("cursor")
    return (cursor if isinstance(cursor, str) else None), top.get("has_more") == 1


class Backoff:
    """Capped exponential backoff with full jitter."""

    def __init__(self, base: float, cap: float) -> None:
        self.base, self.cap = base, cap
        self.failures = 0

    def next(self) -> float:
        delay = min(self.cap, self.base * 2.0**self.failures)
        self.failures = min(self.failures + 1, 30)
        jitter: float = random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security
        return delay * jitter

    def reset(self) -> None:
        self.failures = 0
