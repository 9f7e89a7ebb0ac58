"""The live poke: an open event stream says "pull now" within about a second of a change."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.conftest import Api
from tests.factories import register

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def test_event_stream_pokes_after_a_change(admin: Api) -> None:
    lines: list[tuple[float, str]] = []
    connected = threading.Event()

    def listen() -> None:
        client = httpx.Client(base_url=str(admin.base_url), headers=dict(admin.headers), timeout=10)
        with client, client.stream("GET", "/api/v1/sync/events") as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                lines.append((time.monotonic(), line))
                connected.set()
                if sum(1 for _, ln in lines if ln == "event: poke") >= 2:
                    return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    assert connected.wait(5)
    time.sleep(0.5)
    changed_at = time.monotonic()
    register(Api(base_url=str(admin.base_url)))
    t.join(5)
    pokes = [ts for ts, ln in lines if ln == "event: poke"]
    assert len(pokes) == 2, lines  # one on connect, one for the change
    assert pokes[1] - changed_at < 1.0
    assert all("@" not in ln for _, ln in lines)  # carries no data


def test_event_stream_needs_auth(api: Api) -> None:
    r = api.get("/api/v1/sync/events")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
