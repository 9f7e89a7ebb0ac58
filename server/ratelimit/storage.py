"""A ``limits`` storage backend over the server database.

The ``limits`` library does the rate-limit arithmetic; this class gives it
counters that several server processes share. Each call is its own short
transaction, so a request that later fails still counts against the limit.
"""

from __future__ import annotations

import hashlib
import random
import time
from typing import Any

import sqlalchemy as sa
from limits import RateLimitItem, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from server.db import WRITE_OPTION
from server.ratelimit.models import RateLimitCounter

_T: sa.Table = RateLimitCounter.__table__  # type: ignore[assignment]


class SQLStorage(Storage):
    """Fixed-window counters in the ``rate_limit_counters`` table."""

    STORAGE_SCHEME = ["crm+sql"]

    def __init__(self, engine: Engine, **options: Any) -> None:
        super().__init__(uri=None, **options)
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        insert = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        expired = _T.c.expires_at <= now
        stmt = (
            insert(_T)
            .values(key=key, count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[_T.c.key],
                set_={
                    "count": sa.case((expired, amount), else_=_T.c.count + amount),
                    "expires_at": sa.case((expired, now + expiry), else_=_T.c.expires_at),
                },
            )
            .returning(_T.c.count)
        )
        with self._writer.begin() as conn:
            count = int(conn.execute(stmt).scalar_one())
            if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
                conn.execute(sa.delete(_T).where(_T.c.expires_at <= now))
        return count

    def _row(self, key: str) -> tuple[int, float] | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(_T.c.count, _T.c.expires_at).where(_T.c.key == key)
            ).first()
        if row is None or row[1] <= time.time():
            return None
        return int(row[0]), float(row[1])

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        try:
            with self._engine.connect() as conn:
                conn.execute(sa.select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._writer.begin() as conn:
            return conn.execute(sa.delete(_T)).rowcount

    def clear(self, key: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(sa.delete(_T).where(_T.c.key == key))


class RateLimiter:
    """Named limits over the shared storage."""

    def __init__(self, engine: Engine) -> None:
        self.storage = SQLStorage(engine)
        self._strategy = FixedWindowRateLimiter(self.storage)

    @staticmethod
    def parse(spec: str) -> RateLimitItem:
        return parse(spec)

    @staticmethod
    def _ids(identifiers: tuple[str, ...]) -> tuple[str, ...]:
        # Hash what the client chose (an email, a key): the stored key stays short and printable.
        kind, *rest = identifiers
        return (
            kind,
            *(hashlib.sha256(r.encode("utf-8", "replace")).hexdigest()[:32] for r in rest),
        )

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Count one hit; False once the limit is exceeded."""
        return bool(self._strategy.hit(item, *self._ids(identifiers)))

    def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        return bool(self._strategy.test(item, *self._ids(identifiers)))

    def window(self, item: RateLimitItem, *identifiers: str) -> tuple[float, int]:
        """(reset time as epoch seconds, remaining hits)."""
        stats = self._strategy.get_window_stats(item, *self._ids(identifiers))
        return float(stats.reset_time), int(stats.remaining)

    def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        self._strategy.clear(item, *self._ids(identifiers))
