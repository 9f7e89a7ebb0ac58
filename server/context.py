"""What the app holds between requests: settings, database, token and cursor codecs, hasher, limiter."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import Settings
from server.db import Database
from server.ratelimit.storage import RateLimiter
from server.security import PasswordHashing, TokenCodec
from server.sync.cursor import CursorCodec


@dataclass
class AppContext:
    settings: Settings
    db: Database
    tokens: TokenCodec
    passwords: PasswordHashing
    limiter: RateLimiter
    cursors: CursorCodec
