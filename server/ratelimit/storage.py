"""A ``limits`` storage backend over the server database.

The ``limits`` library does the rate-limit arithmetic; this class gives it
counters that several server processes share. Each call is its own short
transaction, so a request that later fails still counts against the limit.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
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

    def _incr_stmt(self, key: str, expiry: int, amount: int, now: float) -> Any:
        insert = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        expired = _T.c.expires_at <= now
        return (
            insert(_T)
            .values(key=key, count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[_T.c.key],
                set_={
                    "count": sa.case((expired, amount), else_=_T.c.count + amount),
                    "expires_at": sa.case((expired, now + expiry), else_=_T.c.expires_at),
                },
            )
            .returning(_T.c.count, _T.c.expires_at)
        )

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self.incr_many([(key, expiry)], amount)[0][0]

    def incr_many(
        self, keys: Sequence[tuple[str, int]], amount: int = 1
    ) -> list[tuple[int, float]]:
        """Count ``amount`` on each ``(key, expiry)`` in one transaction: [(count, window end)].

        Rows are written in key order, here and in ``decr_live``: two transactions
        touching the same counters then lock them in the same order and never deadlock.
        """
        now = time.time()
        found: dict[str, tuple[int, float]] = {}
        with self._writer.begin() as conn:
            for key, expiry in sorted(set(keys)):
                count, expires_at = conn.execute(self._incr_stmt(key, expiry, amount, now)).one()
                found[key] = (int(count), float(expires_at))
        if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
            self._purge(now)
        return [found[key] for key, _ in keys]

    def _purge(self, now: float) -> None:
        """Drop expired counters, skipping any another transaction holds (no lock waits)."""
        expired = sa.select(_T.c.key).where(_T.c.expires_at <= now)
        if self._engine.dialect.name == "postgresql":
            expired = expired.with_for_update(skip_locked=True)
        with self._writer.begin() as conn:
            conn.execute(sa.delete(_T).where(_T.c.key.in_(expired)))

    def decr_live(self, keys: Sequence[str]) -> None:
        """Take one back from each counter whose window is still open (never below zero)."""
        if not keys:
            return
        now = time.time()
        with self._writer.begin() as conn:
            for key in sorted(set(keys)):
                conn.execute(
                    sa.update(_T)
                    .where(_T.c.key == key, _T.c.expires_at > now, _T.c.count > 0)
                    .values(count=_T.c.count - 1)
                )

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


@dataclass(frozen=True)
class Charge:
    """One limit and whom it counts: ``Charge(parse("5/minute"), ("login-address", ip))``."""

    item: RateLimitItem
    identifiers: tuple[str, ...]


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

    def _key(self, charge: Charge) -> str:
        return charge.item.key_for(*self._ids(charge.identifiers))

    def charge(self, charges: Sequence[Charge]) -> list[float | None]:
        """Count one hit on every limit, in one transaction.

        For each limit: None while it holds, else the time (epoch seconds) its
        window reopens. Counting before the work is done (a password check) means
        a burst of parallel attempts cannot all slip in under a limit; ``refund``
        gives the hits back when the attempt turns out to deserve no count.
        """
        results = self.storage.incr_many([(self._key(c), c.item.get_expiry()) for c in charges])
        return [
            end if count > c.item.amount else None
            for (count, end), c in zip(results, charges, strict=True)
        ]

    def refund(self, charges: Sequence[Charge]) -> None:
        """Give back one hit on each limit (in its current window)."""
        self.storage.decr_live([self._key(c) for c in charges])

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
