"""The countries table, seeded from ISO 3166 by migration 0002."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, IdMixin, JSONType, TimestampMixin
from server.sync.models import SyncedMixin


class Country(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "countries"
    __entity__ = "country"

    code: Mapped[str] = mapped_column(sa.String(2), unique=True)
    alpha3: Mapped[str | None] = mapped_column(sa.String(3))
    numeric_code: Mapped[str | None] = mapped_column(sa.String(3))
    name: Mapped[dict[str, str]] = mapped_column(JSONType)
    phone_code: Mapped[str | None] = mapped_column(sa.String(8))
    currency_code: Mapped[str | None] = mapped_column(sa.String(3))
    region: Mapped[str | None] = mapped_column(sa.String(64))
    flag_emoji: Mapped[str | None] = mapped_column(sa.String(16))
    is_active: Mapped[bool] = mapped_column(default=True)
