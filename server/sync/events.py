"""The live poke: connected replicas learn at once that there is something to pull.

One watcher per server process knows the last sync version and wakes every
open event stream of the process when it moves:

- a commit of this process wakes them right after it (``Database.on_commit``);
- on PostgreSQL every committing transaction also sends ``pg_notify`` on
  ``VERSION_CHANNEL`` (delivered at commit, never on rollback), and one
  listener connection per process (``LISTEN``) wakes its streams: commits of
  the other server processes, and of the console, arrive within milliseconds.
  If that connection drops it is opened again;
- and the ``sync_state`` counter is read every ``fallback_poll`` seconds while
  the listener is up, so nothing is missed, and every ``poll`` seconds where
  nothing else announces other processes' commits (SQLite, or PostgreSQL while
  the listener is down).

The stream carries no data, only "pull now". Each stream re-reads its
credential every few seconds on a short read of its own and ends when the
credential does, and ends anyway after a maximum lifetime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
import sqlalchemy as sa
from starlette.requests import Request

from server.db import Database
from server.sync.models import VERSION_CHANNEL, SyncState

log = logging.getLogger(__name__)

POKE = "event: poke\ndata: pull\n\n"
KEEPALIVE = ": keepalive\n\n"
EXPIRED = "event: expired\ndata: sign in again\n\n"
RECONNECT = "event: reconnect\ndata: stream lifetime reached\n\n"
LISTENER_NAME = "crm-sync-listener"  # the listener connection's application_name
MAX_RETRY = 30.0  # seconds between the listener's attempts while the database stays away


@dataclass
class _Run:
    """What the watcher runs while streams are subscribed; a stopped run's tasks touch only it."""

    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    listening: bool = False  # its LISTEN connection is up
    listening_changed: asyncio.Event = field(default_factory=asyncio.Event)

    def set_listening(self, value: bool) -> None:
        if self.listening != value:
            self.listening = value
            self.listening_changed.set()


class VersionWatcher:
    """The sync version as this process last learnt it, and an event that fires when it moves.

    Reads and listens only while some stream is subscribed.
    """

    def __init__(
        self,
        db: Database,
        *,
        poll: float = 0.2,
        fallback_poll: float = 5.0,
        retry: float = 1.0,
    ) -> None:
        self.db = db
        self._poll = poll
        self._fallback_poll = fallback_poll
        self._retry = retry  # seconds before the listener connects again
        self._listens = db.dialect == "postgresql"
        self.version: int | None = None
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._run: _Run | None = None
        self._subscribers = 0
        db.on_commit(self.committed)

    @property
    def listening(self) -> bool:
        """The process's LISTEN connection is up (PostgreSQL only)."""
        return self._run is not None and self._run.listening

    # ------------------------------------------------------------ news of a version

    def committed(self, version: int) -> None:
        """A transaction of this process committed ``version``; called on the committing thread."""
        loop = self._loop
        if loop is None or self._subscribers == 0:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to wake
            loop.call_soon_threadsafe(self._announced, version)

    def _announced(self, version: int) -> None:
        # A commit's own news only moves forward: two commits' news may arrive out of order.
        if self.version is None or version > self.version:
            self._moved(version)

    def _moved(self, version: int) -> None:
        self.version = version
        if self._changed is not None:
            self._changed.set()
        self._changed = asyncio.Event()

    def _read(self) -> int | None:
        with self.db.engine.connect() as conn:
            return conn.execute(sa.select(SyncState.version).where(SyncState.id == 1)).scalar()

    async def _read_now(self) -> None:
        with contextlib.suppress(sa.exc.SQLAlchemyError):  # the database blinked: read again later
            version = await self.db.run(self._read)
            # The counter itself is the truth, even backwards (the data was replaced).
            if version is not None and version != self.version:
                self._moved(version)

    # ------------------------------------------------------------ the tasks

    async def _polling(self, run: _Run) -> None:
        while True:
            interval = self._fallback_poll if run.listening else self._poll
            with contextlib.suppress(TimeoutError):
                # The listener going down (or up) changes the interval at once.
                await asyncio.wait_for(run.listening_changed.wait(), interval)
                run.listening_changed.clear()
                continue
            await self._read_now()

    async def _listening(self, run: _Run) -> None:
        """One LISTEN connection for the whole process; opened again whenever it drops."""
        engine = self.db.engine
        args, params = engine.dialect.create_connect_args(engine.url)
        delay = self._retry
        while True:
            conn: psycopg.AsyncConnection[Any] | None = None
            try:
                conn = await psycopg.AsyncConnection.connect(
                    *args, **params, autocommit=True, application_name=LISTENER_NAME
                )
                await conn.execute(f"LISTEN {VERSION_CHANNEL}")
                run.set_listening(True)
                delay = self._retry
                # What committed before LISTEN took hold (first start, or while reconnecting).
                await self._read_now()
                async for note in conn.notifies():
                    try:
                        self._announced(int(note.payload))
                    except ValueError:  # not our payload: read the counter itself
                        await self._read_now()
            except psycopg.Error as exc:
                # Meanwhile the counter is read every ``poll`` seconds: pokes go on, a bit later.
                log.warning("sync listener: %s; connecting again in %.0f s", exc, delay)
            finally:
                run.set_listening(False)
                if conn is not None:
                    await conn.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[None]:
        self._subscribers += 1
        if self._run is None:
            run = self._run = _Run()  # a stream subscribing meanwhile does not start a second one
            self._loop = asyncio.get_running_loop()
            await self._read_now()  # so this stream's first poke is not followed by a stale one
            run.tasks.append(asyncio.create_task(self._polling(run)))
            if self._listens:
                run.tasks.append(asyncio.create_task(self._listening(run)))
        try:
            yield
        finally:
            self._subscribers -= 1
            if self._subscribers == 0 and self._run is not None:
                for task in self._run.tasks:
                    task.cancel()
                self._run = None

    async def wait(self, timeout: float) -> bool:
        """True when the version moved within ``timeout`` seconds."""
        if self._changed is None:
            self._changed = asyncio.Event()
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


async def _holds(db: Database, still_valid: Callable[[], bool]) -> bool:
    try:
        return await db.run(still_valid)
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
                if not await _holds(watcher.db, still_valid):
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
