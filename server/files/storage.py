"""Where file contents live: a directory (the default) or the database (shared by every process).

Contents are stored once per SHA-256 (content-addressed), never under a name a
client chose. Both stores keep a ``file_blobs`` row per content; an upload claims
it (insert, or a share lock on the existing row) in its own transaction, and the
removal of a content whose last file went (``collect``, after that delete's commit)
locks it for update and looks again: the two are ordered by that row's lock, so a
content is never removed under a file that names it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.config import Settings
from server.db import Database, utcnow
from server.errors import Conflict
from server.files.models import FileBlob, FileChunk, StoredFile
from server.unit_of_work import transaction

CHUNK_BYTES = 1 << 20  # a database-stored content's piece; also the read size of a download
READ_BYTES = 64 * 1024


class BlobStore(Protocol):
    """The bytes of each content. ``place`` and ``remove`` run inside a write transaction."""

    kind: str
    staging: Path  # uploads are received into files here before they are placed

    def place(self, session: Session, digest: str, staged: Path) -> None: ...

    def remove(self, session: Session, digest: str) -> None: ...

    def read(self, digest: str, start: int, stop: int) -> Iterator[bytes]:
        """The bytes ``start`` up to ``stop`` (exclusive), a piece at a time."""
        ...


class DirectoryStore:
    """Contents as files ``<root>/<digest[:2]>/<digest>``; what one machine's processes share."""

    kind = "directory"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / ".staging"
        self.staging.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def place(self, session: Session, digest: str, staged: Path) -> None:  # noqa: ARG002
        target = self.path(digest)
        target.parent.mkdir(exist_ok=True, mode=0o700)
        # Always: the same digest is the same bytes, and a file a failed removal left
        # missing comes back. The rename is atomic; readers of the old inode keep it.
        os.replace(staged, target)

    def remove(self, session: Session, digest: str) -> None:  # noqa: ARG002
        self.path(digest).unlink(missing_ok=True)

    def read(self, digest: str, start: int, stop: int) -> Iterator[bytes]:
        with self.path(digest).open("rb") as fh:
            fh.seek(start)
            left = stop - start
            while left > 0:
                piece = fh.read(min(READ_BYTES, left))
                if not piece:
                    return
                left -= len(piece)
                yield piece


class DatabaseStore:
    """Contents in ``file_chunks``: every server process on one PostgreSQL sees the same files."""

    kind = "database"

    def __init__(self, db: Database, staging: Path) -> None:
        self.db = db
        self.staging = staging
        self.staging.mkdir(parents=True, exist_ok=True, mode=0o700)

    def place(self, session: Session, digest: str, staged: Path) -> None:
        stored = session.scalar(
            sa.select(sa.func.count()).select_from(FileChunk).where(FileChunk.digest == digest)
        )
        if stored:
            return
        with staged.open("rb") as fh:
            seq = 0
            while piece := fh.read(CHUNK_BYTES):  # one piece in memory at a time
                session.execute(sa.insert(FileChunk).values(digest=digest, seq=seq, data=piece))
                seq += 1

    def remove(self, session: Session, digest: str) -> None:
        session.execute(sa.delete(FileChunk).where(FileChunk.digest == digest))

    def read(self, digest: str, start: int, stop: int) -> Iterator[bytes]:
        seq = start // CHUNK_BYTES
        offset = start - seq * CHUNK_BYTES
        left = stop - start
        while left > 0:
            # A short read session per piece: a slow download holds no transaction open.
            with self.db.session(write=False) as session:
                piece = session.scalar(
                    sa.select(FileChunk.data).where(
                        FileChunk.digest == digest, FileChunk.seq == seq
                    )
                )
            if piece is None:
                return
            piece = bytes(piece[offset : offset + left])
            offset = 0
            seq += 1
            left -= len(piece)
            for at in range(0, len(piece), READ_BYTES):
                yield piece[at : at + READ_BYTES]


def make_store(settings: Settings, db: Database) -> BlobStore:
    """The configured store: ``auto`` is the database on PostgreSQL, else the data directory."""
    kind = settings.file_storage
    if kind == "auto":
        kind = "database" if db.dialect == "postgresql" else "directory"
    root = settings.files_dir or settings.data_dir / "files"
    if kind == "database":
        return DatabaseStore(db, root / ".staging")
    return DirectoryStore(root)


def staged_file(store: BlobStore) -> tuple[int, Path]:
    """A new private file to receive an upload into, beside where it will be placed."""
    fd, name = tempfile.mkstemp(dir=store.staging, prefix="upload-")
    return fd, Path(name)


def _insert_ignoring_existing(session: Session, digest: str, size: int) -> bool:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(FileBlob)
        .values(digest=digest, size=size, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["digest"])
    )
    # RETURNING, not rowcount: what psycopg reports for ON CONFLICT DO NOTHING is not 1 or 0.
    return session.execute(statement.returning(FileBlob.digest)).first() is not None


def claim(session: Session, store: BlobStore, digest: str, size: int, staged: Path) -> None:
    """Make the content ``digest`` stored and keep it so until this transaction ends.

    A new content's row is inserted (an insert racing a removal waits for it on
    PostgreSQL, then inserts); an existing one is share-locked, so a removal waits
    for this transaction and then sees the file that names it.
    """
    for _ in range(3):
        if _insert_ignoring_existing(session, digest, size):
            break
        locked = session.execute(
            sa.select(FileBlob.digest)
            .where(FileBlob.digest == digest)
            .with_for_update(read=True, key_share=True)
        ).first()
        if locked is not None:
            break
    else:  # removed three times between our insert and our lock: give up, the client retries
        raise Conflict("The file's content is being removed; try again")
    store.place(session, digest, staged)


def collect(db: Database, store: BlobStore, digest: str) -> bool:
    """Remove the content ``digest`` if no file names it any more; True if it was removed."""
    with transaction(db) as session:
        row = session.execute(
            sa.select(FileBlob.digest).where(FileBlob.digest == digest).with_for_update()
        ).first()
        if row is None:
            return False
        used = session.scalar(
            sa.select(sa.func.count()).select_from(StoredFile).where(StoredFile.digest == digest)
        )
        if used:
            return False
        store.remove(session, digest)
        session.execute(sa.delete(FileBlob).where(FileBlob.digest == digest))
        return True


def discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
