"""The sync worker: the core loop on a QThread, its own replica connection, Qt signals out."""

from __future__ import annotations

import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.core.credentials import MemoryStore, StoredTokenProvider, sign_in
from desktop.core.replica import Replica
from desktop.ui.sync_worker import SyncWorker
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, LiveServer


def test_the_worker_syncs_reports_by_signals_stops_at_once_and_resumes(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    for n in range(5):
        r = admin.post("/api/v1/customers", json={"name": f"C{n}", "email": f"c{n}@x.example"})
        assert r.status_code == 201
    store = MemoryStore()
    tokens = StoredTokenProvider.from_sign_in(
        server.url, store, "k", sign_in(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    )
    path = tmp_path / "replica.sqlite3"
    ui_replica = Replica(path)  # the UI thread's own connection on the same file
    worker = SyncWorker(server.url, path, tokens)
    statuses: list[object] = []
    pulled: list[list[str]] = []
    progress: list[tuple[int, bool]] = []
    worker.status_changed.connect(statuses.append)
    worker.pulled.connect(pulled.append)
    worker.snapshot_progress.connect(lambda n, done: progress.append((n, done)))
    try:
        with qtbot.waitSignal(worker.status_changed, timeout=10_000):
            worker.start()
        assert statuses[-1].online and statuses[-1].error is None
        assert any("customer" in e for e in pulled)
        assert progress[-1][1] is True and progress[-1][0] >= 5  # the snapshot finished
        assert len(ui_replica.list(entity="customer")) == 5

        # An edit on the UI connection is pushed by the worker's connection.
        cid = ui_replica.list(entity="customer")[0]["id"]
        ui_replica.update(entity="customer", id=cid, changes={"notes": "from the UI thread"})
        worker.wake()
        qtbot.waitUntil(lambda: ui_replica.pending_count() == 0, timeout=10_000)
        assert admin.get(f"/api/v1/customers/{cid}").json()["notes"] == "from the UI thread"
        # The round after the push pulls incrementally: the snapshot's end is reported once only.
        with qtbot.waitSignal(worker.status_changed, timeout=10_000):
            worker.wake()
        assert [p for p in progress if p[1]] == [progress[-1]]

        started = time.monotonic()
        worker.stop()
        assert not worker.isRunning() and time.monotonic() - started < 3

        # Started again, it resumes from the replica's cursor (no new snapshot).
        admin.post("/api/v1/customers", json={"name": "Later", "email": "later@x.example"})
        progress.clear()
        worker.start()
        qtbot.waitUntil(lambda: len(ui_replica.list(entity="customer")) == 6, timeout=10_000)
        assert progress == []
    finally:
        worker.stop()
        ui_replica.close()
