"""Version order is commit order: a reader following the change log never skips a version.

DESIGN.md, Sync point 1. Writers take their version as the last statement of
the transaction, under the counter row's lock, so a transaction that started
first but commits last gets the later version, and no version becomes visible
before every smaller one is.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from server.context import AppContext
from server.sync.models import ChangeLog
from server.users.models import User

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def _new_user(n: str) -> User:
    return User(email=f"{n}@example.com", name=n, password_hash="x")


def _versions(ctx: AppContext, entity_ids: list[str]) -> dict[str, int]:
    with ctx.db.session(write=False) as s:
        rows = s.execute(
            sa.select(ChangeLog.entity_id, ChangeLog.version).where(
                ChangeLog.entity_id.in_(entity_ids)
            )
        )
        return {entity_id: version for entity_id, version in rows}  # noqa: C416 - rows are Row objects


def test_first_started_commits_last_and_gets_the_later_version(ctx: AppContext) -> None:
    a_holds_version = threading.Event()
    ids: dict[str, str] = {}
    observed: list[dict[str, int]] = []
    stop = threading.Event()

    def writer_a() -> None:
        with ctx.unit_of_work() as s:
            user = _new_user("a")
            s.add(user)
            s.flush()
            ids["a"] = user.id

            # before_commit fires after the counter bump and the change-log rows:
            # A now holds its version and sits on it before committing.
            @event.listens_for(s, "before_commit")
            def _pause(_s: object) -> None:
                a_holds_version.set()
                time.sleep(1.0)

    def writer_b() -> None:
        a_holds_version.wait(10)
        with ctx.unit_of_work() as s:
            user = _new_user("b")
            s.add(user)
            s.flush()
            ids["b"] = user.id

    def reader() -> None:
        while not stop.is_set():
            if len(ids) == 2:
                observed.append(_versions(ctx, [ids["a"], ids["b"]]))
            elif "a" in ids:
                observed.append(_versions(ctx, [ids["a"]]))
            time.sleep(0.005)

    threads = [threading.Thread(target=f) for f in (writer_a, writer_b, reader)]
    threads[2].start()
    threads[0].start()
    threads[1].start()
    threads[0].join(20)
    threads[1].join(20)
    time.sleep(0.05)
    stop.set()
    threads[2].join(5)

    final = _versions(ctx, [ids["a"], ids["b"]])
    assert final[ids["b"]] == final[ids["a"]] + 1
    # At no moment was B's (later) version visible without A's.
    for snapshot in observed:
        if ids.get("b") in snapshot:
            assert ids["a"] in snapshot


def test_a_reader_following_the_log_sees_contiguous_versions(ctx: AppContext) -> None:
    writers, per_writer = 6, 15
    stop = threading.Event()
    errors: list[str] = []
    seen: list[int] = []

    def writer(w: int) -> None:
        rng = random.Random(w)
        for i in range(per_writer):
            with ctx.unit_of_work() as s:
                s.add(_new_user(f"w{w}-{i}"))
                s.flush()
                time.sleep(rng.random() * 0.01)  # overlap the transactions

    with ctx.db.session(write=False) as s:
        start = s.scalar(sa.select(sa.func.max(ChangeLog.version))) or 0

    def reader() -> None:
        cursor = start
        while True:
            done = stop.is_set()
            with ctx.db.session(write=False) as s:
                new = list(
                    s.scalars(
                        sa.select(ChangeLog.version)
                        .where(ChangeLog.version > cursor)
                        .order_by(ChangeLog.version)
                    )
                )
            if new:
                expected = list(range(cursor + 1, new[-1] + 1))
                if sorted(set(new)) != expected:
                    errors.append(
                        f"after {cursor} saw {sorted(set(new))[:10]}..., expected {expected[:10]}..."
                    )
                seen.extend(sorted(set(new)))
                cursor = new[-1]
            if done:
                return

    r = threading.Thread(target=reader)
    r.start()
    ws = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in ws:
        t.start()
    for t in ws:
        t.join(60)
    stop.set()
    r.join(30)
    assert not errors, errors[:3]
    assert len(seen) == writers * per_writer
