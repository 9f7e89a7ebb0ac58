"""Background sync: the desktop/core SyncClient loop on a worker thread, reported by Qt signals.

The worker opens its own Replica (its own SQLite connection on the same WAL
file), so the UI thread never waits on a network round trip or a pulled page.
Nothing here touches a widget: the main window connects to the signals, which
Qt delivers on the UI thread (queued connections across threads).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import httpx
from PySide6.QtCore import QObject, QThread, Signal

from desktop.core.client import SyncClient, SyncError, SyncStatus, TokenProvider
from desktop.core.replica import PageInfo, Replica

log = logging.getLogger(__name__)


class _ReportingClient(SyncClient):
    """The core client, telling the worker about every applied pull page."""

    def __init__(self, worker: SyncWorker, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._worker = worker
        self._snapshot_records = 0

    def page_applied(self, page: PageInfo) -> None:
        if page.reset:
            self._snapshot_records = 0
        if page.phase == "snapshot":
            self._snapshot_records += page.changes
            self._worker.snapshot_progress.emit(self._snapshot_records, not page.has_more)
            if not page.has_more:
                # Done is reported once: a later incremental page must not report it again
                # (a late duplicate reached the UI after the next sync had started).
                self._snapshot_records = 0
        elif self._snapshot_records:
            self._worker.snapshot_progress.emit(self._snapshot_records, True)
            self._snapshot_records = 0
        if page.changes or page.reset:
            self._worker.pulled.emit(list(page.entities))


class SyncWorker(QThread):
    """Runs ``SyncClient.run`` until ``stop()``; ``start()`` again after a stop resumes."""

    #: SyncStatus after every round (online, pending, last sync, last error).
    status_changed = Signal(object)
    #: A pulled page changed records: the entity names it touched.
    pulled = Signal(list)
    #: Initial sync: records received so far, and whether the snapshot is complete.
    snapshot_progress = Signal(int, bool)
    #: The loop ended for good (426 or an ended session); the message says why.
    failed = Signal(str, str)

    def __init__(
        self,
        server_url: str,
        replica_path: Path,
        tokens: TokenProvider,
        *,
        interval: float = 30.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("crm-sync")
        self.server_url = server_url
        self.replica_path = replica_path
        self.tokens = tokens
        self.interval = interval
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.transport = transport
        self._stop = threading.Event()
        self._client: SyncClient | None = None
        self._client_lock = threading.Lock()

    def start(self, priority: QThread.Priority = QThread.Priority.InheritPriority) -> None:
        """Start (again): the stop flag is cleared here, before the thread exists, so a
        ``stop()`` right after ``start()`` is never lost."""
        self._stop.clear()
        super().start(priority)

    def run(self) -> None:
        replica = Replica(self.replica_path)
        client = _ReportingClient(
            self,
            self.server_url,
            replica,
            self.tokens,
            transport=self.transport,
            timeout=15.0,
            on_status=self.status_changed.emit,
        )
        with self._client_lock:
            self._client = client
        try:
            client.run(
                self._stop,
                interval=self.interval,
                backoff_base=self.backoff_base,
                backoff_cap=self.backoff_cap,
            )
        except SyncError as exc:
            self.failed.emit(type(exc).__name__, str(exc))
        except Exception as exc:  # never die silently on a worker thread
            log.exception("sync worker crashed")
            self.failed.emit(type(exc).__name__, str(exc))
        finally:
            with self._client_lock:
                self._client = None
            client.close()
            replica.close()

    def wake(self) -> None:
        """Sync now (a local edit, or the user's "Sync now")."""
        with self._client_lock:
            if self._client is not None:
                self._client.wake()

    def stop(self, timeout_ms: int = 10_000) -> None:
        """Stop the loop and wait for the thread (the loop hangs up the event stream)."""
        self._stop.set()
        if self.isRunning() and not self.wait(timeout_ms):
            log.warning("sync worker did not stop within %s ms", timeout_ms)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()


__all__ = ["SyncStatus", "SyncWorker"]
