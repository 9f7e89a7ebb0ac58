"""How uvicorn runs the app: one set of options for ``crm-server serve`` and the tests' live server.

uvicorn answers some requests itself, before the app sees them: one its HTTP
parser refuses (a Content-Length that is no number, an overlong URL, a broken
chunk) gets a plain-text 400. The protocol classes here answer those with the
documented error body instead. No route speaks WebSocket, so upgrade requests
are served as the ordinary HTTP requests they also are (``ws="none"``), not
refused by a WebSocket library with an empty 403.

A request's head (request line and headers) is bounded: past ``MAX_HEAD_BYTES``
it gets 414 (the URL alone) or 431 with the error body, before the parser has
kept it all in memory.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from server.errors import error_body

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - uvicorn without its [standard] extra
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

MALFORMED = "Malformed HTTP request"
# Request line plus headers, counted as sent (a header's name, value, ": " and CRLF).
# nginx's default allows 32 KiB of headers; this leaves room for long cookies and URLs.
MAX_HEAD_BYTES = 64 * 1024
TOO_LARGE = {
    414: ("uri_too_long", f"The URL exceeds {MAX_HEAD_BYTES // 1024} KiB"),
    431: ("headers_too_large", f"The URL and headers exceed {MAX_HEAD_BYTES // 1024} KiB"),
}


def rejection(status: int, code: str, message: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    """A complete HTTP/1.1 response carrying the error body, ending the connection."""
    body = json.dumps(error_body(code, message)).encode()
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode()]
    lines += [name + b": " + value for name, value in headers]
    lines += [
        b"content-type: application/json",
        b"content-length: " + str(len(body)).encode(),
        b"connection: close",
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class _JsonRejections:
    """Replaces the plain-text 400 uvicorn writes for a request its parser refuses."""

    transport: asyncio.Transport
    server_state: ServerState

    too_large: int | None = None  # 414 or 431 once the head is past its bound

    def send_400_response(self, msg: str) -> None:  # noqa: ARG002 - uvicorn's signature; it logged msg
        status, (code, message) = 400, ("bad_request", MALFORMED)
        if self.too_large is not None:
            status, (code, message) = self.too_large, TOO_LARGE[self.too_large]
        self.transport.write(rejection(status, code, message, self.server_state.default_headers))
        self.transport.close()


class H11JsonErrors(_JsonRejections, H11Protocol):
    """h11 with the documented error body."""


if HttpToolsProtocol is not None:

    class HttpToolsJsonErrors(_JsonRejections, HttpToolsProtocol):
        """httptools (the fast parser ``uvicorn[standard]`` brings) with the documented error body.

        llhttp keeps no bound on a head's size, so the callbacks count it: one
        over the bound fails the parse, and the answer is the 431.
        """

        head_bytes = 0

        def on_message_begin(self) -> None:
            self.head_bytes = 0
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            self._count(len(url), 414)
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value) + 4, 431)
            super().on_header(name, value)

        def _count(self, size: int, status: int) -> None:
            self.head_bytes += size
            if self.head_bytes > MAX_HEAD_BYTES:
                self.too_large = status
                raise ValueError(TOO_LARGE[status][1])  # the parser makes it its own error

    HTTP_PROTOCOL: type[asyncio.Protocol] = HttpToolsJsonErrors
else:  # pragma: no cover
    HTTP_PROTOCOL = H11JsonErrors


def uvicorn_options(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``; ``overrides`` add to them."""
    options: dict[str, Any] = {
        "http": HTTP_PROTOCOL,
        "ws": "none",
        # Open live-poke streams end on their own only at their lifetime: don't let them hold up a stop.
        "timeout_graceful_shutdown": 5,
        # h11 (without uvicorn[standard]) bounds the head itself and answers the 400 above.
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }
    return {**options, **overrides}
