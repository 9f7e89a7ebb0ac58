"""`crm-server backup` / `restore`, run for real while the server takes writes.

A backup made while customers are being created is one consistent snapshot;
restored into an empty database it equals the source table by table, and the
desktops' cursors of the old data are answered 410 so they resync.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from server.db import make_engine
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, LiveServer, start_server
from tests.e2e.test_admin_cli import crm, ok, refused
from tests.factories import create_customer

pytestmark = pytest.mark.engines


def tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in primary-key order (the sync epoch left out: restore renews it)."""
    engine = make_engine(url, pool_size=1)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        out = {}
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                if name.endswith(("_fts_data", "_fts_idx", "_fts_docsize", "_fts_config")):
                    continue
                cols = [
                    c for c in table.columns if not (name == "sync_state" and c.name == "epoch")
                ]
                order = list(table.primary_key.columns) or cols
                out[name] = [tuple(r) for r in conn.execute(sa.select(*cols).order_by(*order))]
        return out
    finally:
        engine.dispose()


def scalar(url: str, sql: str) -> Any:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def test_a_backup_taken_under_writes_restores_as_one_consistent_snapshot(
    admin: Api, db_url: str, empty_db_url: str, tmp_path: Path
) -> None:
    for i in range(5):
        create_customer(admin, name=f"Before {i}")
    done = threading.Event()
    acknowledged: list[str] = []

    def keep_writing() -> None:
        with Api(base_url=str(admin.base_url), headers=dict(admin.headers), timeout=30) as client:
            n = 0
            while not done.is_set():
                acknowledged.append(create_customer(client, name=f"During {n}")["id"])
                n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(acknowledged) < 3:  # the backup starts while writes are under way
            threading.Event().wait(0.02)
        seen_before = list(acknowledged)
        out = ok(crm(db_url, tmp_path, "backup", str(tmp_path / "under-writes.bak")))
    finally:
        done.set()
        writer.join(timeout=60)
    assert "Backed up" in out and len(acknowledged) > len(seen_before)

    ok(crm(empty_db_url, tmp_path / "restore", "restore", str(tmp_path / "under-writes.bak")))
    engine = make_engine(empty_db_url, pool_size=1)
    with engine.connect() as conn:
        restored_ids = set(conn.execute(sa.text("SELECT id FROM customers")).scalars())
    engine.dispose()
    # Everything acknowledged before the backup began is in it; each record it holds
    # came with its change-log entry, and the counter is the log's last version.
    assert set(seen_before) <= restored_ids
    assert (
        scalar(
            empty_db_url,
            "SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM change_log l "
            "WHERE l.entity = 'customer' AND l.entity_id = c.id)",
        )
        == 0
    )
    assert scalar(empty_db_url, "SELECT version FROM sync_state") == scalar(
        empty_db_url, "SELECT max(version) FROM change_log"
    )


def test_a_restored_backup_equals_its_source_and_sends_desktops_to_resync(
    admin: Api, db_url: str, empty_db_url: str, tmp_path: Path
) -> None:
    for i in range(4):
        create_customer(admin, name=f"Kept {i}")
    pulled = admin.get("/api/v1/sync/pull")
    assert pulled.status_code == 200, pulled.text
    old_cursor = pulled.json()["cursor"]
    backup_file = tmp_path / "quiet.bak"
    ok(crm(db_url, tmp_path, "backup", str(backup_file)))
    source = tables(db_url)

    # Restoring over data is refused without --force, and changes nothing.
    create_customer(admin, name="After the backup")
    after = tables(db_url)
    refused(crm(db_url, tmp_path, "restore", str(backup_file)), "--force")
    assert tables(db_url) == after
    # Neither is a file that is no backup.
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a backup at all" * 10)
    refused(crm(empty_db_url, tmp_path, "restore", str(junk)), "not a Skeleton CRM backup")

    out = ok(crm(empty_db_url, tmp_path / "restore", "restore", str(backup_file)))
    assert "fresh sync" in out
    assert tables(empty_db_url) == source
    assert scalar(empty_db_url, "SELECT epoch FROM sync_state") != scalar(
        db_url, "SELECT epoch FROM sync_state"
    )

    # A server on the restored database serves the same customers; a desktop's old
    # cursor is sent to start over, not fed a history it no longer matches.
    restored: LiveServer = start_server(_app_for(empty_db_url, tmp_path / "restored-data"))
    try:
        with Api(base_url=restored.url) as client:
            client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
            names = {c["name"] for c in client.get("/api/v1/customers?limit=100").json()["items"]}
            assert {f"Kept {i}" for i in range(4)} <= names and "After the backup" not in names
            r = client.get("/api/v1/sync/pull", params={"cursor": old_cursor})
            assert r.status_code == 410 and r.json()["error"] == "reset_required", r.text
    finally:
        restored.stop()

    # With --force, the restore replaces the data the database held.
    ok(crm(db_url, tmp_path, "restore", "--force", str(backup_file)))
    assert tables(db_url) == source


def _app_for(url: str, data_dir: Path) -> Any:
    from server.app import build_context, create_app
    from tests.conftest import fast_passwords, make_settings

    return create_app(build_context(make_settings(url, data_dir), passwords=fast_passwords()))
