"""Engine, session factory and the declarative ``Base`` every table uses."""

from __future__ import annotations

import asyncio
import os
import select
import sqlite3
import threading
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import QueuePool

from common.ids import new_id
from server.totals import TOTALS, Totals

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Option carried by write connections so the SQLite begin hook takes the write lock up front.
WRITE_OPTION = "crm_write"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no zone; PostgreSQL keeps ``timestamptz``. Either way the
    application sees aware UTC datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: sa.Dialect,  # noqa: ARG002 - TypeDecorator's signature
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """The one declarative base; its naming convention gives every constraint a stable name."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class IdMixin:
    """A UUIDv7 string primary key."""

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)


class TimestampMixin:
    """``created_at`` / ``updated_at`` kept by the ORM in UTC."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any, busy_timeout_ms: int) -> None:
    # Let SQLAlchemy's begin hook issue BEGIN itself: pysqlite's implicit
    # transactions would otherwise start deferred and fail with "database is locked".
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    # WAL is a property of the file: switching needs the database to itself, so
    # only the first connection to a new file does it, not every new connection.
    if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class WriteQueue:
    """The writers of one process to one SQLite file, served in the order they came.

    SQLite lets one writer in at a time and has the others poll, sleeping up to
    100 ms between tries: in a burst of short transactions an unlucky writer can
    sleep through every free moment until its busy timeout is spent, and fail
    with "database is locked" although everyone else progressed. Here a writer
    waits on this queue and is handed the turn by the one before it; only then
    does it ask SQLite, where it meets at most the first writer of another process.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._busy = False
        self._waiting: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        """Wait for this writer's turn; False if it did not come within ``timeout`` seconds."""
        with self._mutex:
            if not self._busy:
                self._busy = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():
                return True  # handed over just as the wait ran out
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        """Hand the turn to the next writer in line (nobody can cut in between)."""
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._busy = False


_queues: dict[str, WriteQueue] = {}
_queues_lock = threading.Lock()
_TURN = "crm_write_turn"  # connection-record info key: this connection holds its queue's turn


def _queue_for(url: sa.URL) -> WriteQueue:
    """One queue per database file, whichever engines of this process open it."""
    database = url.database or ""
    key = os.path.abspath(database) if database and database != ":memory:" else f"{id(url)}"
    with _queues_lock:
        return _queues.setdefault(key, WriteQueue())


def _locked(timeout: float) -> sa.exc.OperationalError:
    orig = sqlite3.OperationalError("database is locked")
    orig.sqlite_errorcode = sqlite3.SQLITE_BUSY
    return sa.exc.OperationalError(f"waiting {timeout:.0f} s for the write lock", None, orig)


def _end_turn(info: dict[Any, Any]) -> None:
    queue = info.pop(_TURN, None)
    if queue is not None:
        queue.release()


def _end_turn_on_checkin(_dbapi_conn: Any, record: Any) -> None:
    if record is not None:
        _end_turn(record.info)


def _sqlite_on_begin(conn: Connection, queue: WriteQueue, timeout: float) -> None:
    if not conn.get_execution_options().get(WRITE_OPTION, False):
        conn.exec_driver_sql("BEGIN")
        return
    if not queue.acquire(timeout):
        raise _locked(timeout)
    conn.info[_TURN] = queue
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _end_turn(conn.info)
        raise


def make_engine(
    url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 10, pool_timeout: float = 30.0
) -> Engine:
    """Create an engine with the project's SQLite or PostgreSQL settings."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=pool_timeout,
        )
        queue, timeout = _queue_for(engine.url), busy_timeout_ms / 1000
        event.listen(engine, "connect", lambda c, r: _sqlite_on_connect(c, r, busy_timeout_ms))
        event.listen(engine, "begin", lambda conn: _sqlite_on_begin(conn, queue, timeout))
        # The turn ends with the transaction; a connection returned without either
        # (invalidated mid-transaction) gives it back on check-in.
        event.listen(engine, "commit", lambda conn: _end_turn(conn.info))
        event.listen(engine, "rollback", lambda conn: _end_turn(conn.info))
        event.listen(engine.pool, "checkin", _end_turn_on_checkin)
        return engine
    # No pre-ping (a SELECT 1 round trip per checkout): _drop_dead_connections looks at
    # the socket instead, and pool_recycle retires connections a firewall may have cut.
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=pool_timeout,
        pool_recycle=RECYCLE_SECONDS,
    )
    event.listen(engine.pool, "checkout", _drop_dead_connections)
    return engine


RECYCLE_SECONDS = 1800


def _drop_dead_connections(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection the server has ended, without a round trip.

    An idle connection (no query running, no LISTEN) receives nothing unless the
    server ends it: a restart, ``pg_terminate_backend``, an idle timeout send a
    FATAL message and close the socket. So a socket with something to read, or
    one libpq already knows is broken, is dead; the pool then opens a new
    connection (a DisconnectionError raised here is retried by the pool). What
    this cannot see, a connection cut silently on the network, is what the
    pre-ping could not answer either before its own timeout.
    """
    if dbapi_conn.closed or dbapi_conn.broken:
        raise sa.exc.DisconnectionError("connection closed")
    poller = select.poll()  # not select.select: it fails for descriptors past 1023
    poller.register(dbapi_conn.fileno(), select.POLLIN)
    if poller.poll(0):
        raise sa.exc.DisconnectionError("the server ended this connection")


T = TypeVar("T")
SPARE_THREADS = 8  # worker threads beyond the turns (for work that holds no turn)


class Turns:
    """At most ``size`` pieces of database work of one process at once; the rest wait in the event loop.

    The mechanism it prevents: a request takes a worker thread, and on it waits
    for a pooled connection; the requests that hold the connections need a
    worker thread for their next step (FastAPI runs the caller's dependency, the
    endpoint and the end of the unit of work as separate hand-overs) and wait
    for one; once every worker thread waits on the pool, nothing moves until
    the pool's timeout answers 503. So a request takes its turn here, in the
    event loop and holding nothing, before its first hand-over, and keeps it
    until its unit of work has ended. ``size`` is the pool's kept connections:
    a turn may open a second connection (the pool allows as many again), and
    worker threads (40, more for a larger pool) outnumber turns, so a turn's
    holder never waits for a thread held by someone waiting for a connection.

    A wait past ``timeout`` seconds raises the pool's own ``TimeoutError`` (a 503).
    One semaphore per event loop (a process serves on one; tests start several).
    """

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        found = self._loops.get(loop)
        if found is None:
            found = self._loops[loop] = asyncio.Semaphore(self.size)
            # Worker threads must outnumber turns, a large CRM_DB_POOL_SIZE too: a turn's
            # holder may wait for a thread while other holders' threads wait on it (SQLite's
            # write lock), and those must never be every thread there is.
            threads = anyio.to_thread.current_default_thread_limiter()
            threads.total_tokens = max(threads.total_tokens, self.size + SPARE_THREADS)
        return found

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        semaphore = self._semaphore()
        try:
            # Not wait_for: a cancel racing the acquire there can keep the permit for good.
            async with asyncio.timeout(self.timeout):
                await semaphore.acquire()
        except TimeoutError:
            raise sa.exc.TimeoutError(
                f"{self.size} database turns busy, waited {self.timeout:.0f} s"
            ) from None
        try:
            yield
        finally:
            semaphore.release()


DATABASE = "crm_database"  # session info key: the Database the session came from


class Database:
    """The engine plus two session factories: readers, and writers that lock up front.

    On PostgreSQL readers run in autocommit: no BEGIN and ROLLBACK round trips
    around a read. Each statement still sees one snapshot, as it did in the
    READ COMMITTED transaction before; a read session that tries to write
    fails (``_no_writes``). On SQLite a read transaction costs no round trip and
    keeps one snapshot across the request's statements, so readers keep it.

    It also tells who asked (``on_commit``) each time one of its sessions has
    committed a new sync version (the unit of work calls ``committed``).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        pool = engine.pool
        queue = pool if isinstance(pool, QueuePool) else None  # make_engine's engines have one
        self.turns = Turns(queue.size() if queue else 1, queue.timeout() if queue else 30.0)
        self.totals = Totals()
        info: dict[str, Any] = {TOTALS: self.totals, DATABASE: self}
        reader = engine
        read_info = dict(info)
        if engine.dialect.name == "postgresql":
            reader = engine.execution_options(isolation_level="AUTOCOMMIT")
            read_info[READ_ONLY] = True
        self.reader = reader
        self._read = sessionmaker(reader, expire_on_commit=False, autoflush=True, info=read_info)
        self._write = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}),
            expire_on_commit=False,
            autoflush=True,
            info=dict(info),
        )
        self._on_commit: list[Callable[[int], None]] = []

    def on_commit(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(version)`` after each commit of a new sync version (on the committing thread)."""
        self._on_commit.append(callback)

    def committed(self, version: int) -> None:
        for callback in self._on_commit:
            callback(version)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def run(self, work: Callable[[], T]) -> T:
        """``work()`` (blocking database work) on a worker thread, in one of the process's turns."""
        async with self.turns.turn():
            return await anyio.to_thread.run_sync(work)

    def session(self, *, write: bool) -> Session:
        """A new session; ``write`` sessions begin with the write lock on SQLite."""
        return (self._write if write else self._read)()

    def dispose(self) -> None:
        self.engine.dispose()


READ_ONLY = "crm_read_only"  # session.info key: an autocommit reader, which must not write


@event.listens_for(Session, "before_flush")
def _no_writes(session: Session, _ctx: Any, _instances: Any) -> None:
    # In autocommit each flushed statement would commit on its own, outside any unit of work.
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a read session cannot write; use Database.session(write=True)")
