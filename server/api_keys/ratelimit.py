"""The per-key request limit, counted in the shared database, and its response headers.

Every request presenting an ``mcrm_`` key counts (a refused one too), so every
such response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset``. The dependency that counts leaves the numbers in the
request's state; :class:`RateLimitHeaders` writes them on whatever response goes
out, error bodies included.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import RateLimited
from server.ratelimit.storage import RateLimiter
from server.security import token_hash

STATE_KEY = "api_key_rate_limit"
EXCEEDED = "Rate limit exceeded. Please try again later."


@dataclass(frozen=True)
class Window:
    limit: int
    remaining: int
    reset: int  # Unix time the window ends

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def count_request(*, request: Request, limiter: RateLimiter, per_minute: int, secret: str) -> None:
    """Count one request for this key; ``RateLimited`` past the limit."""
    item = limiter.parse(f"{per_minute}/minute")
    ident = token_hash(secret)  # the secret itself goes nowhere
    allowed = limiter.hit(item, "api_key", ident)
    reset, remaining = limiter.window(item, "api_key", ident)
    window = Window(limit=per_minute, remaining=max(0, remaining), reset=math.ceil(reset))
    setattr(request.state, STATE_KEY, window)
    if not allowed:
        raise RateLimited(
            EXCEEDED, headers={"Retry-After": str(max(1, window.reset - int(time.time())))}
        )


class RateLimitHeaders:
    """Adds the rate-limit headers to any response of a request an API key made."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Inner layers may copy the scope, but they share this dict (Starlette's request.state).
        state = scope.setdefault("state", {})

        async def with_headers(message: Message) -> None:
            window = state.get(STATE_KEY)
            if message["type"] == "http.response.start" and isinstance(window, Window):
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not k.lower().startswith(b"x-ratelimit-")
                ]
                headers.extend(
                    (k.lower().encode(), v.encode()) for k, v in window.headers().items()
                )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
