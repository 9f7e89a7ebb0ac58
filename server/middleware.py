"""ASGI middleware: last-resort errors, trusted hosts, CORS and a body-size limit, all in the error body."""

from __future__ import annotations

import json
import logging

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import PayloadTooLarge, error_body, error_response

log = logging.getLogger("crm.errors")


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class CatchAll:
    """The last word on an unexpected exception: the error body, and the connection kept.

    Starlette's own outermost handler answers 500 but then re-raises, and the
    server drops the kept-alive connection; the desktop would take that for
    being offline.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # half a response is out: nothing better to do than to cut it
            await _send_error(send, 500, "internal_error", "Internal server error")


class TrustedHosts:
    """Answer requests for unknown host names with 400 and the error body."""

    def __init__(self, app: ASGIApp, *, allowed: list[str]) -> None:
        self.app = app
        self.exact = {h.lower() for h in allowed if not h.startswith("*.")}
        self.suffixes = tuple(h[1:].lower() for h in allowed if h.startswith("*."))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = Headers(scope=scope).get("host", "").split(":")[0].lower()
            if host not in self.exact and not (self.suffixes and host.endswith(self.suffixes)):
                await _send_error(send, 400, "bad_request", "Invalid host header")
                return
        await self.app(scope, receive, send)


STREAMED_ENVELOPE = 64 * 1024


class BodySizeLimit:
    """Refuse bodies over ``max_bytes`` with 413, whether announced or chunked.

    A ``Content-Length`` check alone is bypassed by chunked bodies, so the body
    is read here, counted, and replayed to the app only if it fits. A POST to a
    ``streamed`` path (a file upload) is not held: it has its own, larger limit,
    counted as the route reads it (``PayloadTooLarge`` from ``receive``); the body
    may exceed it by ``STREAMED_ENVELOPE`` (the multipart headers and small parts).
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, streamed: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = streamed or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.streamed.get(scope["path"]) if scope["method"] == "POST" else None
        if limit is not None:
            await self._streamed(scope, receive, send, limit)
            return
        if _declared_length(scope) > self.max_bytes:
            await self._too_large(send)
            return
        messages: list[Message] = []
        total = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # client went away: let the app see the disconnect
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                await self._too_large(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        if _declared_length(scope) > limit + STREAMED_ENVELOPE:
            await self._too_large(send, limit)
            return
        total = 0

        async def counting() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > limit + STREAMED_ENVELOPE:
                    raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
            return message

        await self.app(scope, counting, send)

    async def _too_large(self, send: Send, limit: int | None = None) -> None:
        body = json.dumps(
            error_body("payload_too_large", f"Request body exceeds {limit or self.max_bytes} bytes")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


class Cors(CORSMiddleware):
    """Starlette's CORS, refusing a preflight with the error body rather than plain text."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        headers = {
            k: v for k, v in response.headers.items() if k not in ("content-type", "content-length")
        }
        # Starlette's text names what was refused: "Disallowed CORS origin, method".
        return error_response(
            response.status_code, "bad_request", bytes(response.body).decode(), headers=headers
        )
