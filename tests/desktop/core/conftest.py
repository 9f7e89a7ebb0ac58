"""Fixtures for the desktop core: a replica file, a sync client against the real server, faults."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from desktop.core.client import PasswordTokenProvider, SyncClient
from desktop.core.replica import Replica
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, TLS, LiveServer


class FaultyTransport(httpx.HTTPTransport):
    """A real HTTP transport that can fail chosen requests the way networks and servers do.

    ``fail(path, kind)`` queues one fault for the next request to ``path``:
    ``drop`` fails before anything is sent (the server never sees it),
    ``lose`` sends it and lets the server commit, then loses the response,
    ``503`` answers "service unavailable" without reaching the server,
    ``409`` answers a unique-key conflict for the whole batch without reaching the server.
    ``after=n`` lets n requests to ``path`` through first (the fault hits the n+1st).
    """

    def __init__(self) -> None:
        super().__init__(verify=TLS)  # one TLS context for all (see tests/conftest.py)
        self.faults: list[tuple[str, str]] = []
        self.seen: list[tuple[str, str, int | None]] = []  # (method, path, status or None)

    def fail(self, path: str, kind: str, times: int = 1, *, after: int = 0) -> None:
        assert kind in ("drop", "lose", "503", "409")
        self.faults.extend([(path, "pass")] * after + [(path, kind)] * times)

    def _take(self, path: str) -> str | None:
        for i, (p, kind) in enumerate(self.faults):
            if p == path:
                del self.faults[i]
                return kind
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        fault = self._take(path)
        if fault == "pass":
            fault = None
        if fault == "drop":
            self.seen.append((request.method, path, None))
            raise httpx.ConnectError("injected: dropped before sending", request=request)
        if fault == "503":
            self.seen.append((request.method, path, 503))
            return httpx.Response(
                503,
                json={"error": "unavailable", "message": "injected outage"},
                request=request,
            )
        if fault == "409":
            self.seen.append((request.method, path, 409))
            return httpx.Response(
                409,
                json={"error": "conflict", "message": "The change conflicts with existing data"},
                request=request,
            )
        response = super().handle_request(request)
        if fault == "lose":
            response.read()
            response.close()
            self.seen.append((request.method, path, None))
            raise httpx.ReadError(
                "injected: response lost after the server answered", request=request
            )
        self.seen.append((request.method, path, response.status_code))
        return response


@pytest.fixture
def tokens(server: LiveServer) -> Iterator[PasswordTokenProvider]:
    provider = PasswordTokenProvider(server.url)
    provider.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    yield provider
    provider.close()


@pytest.fixture
def replica_path(tmp_path: Path) -> Path:
    return tmp_path / "replica" / "admin@server.sqlite3"


ClientFactory = Callable[..., SyncClient]


@pytest.fixture
def make_client(
    server: LiveServer, tokens: PasswordTokenProvider, replica_path: Path
) -> Iterator[ClientFactory]:
    """``make_client(transport=None, pull_limit=500, name=None)``: a fresh handle on the
    replica file (``name``: another desktop's file)."""
    replica_path.parent.mkdir(parents=True, exist_ok=True)
    opened: list[SyncClient] = []

    def make(
        transport: httpx.BaseTransport | None = None,
        pull_limit: int = 500,
        name: str | None = None,
    ) -> SyncClient:
        path = replica_path if name is None else replica_path.with_name(f"{name}.sqlite3")
        client = SyncClient(
            server.url,
            Replica(path),
            tokens,
            transport=transport,
            timeout=10,
            pull_limit=pull_limit,
        )
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()
        client.replica.close()


@pytest.fixture
def faulty() -> FaultyTransport:
    return FaultyTransport()
