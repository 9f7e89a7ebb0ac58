"""Requests the web server itself refuses still get the documented error body.

uvicorn answers a request it cannot parse (bad Content-Length, an overlong URL,
a broken request line or chunk) before the app sees it, and Starlette's CORS
middleware refuses a preflight on its own; both used to answer in plain text.
Hand-written HTTP on a raw socket, since no HTTP client sends these.
"""

from __future__ import annotations

import contextlib
import json
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from server.serving import MAX_HEAD_BYTES
from tests.conftest import LiveServer, start_server

MALFORMED = {
    "Content-Length not a number": b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
    b"Content-Length: abc\r\n\r\n",
    "negative Content-Length": b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
    b"Content-Length: -1\r\n\r\n",
    "two Content-Lengths": b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
    b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "Content-Length with chunked": b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
    b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "broken chunk": b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
    b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
    "no request line": b"GARBAGE\r\n\r\n",
    "space in a header name": b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
    "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
}


def exchange(server: LiveServer, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read until the server closes; (status, headers, body)."""
    url = urlsplit(server.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        # It may answer and close before reading everything: the answer is still there.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            s.sendall(data)
        received = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("request_bytes", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_request_the_http_parser_refuses_is_400_with_the_error_body(
    server: LiveServer, request_bytes: bytes
) -> None:
    status, headers, body = exchange(server, request_bytes)
    assert status == 400, (status, body)
    assert headers["content-type"] == "application/json", headers
    assert int(headers["content-length"]) == len(body)
    parsed = json.loads(body)
    assert parsed["error"] == "bad_request" and parsed["message"], parsed
    # The server goes on serving.
    assert httpx.get(f"{server.url}/health").status_code == 200


HUGE_HEADS = {
    "overlong URL": (
        414,
        "uri_too_long",
        b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    ),
    "one huge header": (
        431,
        "headers_too_large",
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n",
    ),
    "many small headers": (
        431,
        "headers_too_large",
        b"GET /health HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(20_000))
        + b"\r\n",
    ),
}


@pytest.mark.parametrize("expected", HUGE_HEADS.values(), ids=HUGE_HEADS.keys())
def test_a_request_head_past_its_bound_is_refused_with_the_error_body(
    server: LiveServer, expected: tuple[int, str, bytes]
) -> None:
    """A megabyte of headers used to be read whole and served; now it is refused early."""
    status_wanted, code, request_bytes = expected
    status, headers, body = exchange(server, request_bytes)
    assert status == status_wanted, (status, body)
    assert headers["content-type"] == "application/json", headers
    assert json.loads(body)["error"] == code
    # A head just under the bound is still served.
    ok = exchange(
        server,
        b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Fine: "
        + b"a" * (MAX_HEAD_BYTES - 200)
        + b"\r\n\r\n",
    )
    assert ok[0] == 200, ok


def test_a_websocket_upgrade_is_answered_as_plain_http(server: LiveServer) -> None:
    """No route speaks WebSocket: the request is an ordinary one, answered by the app."""
    status, headers, body = exchange(
        server,
        b"GET /api/v1/no-such HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\n"
        b"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n",
    )
    assert status == 404, (status, body)
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"] == "not_found"


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": ["https://app.example"]}])
def test_a_refused_cors_preflight_is_400_with_the_error_body(server: LiveServer) -> None:
    preflight = {"Access-Control-Request-Method": "GET"}
    r = httpx.options(
        f"{server.url}/api/v1/users", headers={"Origin": "https://evil.example", **preflight}
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json()["error"] == "bad_request" and "origin" in r.json()["message"]
    assert "access-control-allow-origin" not in r.headers
    r = httpx.options(
        f"{server.url}/api/v1/users",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "TRACE"},
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_request", r.text
    # The allowed origin still gets its preflight answer.
    r = httpx.options(
        f"{server.url}/api/v1/users", headers={"Origin": "https://app.example", **preflight}
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://app.example"


class Broken:
    """A middleware that fails on one path, outside every layer of the app's own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/outer-boom":
            raise RuntimeError("secret internals")
        await self.app(scope, receive, send)


def test_an_error_in_an_outer_middleware_is_the_error_body(app: FastAPI) -> None:
    """Past the app's own last word (CatchAll), Starlette's outermost handler answers."""
    app.add_middleware(Broken)  # added last: outermost
    live = start_server(app)
    try:
        r = httpx.get(f"{live.url}/outer-boom")
    finally:
        live.stop()
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"error": "internal_error", "message": "Internal server error"}
    assert "secret" not in r.text
