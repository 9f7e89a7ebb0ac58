"""What the app holds between requests: settings, database, token and cursor codecs, hasher, limiters."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from server.auth.callers import Callers
from server.config import Settings
from server.db import Database
from server.files.storage import BlobStore
from server.ratelimit.memory import ProcessLimiter
from server.ratelimit.storage import RateLimiter
from server.security import PasswordHashing, TokenCodec
from server.sync.cursor import CursorCodec
from server.unit_of_work import transaction


@dataclass
class AppContext:
    settings: Settings
    db: Database
    tokens: TokenCodec
    passwords: PasswordHashing
    limiter: RateLimiter  # shared counters in the database (sign-in, API keys)
    user_limiter: ProcessLimiter  # per-process requests of signed-in users
    cursors: CursorCodec
    files: BlobStore  # file contents: a directory, or the database (server.files.storage)
    callers: Callers = field(default_factory=Callers)  # recently authenticated (auth.callers)

    def unit_of_work(self) -> AbstractContextManager[Session]:
        """A write session committed once at the end (audit, change log), rolled back on any error."""
        return transaction(self.db)
