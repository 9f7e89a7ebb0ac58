"""More requests and live streams than the pool has connections: they queue, none fails.

The soak's stall at 200 desktops: a request took a worker thread, then waited
on that thread for a pooled connection, while the requests holding the
connections waited for a worker thread to go on with. Nobody moved until the
pool's timeout answered 503. Here a pool of 2 (4 with overflow) serves 120
requests at once next to 20 open event streams re-checking their credential
every 50 ms; the pool's timeout is cut to 10 s so a stall shows as 503s.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import Api
from tests.factories import customer_payload

STREAMS = 20
REQUESTS = 120


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "db_pool_size": 2,
        "db_pool_timeout_seconds": 10,
        "event_stream_check_seconds": 0.05,
        "user_rate_limit": "100000/minute",
    }


async def _crowd(base: str, headers: dict[str, str]) -> tuple[list[str], list[int]]:
    limits = httpx.Limits(max_connections=STREAMS + REQUESTS, max_keepalive_connections=0)
    timeout = httpx.Timeout(60)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=timeout
    ) as http:
        first_events: list[str] = []
        opened = asyncio.Event()
        release = asyncio.Event()

        async def listen() -> None:
            async with http.stream("GET", "/api/v1/sync/events") as r:
                async for line in r.aiter_lines():
                    if line:
                        first_events.append(line)
                        if len(first_events) >= STREAMS:
                            opened.set()
                        break
                await release.wait()

        async def one(i: int) -> int:
            kind = i % 3
            if kind == 0:
                r = await http.get("/api/v1/sync/pull", params={"limit": 5})
            elif kind == 1:
                r = await http.get("/api/v1/customers", params={"limit": 5})
            else:
                r = await http.post("/api/v1/customers", json=customer_payload())
            return r.status_code

        streams = [asyncio.create_task(listen()) for _ in range(STREAMS)]
        await asyncio.wait_for(opened.wait(), 60)
        codes = list(await asyncio.gather(*(one(i) for i in range(REQUESTS))))
        release.set()
        await asyncio.gather(*streams)
        return first_events, codes


def test_requests_beyond_the_pool_queue_and_all_succeed(admin: Api) -> None:
    events, codes = asyncio.run(_crowd(str(admin.base_url), dict(admin.headers)))
    assert events.count("event: poke") == STREAMS
    assert sorted(set(codes)) == [200, 201], {c: codes.count(c) for c in set(codes)}
    listed = admin.get("/api/v1/customers", params={"limit": 1}).json()
    assert listed["total"] == REQUESTS // 3
