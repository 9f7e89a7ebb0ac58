"""Limits counted in this process's memory: no database write per request.

For the per-user request limit of signed-in (JWT) callers, which runs on every
request: a database counter would add a write to each one. Each server process
counts on its own, so with N processes a caller can make up to N times the
limit; it is there to stop one runaway script from starving the server, not to
meter use (API keys have the shared, exact limit).
"""

from __future__ import annotations

import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class ProcessLimiter:
    """Moving-window limits (``"1200/minute"``, tiers joined by ``;``) in memory."""

    def __init__(self, spec: str) -> None:
        self._items = parse_many(spec)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, *identifiers: str) -> float | None:
        """Count one request: None if it may go ahead, else seconds until one may."""
        for item in self._items:
            if not self._limiter.hit(item, *identifiers):
                stats = self._limiter.get_window_stats(item, *identifiers)
                return max(1.0, stats.reset_time - time.time())
        return None
