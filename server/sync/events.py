"""The live poke: connected replicas learn within about a second that there is something to pull.

One watcher per server process reads the ``sync_state`` counter a few times a
second (whichever process committed, on SQLite or PostgreSQL) and wakes every
open event stream when it moves. The stream carries no data, only "pull now".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import sqlalchemy as sa
from starlette.requests import Request

from server.db import Database
from server.sync.models import SyncState

POKE = "event: poke\ndata: pull\n\n"
KEEPALIVE = ": keepalive\n\n"
EXPIRED = "event: expired\ndata: sign in again\n\n"


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


async def stream(
    request: Request, watcher: VersionWatcher, expires_at: datetime | None, keepalive: float = 15.0
) -> AsyncIterator[str]:
    async with watcher.subscribe():
        yield POKE  # pull once on connect: something may have changed while disconnected
        poked = watcher.version
        while not await request.is_disconnected():
            if expires_at is not None and datetime.now(UTC) >= expires_at:
                yield EXPIRED
                return
            remaining = keepalive
            if expires_at is not None:
                remaining = min(
                    keepalive, max(0.05, (expires_at - datetime.now(UTC)).total_seconds())
                )
            if watcher.version != poked:
                # It moved while this stream was busy sending: don't wait for the next change.
                poked = watcher.version
                yield POKE
                continue
            if await watcher.wait(remaining):
                poked = watcher.version
                yield POKE
            else:
                yield KEEPALIVE
