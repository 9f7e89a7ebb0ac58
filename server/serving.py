"""How uvicorn runs the app: one set of options for ``crm-server serve`` and the tests' live server.

uvicorn answers some requests itself, before the app sees them: one its HTTP
parser refuses (a Content-Length that is no number, an overlong URL, a broken
chunk) gets a plain-text 400. The protocol classes here answer those with the
documented error body instead. No route speaks WebSocket, so upgrade requests
are served as the ordinary HTTP requests they also are (``ws="none"``), not
refused by a WebSocket library with an empty 403.
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

    def send_400_response(self, msg: str) -> None:  # noqa: ARG002 - uvicorn's signature; it logged msg
        self.transport.write(
            rejection(400, "bad_request", MALFORMED, self.server_state.default_headers)
        )
        self.transport.close()


class H11JsonErrors(_JsonRejections, H11Protocol):
    """h11 with the documented error body."""


if HttpToolsProtocol is not None:

    class HttpToolsJsonErrors(_JsonRejections, HttpToolsProtocol):
        """httptools (the fast parser ``uvicorn[standard]`` brings) with the documented error body."""

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
    }
    return {**options, **overrides}
