"""``crm-server backup`` and ``restore``: a consistent copy of the database, made while it serves.

SQLite is copied with its online backup API, page by page from one read
snapshot, so writers may go on meanwhile; PostgreSQL with ``pg_dump``, which
reads from one snapshot too. A backup is a single file: an SQLite database, or
``pg_dump``'s custom format. ``restore`` puts one back into the configured
database (of the same engine), brings its schema to this version, and gives the
server a new sync epoch, so every desktop starts a fresh sync from the restored
data (its own unsent edits are kept and pushed; see docs/sync-protocol.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one line."""


@dataclass(frozen=True)
class Copied:
    path: Path
    size: int
    engine: str


def backup(database_url: str, target: Path) -> Copied:
    """Write a consistent copy of the database to ``target`` (replaced only when complete)."""
    url = make_url(database_url)
    target = target.expanduser().resolve()
    if target.is_dir():
        raise BackupError(f"{target} is a directory; name the backup file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_path(url, must_exist=True), partial)
        else:
            _run(
                _pg_tool("pg_dump"),
                [*_pg_connection(url), "--format=custom", "--no-owner", f"--file={partial}"],
                url,
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Copied(target, target.stat().st_size, url.get_backend_name())


def restore(database_url: str, source: Path, *, force: bool) -> Copied:
    """Put the backup ``source`` into the database, at this version's schema, under a new epoch.

    A database that holds data is replaced only with ``force`` (stop the server
    first). The backup is checked before anything is touched: a file that is no
    backup, or one of the other engine, changes nothing.
    """
    url = make_url(database_url)
    source = source.expanduser().resolve()
    engine_name = url.get_backend_name()
    kind = _kind_of(source)
    if kind != engine_name:
        raise BackupError(
            f"{source.name} is a {kind} backup; this server's database is {engine_name}"
        )
    if not force and _holds_data(url):
        raise BackupError(
            "the database already holds data; stop the server and pass --force to replace it"
        )
    if engine_name == "sqlite":
        _sqlite_check(source)
        path = _sqlite_path(url, must_exist=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, path, pages=-1)  # one step: the old content stays until it is done
    else:
        pg_restore = _pg_tool("pg_restore")
        _run(pg_restore, ["--list", str(source)], url)  # a damaged file is refused here
        _pg_empty_schema(url)
        _run(
            pg_restore,
            [
                *_pg_connection(url),
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                str(source),
            ],
            url,
        )
    _bring_up_to_date(url)
    return Copied(source, source.stat().st_size, engine_name)


def _bring_up_to_date(url: URL) -> None:
    """Migrate the restored schema to this version and start a new sync epoch."""
    from server.db import make_engine
    from server.migrate import head_revision, known_revision, upgrade

    engine = make_engine(url.render_as_string(hide_password=False), pool_size=1)
    try:
        with engine.connect() as conn:
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        if revision is not None and not known_revision(revision):
            raise BackupError(
                f"the backup's schema ({revision}) is newer than this server's ({head_revision()}): "
                "restore it with the newer server"
            )
        upgrade(engine)
        with engine.begin() as conn:
            new_epoch(conn)
    finally:
        engine.dispose()


def new_epoch(connection: sa.Connection) -> None:
    """Replicas' cursors name the old epoch: they get 410 and start a fresh sync."""
    connection.execute(sa.text("UPDATE sync_state SET epoch = :e"), {"e": str(uuid.uuid4())})


def _kind_of(source: Path) -> str:
    try:
        with source.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror or exc}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{source.name} is not a Skeleton CRM backup (neither SQLite nor pg_dump)")


def _holds_data(url: URL) -> bool:
    if url.get_backend_name() == "sqlite" and not _sqlite_path(url, must_exist=False).exists():
        return False
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(sa.inspect(conn).get_table_names())
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(
            f"cannot open the database: {str(getattr(exc, 'orig', None) or exc).strip()}"
        ) from None
    finally:
        engine.dispose()


def _sqlite_path(url: URL, *, must_exist: bool) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("the SQLite database is not a file")
    path = Path(url.database)
    if must_exist and not path.exists():
        raise BackupError(f"no database at {path}")
    return path


def _sqlite_copy(source: Path, target: Path, *, pages: int = 1024) -> None:
    """SQLite's online backup: one consistent snapshot, taken in steps so writers are not starved.

    A step that finds the source changed by a writer starts the copy over, so the
    result is always one snapshot.
    """
    try:
        src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst, pages=pages)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite: {exc}") from None


def _sqlite_check(source: Path) -> None:
    try:
        conn = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{source.name} is damaged: {exc}") from None
    if not verdict or verdict[0] != "ok":
        raise BackupError(f"{source.name} is damaged: {verdict[0] if verdict else 'unreadable'}")
    if "alembic_version" not in tables:
        raise BackupError(f"{source.name} is an SQLite file but not a Skeleton CRM database")


def _pg_empty_schema(url: URL) -> None:
    """Replace the public schema with an empty one: the restore then recreates exactly the backup."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(
            f"cannot clear the database: {str(getattr(exc, 'orig', None) or exc).strip()}"
        ) from None
    finally:
        engine.dispose()


def _pg_tool(name: str) -> str:
    """The client tool, newest installed major version first (Debian keeps them per version)."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
        reverse=True,
    )
    found = [str(p) for p in versions if os.access(p, os.X_OK)] or [shutil.which(name) or ""]
    if not found[0]:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found[0]


def _pg_connection(url: URL) -> list[str]:
    """libpq's own URI (host, port, user, database, sslmode...), without the password."""
    plain = url.set(drivername="postgresql", password=None)
    return [f"--dbname={plain.render_as_string(hide_password=False)}", "--no-password"]


def _run(tool: str, args: list[str], url: URL) -> None:
    env = dict(os.environ)
    if url.password:  # never on the command line, where `ps` shows it
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(  # noqa: S603 - pg_dump or pg_restore with our own arguments
        [tool, *args], env=env, capture_output=True, text=True, check=False, timeout=3600
    )
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
        raise BackupError(f"{Path(tool).name}: {lines[0] if lines else f'exit {done.returncode}'}")
