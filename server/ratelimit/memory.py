"""Limits counted in this process's memory: no database write per request.

For the per-user request limit of signed-in (JWT) callers, which runs on every
request: a database counter would add a write to each one. Each server process
counts on its own, so with N processes a caller can make up to N times the
limit; it is there to stop one runaway script from starving the server, not to
meter use (API keys have the shared, exact limit).

It is a sliding window counter (``limits``' ``SlidingWindowCounterRateLimiter``):
two counters per caller and limit, this minute's and the last one's, the last
one weighed by how much of it the sliding minute still covers. Constant memory
and time per request, where a moving window keeps, and shifts, one timestamp per
request of the last minute. The price is that it assumes the last minute's
requests were spread evenly: a fresh caller gets exactly the limit, but a burst
at the end of one minute counts in the next as if spread out, so over the
worst 60 s a caller can get up to twice the limit, never more.
"""

from __future__ import annotations

import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter


class ProcessLimiter:
    """Sliding-window-counter limits (``"1200/minute"``, tiers joined by ``;``) in memory."""

    def __init__(self, spec: str) -> None:
        self._items = parse_many(spec)
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    def hit(self, *identifiers: str) -> float | None:
        """Count one request: None if it may go ahead, else seconds until one may."""
        for item in self._items:
            if not self._limiter.hit(item, *identifiers):
                stats = self._limiter.get_window_stats(item, *identifiers)
                return max(1.0, stats.reset_time - time.time())
        return None
