"""What wakes an open event stream: a commit of its own process at once, and on PostgreSQL a
commit of any other server process (LISTEN/NOTIFY), long before the slow fallback read."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.sync.events import LISTENER_NAME
from tests.conftest import Api
from tests.e2e.test_serve import CRM_SERVER, ServerProcess, free_port, server_env
from tests.factories import create_customer
from tests.server.sync.test_event_stream_ends import Listener

pytestmark = pytest.mark.engines  # how other commits are announced depends on the engine

# Reads of the version so rare that only a wake-up can poke within a few seconds.
SLOW_READS = {"event_poll_seconds": 30, "event_fallback_poll_seconds": 30}
WAKES_WITHIN = 2.0  # seconds: "at once", with room for a loaded 2-core machine


def _settle(listener: Listener) -> None:
    """Let the stream's connect poke and any startup news pass."""
    time.sleep(0.5)
    assert "event: poke" in listener.lines


@pytest.mark.parametrize("settings_overrides", [SLOW_READS])
def test_a_commit_wakes_the_same_processs_streams_at_once(admin: Api) -> None:
    listener = Listener(admin).start()
    _settle(listener)
    for _ in range(3):
        at = time.monotonic()
        create_customer(admin)
        listener.poked_after(at, WAKES_WITHIN)
        time.sleep(0.2)


def _listeners(engine: sa.Engine) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": LISTENER_NAME},
            ).scalars()
        )


def _wait_listeners(engine: sa.Engine, count: int, not_in: list[int]) -> list[int]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pids = [p for p in _listeners(engine) if p not in not_in]
        if len(pids) == count:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"expected {count} new listener connection(s): {_listeners(engine)}")


@pytest.mark.postgres_only
def test_a_write_through_one_process_wakes_a_stream_on_the_other(
    backend: str, empty_db_url: str, tmp_path: Path
) -> None:
    env = server_env(
        tmp_path,
        empty_db_url,
        CRM_ADMIN_PASSWORD="chosen-admin-pw",
        CRM_JWT_SECRET="s" * 40,
        CRM_EVENT_POLL_SECONDS=str(SLOW_READS["event_poll_seconds"]),
        CRM_EVENT_FALLBACK_POLL_SECONDS=str(SLOW_READS["event_fallback_poll_seconds"]),
    )
    r = subprocess.run(
        [CRM_SERVER, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    one = ServerProcess(env, free_port(), tmp_path / "one.log")
    two = ServerProcess(env, free_port(), tmp_path / "two.log")
    engine = sa.create_engine(empty_db_url)
    writer = Api(base_url=one.url)
    reader = Api(base_url=two.url)
    try:
        writer.login("admin@skeleton.local", "chosen-admin-pw")
        reader.headers["Authorization"] = writer.headers["Authorization"]
        listener = Listener(reader).start()  # the only stream: on process two
        (first,) = _wait_listeners(engine, 1, not_in=[])
        _settle(listener)

        for _ in range(3):
            at = time.monotonic()
            create_customer(writer)
            listener.poked_after(at, WAKES_WITHIN)
            time.sleep(0.2)

        # The listener's connection dies: the process opens another, and what was
        # committed meanwhile still pokes, long before the 30 s read.
        with engine.connect() as conn:
            killed = conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            assert killed.scalar() is True
        at = time.monotonic()
        create_customer(writer)
        listener.poked_after(at, 5.0)
        _wait_listeners(engine, 1, not_in=[first])
        for _ in range(3):
            at = time.monotonic()
            create_customer(writer)
            listener.poked_after(at, WAKES_WITHIN)
            time.sleep(0.2)
        assert listener.ended_at is None, listener.lines  # the stream itself never noticed
    finally:
        writer.close()
        reader.close()
        one.stop()
        two.stop()
        engine.dispose()
    assert "Traceback" not in one.output() + two.output()
