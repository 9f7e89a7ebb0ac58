"""Writers on SQLite wait their turn; they never fail while the others make progress.

SQLite's own busy handler polls with growing sleeps (up to 100 ms), so a writer
that happens to sleep whenever the lock is free can wait for the whole burst of
everyone else's transactions and give up with "database is locked" once that
exceeds the busy timeout. The server queues its own writers instead, first come
first served, so a writer waits only for the transactions ahead of it.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from server.context import AppContext
from server.users.models import User

WRITERS, EACH, HOLD = 8, 10, 0.02


@pytest.mark.parametrize("settings_overrides", [{"sqlite_busy_timeout_ms": 1500}])
def test_a_burst_of_writers_longer_than_the_busy_timeout_all_commit(ctx: AppContext) -> None:
    # 80 transactions of >= 20 ms each: the burst lasts well over the 1.5 s timeout,
    # while a fair turn is at most 7 transactions away (~0.2 s).
    errors: list[str] = []
    waits: list[float] = []
    start = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        start.wait()
        for i in range(EACH):
            asked = time.monotonic()
            try:
                with ctx.unit_of_work() as s:
                    s.execute(sa.text("SELECT 1"))  # begins: the write lock is ours from here
                    waits.append(time.monotonic() - asked)
                    s.add(User(email=f"w{w}-{i}@example.com", name="n", password_hash="x"))
                    s.flush()
                    time.sleep(HOLD)
            except Exception as exc:  # collected for the assertion below
                errors.append(f"writer {w} after {time.monotonic() - asked:.2f}s: {exc}")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    burst = time.monotonic() - began
    assert not errors, errors[:3]
    with ctx.db.session(write=False) as s:
        made = s.scalar(sa.select(sa.func.count()).where(User.email.like("w%-%@example.com")))
    assert made == WRITERS * EACH
    assert burst > 1.5, "the burst must outlast the busy timeout to prove anything"
    assert max(waits) < 1.5, max(waits)
