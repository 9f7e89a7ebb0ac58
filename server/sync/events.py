"""The live poke: connected replicas learn within about a second that there is something to pull.

One watcher per server process reads the ``sync_state`` counter a few times a
second (whichever process committed, on SQLite or PostgreSQL) and wakes every
open event stream when it moves. The stream carries no data, only "pull now".
Each stream re-reads its credential every few seconds on a short read of its
own and ends when the credential does, and ends anyway after a maximum lifetime.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from starlette.requests import Request

from server.db import Database
from server.sync.models import SyncState

POKE = "event: poke\ndata: pull\n\n"
KEEPALIVE = ": keepalive\n\n"
EXPIRED = "event: expired\ndata: sign in again\n\n"
RECONNECT = "event: reconnect\ndata: stream lifetime reached\n\n"


class VersionWatcher:
    def __init__(self, db: Database, *, interval: float = 0.2) -> None:
        self._db = db
        self._interval = interval
        self.version: int | None = None
        self._changed: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._subscribers = 0

    def _read(self) -> int | None:
        with self._db.engine.connect() as conn:
            return conn.execute(sa.select(SyncState.version).where(SyncState.id == 1)).scalar()

    async def _run(self) -> None:
        while self._subscribers > 0:
            try:
                version = await asyncio.to_thread(self._read)
            except sa.exc.SQLAlchemyError:
                version = self.version  # the database blinked: try again next tick
            if version != self.version:
                self.version = version
                assert self._changed is not None
                self._changed.set()
                self._changed = asyncio.Event()
            await asyncio.sleep(self._interval)
        self._task = None

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[None]:
        self._subscribers += 1
        if self._changed is None:
            self._changed = asyncio.Event()
        if self._task is None:
            self._task = asyncio.create_task(self._run())
        try:
            yield
        finally:
            self._subscribers -= 1

    async def wait(self, timeout: float) -> bool:
        """True when the version moved within ``timeout`` seconds."""
        assert self._changed is not None
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass(frozen=True)
class StreamLimits:
    check_every: float = 2.0  # seconds between re-reads of the credential
    max_seconds: float = 3600.0  # then the stream ends and the client reconnects
    keepalive: float = 15.0


async def _holds(still_valid: Callable[[], bool]) -> bool:
    try:
        return await asyncio.to_thread(still_valid)
    except sa.exc.SQLAlchemyError:
        return True  # the database blinked: nothing flows on this stream anyway; ask again soon


async def stream(
    request: Request,
    watcher: VersionWatcher,
    *,
    expires_at: datetime | None,
    still_valid: Callable[[], bool],
    limits: StreamLimits,
) -> AsyncIterator[str]:
    """Pokes until the client leaves, its credential ends (``expired``) or it is old (``reconnect``)."""
    clock = asyncio.get_running_loop().time
    start = clock()
    lifetime_end = start + limits.max_seconds
    token_end = math.inf
    if expires_at is not None:
        token_end = start + (expires_at - datetime.now(UTC)).total_seconds()
    next_check = start + limits.check_every
    next_keepalive = start + limits.keepalive
    async with watcher.subscribe():
        yield POKE  # pull once on connect: something may have changed while disconnected
        poked = watcher.version
        while not await request.is_disconnected():
            now = clock()
            if now >= token_end:
                yield EXPIRED
                return
            if now >= lifetime_end:
                yield RECONNECT
                return
            if now >= next_check:
                # Logout, deactivation, a lost role, a revoked key: the stream ends with it.
                if not await _holds(still_valid):
                    yield EXPIRED
                    return
                next_check = clock() + limits.check_every
            if watcher.version != poked:
                # It moved while this stream was busy sending: don't wait for the next change.
                poked = watcher.version
                next_keepalive = clock() + limits.keepalive
                yield POKE
                continue
            wake = min(token_end, lifetime_end, next_check, next_keepalive)
            if await watcher.wait(max(0.05, wake - clock())):
                poked = watcher.version
                next_keepalive = clock() + limits.keepalive
                yield POKE
            elif clock() >= next_keepalive:
                next_keepalive = clock() + limits.keepalive
                yield KEEPALIVE
