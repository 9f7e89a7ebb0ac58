"""Files: a record per upload, and the content it names, stored once per SHA-256."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, IdMixin, utcnow
from server.sync.models import SyncedMixin


class FileBlob(Base):
    """One stored content, named by its SHA-256; every file row with that digest points here.

    The row exists in both storages: the directory store keeps the bytes in a file
    named after ``digest``, the database store in ``file_chunks``. Its lock orders an
    upload of the content against the removal of its last file (storage.collect).
    """

    __tablename__ = "file_blobs"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FileChunk(Base):
    """A piece of a blob in the database store (CHUNK_BYTES each, the last one shorter)."""

    __tablename__ = "file_chunks"

    digest: Mapped[str] = mapped_column(
        sa.String(64), sa.ForeignKey("file_blobs.digest", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class StoredFile(IdMixin, SyncedMixin, Base):
    """An uploaded file: its original name, detected type, and the record it belongs to."""

    __tablename__ = "files"
    __entity__ = "file"

    name: Mapped[str] = mapped_column(sa.String(255))
    mime_type: Mapped[str] = mapped_column(sa.String(127))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    digest: Mapped[str] = mapped_column(
        sa.String(64), sa.ForeignKey("file_blobs.digest"), index=True
    )
    entity: Mapped[str | None] = mapped_column(sa.String(40))
    entity_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_by: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.Index("ix_files_record", "entity", "entity_id"),
        sa.CheckConstraint("size >= 0", name="size_not_negative"),
        sa.CheckConstraint("(entity IS NULL) = (entity_id IS NULL)", name="record_whole"),
    )
