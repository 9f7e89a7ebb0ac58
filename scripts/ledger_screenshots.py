"""Screenshots of the ledger's pages in the main window at 1280x800, on demo data.

    xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/ledger_screenshots.py

The demo server and the synced replica come from scripts/screenshots.py (the
demo loads the starter chart, a few months of entries, and its invoices post
to it). Saves to docs/screenshots/: chart-of-accounts.png (the tree with
balances, an account open), journal-imbalance.png (an entry being typed whose
debits and credits differ: the difference shown, Post disabled) and
profit-and-loss.png (this year's P&L with the chart by month).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from screenshots import EMAIL, OUT, _synced_replica  # noqa: E402 - after the path


def main() -> None:
    from PySide6.QtCore import (
        QCoreApplication,
        QDateTime,
        QEventLoop,
        QLocale,
        QSettings,
        Qt,
        QTimer,
    )
    from PySide6.QtWidgets import QApplication

    work = Path(tempfile.mkdtemp(prefix="crm-ledger-shots-"))
    url, replica_path = _synced_replica(work)

    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication(sys.argv[:1])  # noqa: F841 - kept alive for the whole run
    QCoreApplication.setOrganizationName("Skeleton CRM screenshots")
    from desktop.core.profile import Profile
    from desktop.core.replica import Replica
    from desktop.ui.ledger.accounts import AccountsPage
    from desktop.ui.ledger.journal import JournalPage
    from desktop.ui.ledger.reports import ReportsPage
    from desktop.ui.main_window import MainWindow

    profile = Profile(url, EMAIL, work / "desk").ensure()
    replica = Replica(replica_path)
    window = MainWindow(
        profile=profile,
        replica=replica,
        worker=None,
        settings=QSettings(str(work / "window.ini"), QSettings.Format.IniFormat),
        credential_note="",
    )
    window.resize(1280, 800)
    window.state.online = True
    window.state.last_sync_at = QDateTime.currentDateTimeUtc().toString(Qt.DateFormat.ISODate)
    window.sync_button.show_state(window.state)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)

    def settle() -> None:
        loop = QEventLoop()
        QTimer.singleShot(300, loop.quit)
        loop.exec()

    def shoot(name: str) -> None:
        settle()
        window.grab().save(str(OUT / name))
        print("saved", OUT / name)

    def go(key: str) -> object:
        window.statusBar().clearMessage()
        window.sidebar.setCurrentRow([s.key for s in window.specs].index(key))
        window.centralWidget().setSizes([120, 1160])
        return window.pages[key]

    # The chart of accounts: the tree with balances, the bank account open.
    accounts = go("accounts")
    assert isinstance(accounts, AccountsPage)
    accounts.splitter.setSizes([700, 460])
    bank = next(a.id for a in accounts.book.accounts() if a.code == "1020")
    accounts.open_record(bank)
    shoot("chart-of-accounts.png")

    # A journal entry being typed: rent paid from the bank, the credit mistyped.
    journal = go("journal")
    assert isinstance(journal, JournalPage)
    journal.splitter.setSizes([430, 730])
    journal.new_record()
    lines = journal.entries
    for row, text in ((0, "5100"), (1, "1020")):
        assert lines.picker(row).search(text), text
        lines.picker(row).choose(0)
    journal.form.editors["description"].setText("Office rent, December")
    journal.form.editors["reference"].setText("Lease 2026-12")
    lines.debit(0).setText("1,800.00")
    lines.credit(1).setText("1,080.00")
    lines.credit(1).textEdited.emit(lines.credit(1).text())
    shoot("journal-imbalance.png")
    journal.form.load(None)
    journal.close_record()

    # Profit and loss for this year, with the chart by month.
    reports = go("reports")
    assert isinstance(reports, ReportsPage)
    reports.choose("profit_and_loss")
    reports.set_period("this_year")
    reports.currency.setCurrentIndex(reports.currency.findData("USD"))
    reports.body.setSizes([330, 330])
    shoot("profit-and-loss.png")
    window.shutdown()


if __name__ == "__main__":
    main()
