"""Document numbers the server assigns: gapless per series and year, unique across processes.

One counter row per (series, year). Taking a number increments it with
``UPDATE ... RETURNING`` inside the document's own transaction: on PostgreSQL the
row lock makes a second process's writer wait until the first commits or rolls
back (SQLite's write lock does the same), and a rolled-back transaction gives its
number back with everything else. So numbers are unique and have no gaps, with
any number of server processes on one database.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from server.db import Base


class DocumentCounter(Base):
    """The last number taken in a series and year (``INV``, 2026 -> 41)."""

    __tablename__ = "document_counters"

    series: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (sa.CheckConstraint("last >= 0", name="last_nonnegative"),)


def next_number(session: Session, series: str, year: int) -> int:
    """Take the next number of ``series`` in ``year`` (1 for the first); held until commit."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(DocumentCounter)
        .values(series=series, year=year, last=0)
        .on_conflict_do_nothing(index_elements=["series", "year"])
    )
    taken = session.execute(
        sa.update(DocumentCounter)
        .where(DocumentCounter.series == series, DocumentCounter.year == year)
        .values(last=DocumentCounter.last + 1)
        .returning(DocumentCounter.last)
    ).scalar_one()
    return int(taken)
