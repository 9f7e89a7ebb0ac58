"""The contracts' scheduled job: expire what ended, renew what renews itself.

Every server process runs :class:`ContractJob` (started with the app, every
``CRM_CONTRACT_JOB_SECONDS``), and any number of them may share one database:

- on PostgreSQL a run first takes a transaction-level advisory lock
  (``pg_try_advisory_xact_lock``); a process that does not get it skips its run,
  so one process at a time does the work, and the lock ends with its commit;
- on SQLite the write session's ``BEGIN IMMEDIATE`` lets one writer in at a time;
- either way :func:`service.run_due` locks the rows it changes and judges each
  contract as it stands now: a run after another's commit finds nothing left.

A run goes through the unit of work like any request: audit records with no
actor, change-log entries, so the changes reach replicas by the next pull and
the live poke (``Database.on_commit``).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime

import sqlalchemy as sa

from server.contracts.models import Contract
from server.contracts.service import DueResult, run_due
from server.db import Database
from server.unit_of_work import transaction

log = logging.getLogger("crm.contracts")

# The advisory lock key of this job ("crm contracts" as a 63-bit number; any fixed value would do).
LOCK_KEY = 0x63726D5F636F6E74


def today() -> date:
    return datetime.now(UTC).date()


def run_once(db: Database, on: date | None = None) -> DueResult | None:
    """One run of the job; None if another process holds it or nothing is due."""
    day = on or today()
    due = sa.select(Contract.id).where(Contract.status == "active", Contract.end_date < day)
    with db.session(write=False) as reader:  # the common case: nothing due, no write lock taken
        if reader.scalar(due.limit(1)) is None:
            return None
    with transaction(db) as session:
        if db.dialect == "postgresql" and not session.scalar(
            sa.select(sa.func.pg_try_advisory_xact_lock(LOCK_KEY))
        ):
            return None
        result = run_due(session, day)
    if result.expired or result.renewed:
        log.info("contracts: %d expired, %d renewed", len(result.expired), len(result.renewed))
    return result


class ContractJob:
    """Runs :func:`run_once` now and then every ``interval`` seconds, on a thread of its own."""

    def __init__(self, db: Database, interval: float) -> None:
        self._db = db
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="crm-contract-job", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_once(self._db)
            except Exception:  # a failed run is retried at the next tick; the server goes on
                log.exception("contracts: the scheduled run failed")
            self._stop.wait(self._interval)
