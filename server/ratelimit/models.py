"""Fixed-window counters for the ``limits`` library."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)
