"""The sync loop's event listener reconnects when the server ends a stream."""

from __future__ import annotations

import threading
import time

import pytest

from tests.desktop.core.conftest import ClientFactory, FaultyTransport

EVENTS = "/api/v1/sync/events"


@pytest.mark.parametrize("settings_overrides", [{"event_stream_max_seconds": 1}])
def test_the_listener_reconnects_after_the_stream_reaches_its_lifetime(
    make_client: ClientFactory, faulty: FaultyTransport
) -> None:
    client = make_client(transport=faulty)
    stop = threading.Event()
    loop = threading.Thread(target=client.run, args=(stop,), kwargs={"interval": 3600})
    loop.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if sum(1 for m, p, s in faulty.seen if p == EVENTS and s == 200) >= 3:
                break
            time.sleep(0.1)
    finally:
        stop.set()
        loop.join(10)
    streams = [s for m, p, s in faulty.seen if p == EVENTS]
    assert streams.count(200) >= 3, faulty.seen
