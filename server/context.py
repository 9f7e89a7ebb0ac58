"""What the app holds between requests: settings, database, token codec, hasher, limiters."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import Settings
from server.db import Database
from server.ratelimit.memory import ProcessLimiter
from server.ratelimit.storage import RateLimiter
from server.security import PasswordHashing, TokenCodec


@dataclass
class AppContext:
    settings: Settings
    db: Database
    tokens: TokenCodec
    passwords: PasswordHashing
    limiter: RateLimiter  # shared counters in the database (sign-in, API keys)
    user_limiter: ProcessLimiter  # per-process requests of signed-in users
