"""What the app holds between requests: settings, database, token codec, hasher, limiter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from server.config import Settings
from server.db import Database
from server.ratelimit.storage import RateLimiter
from server.security import PasswordHashing, TokenCodec
from server.unit_of_work import commit


@dataclass
class AppContext:
    settings: Settings
    db: Database
    tokens: TokenCodec
    passwords: PasswordHashing
    limiter: RateLimiter

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A write session committed once at the end (audit, change log), rolled back on any error."""
        with self.db.session(write=True) as session:
            try:
                yield session
                commit(session)
            except BaseException:
                session.rollback()
                raise
