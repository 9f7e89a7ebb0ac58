"""Screenshots of the desktop's pages in the main window at 1280x800, on demo data.

    xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots.py

(``QT_QPA_PLATFORM=offscreen`` works too; the window draws itself with ``grab()``.)
Starts ``crm-server demo`` + ``crm-server serve`` on a throwaway SQLite file,
syncs a fresh replica from it with the real sync client, and saves to
docs/screenshots/: customers-list.png, customer-form-validation.png,
deals-pipeline.png, deal-form-client-picker.png, suppliers-list.png (the
blacklisted supplier open: read-only, with its reason), partners-list.png,
employees-list.png.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "03041965"  # the local demo password (scripts/run.sh)
EMAIL = "admin@skeleton.local"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _synced_replica(work: Path) -> tuple[str, Path]:
    """A demo server's data, synced into a fresh replica by the real client."""
    from desktop.core.client import PasswordTokenProvider, SyncClient
    from desktop.core.replica import Replica

    env = {**os.environ, "CRM_DATA_DIR": str(work / "server"), "CRM_ADMIN_PASSWORD": PASSWORD}
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "crm-server", "demo", "--customers", "300"], env=env, check=True)  # noqa: S603 - our own CLI
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own CLI
        [bin_dir / "crm-server", "serve", "--port", str(port), "--log-level", "warning"], env=env
    )
    url = f"http://127.0.0.1:{port}"
    path = work / "replica.sqlite3"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        tokens = PasswordTokenProvider(url)
        tokens.login(EMAIL, PASSWORD)
        replica = Replica(path)
        client = SyncClient(url, replica, tokens)
        client.sync_once()
        client.close()
        replica.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return url, path


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

    work = Path(tempfile.mkdtemp(prefix="crm-shots-"))
    url, replica_path = _synced_replica(work)

    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication(sys.argv[:1])  # noqa: F841 - kept alive for the whole run
    QCoreApplication.setOrganizationName("Skeleton CRM screenshots")
    from desktop.core.profile import Profile
    from desktop.core.replica import Replica
    from desktop.ui.deals.page import DealsPage
    from desktop.ui.kit.page import RecordPage
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
        # A local loop: QApplication.quit() would close the window (Qt 6) and stop its layout.
        loop = QEventLoop()
        QTimer.singleShot(250, loop.quit)
        loop.exec()

    def shoot(name: str) -> None:
        settle()
        window.grab().save(str(OUT / name))
        print("saved", OUT / name)

    # Customers: a record with a pending local edit, and one open from the list.
    customers = window.pages["customers"]
    assert isinstance(customers, RecordPage)
    customers.splitter.setSizes([720, 420])
    customers.list_view.table.selectRow(1)
    settle()
    edited = customers.list_view.current_id()
    replica.update(entity="customer", id=edited, changes={"notes": "Call back on Monday"})
    customers.refresh()
    customers.list_view.table.selectRow(3)
    window.state.pending = 1
    window.sync_button.show_state(window.state)
    shoot("customers-list.png")

    customers.new_record()
    form = customers.form
    form.editors["name"].setText("Harbor Analytics")
    form.editors["email"].setText("sales@harbor")
    form.editors["phone"].setText("+1 555")
    form.editors["credit_limit"].setText("2,500.505")
    form.editors["address.city"].setText("Boston")
    customers.save()  # refused: shows every message under its field
    shoot("customer-form-validation.png")
    customers.form.load(None)
    customers.close_record()

    # Deals: the pipeline with a card open in the form.
    window.statusBar().clearMessage()
    window.sidebar.setCurrentRow(1)
    deals = window.pages["deals"]
    assert isinstance(deals, DealsPage)
    lead = deals.pipeline.columns[next(iter(deals.pipeline.columns))].cards
    lead.setCurrentRow(0)
    shoot("deals-pipeline.png")

    # The client picker: type part of a name, the matches tell same-named clients apart.
    picker = deals.form.editors["client_id"]
    picker.line.setFocus()
    picker.line.setText("Anna")
    picker.search("Anna")
    settle()
    popup = picker.completer.popup()
    # The popup is a window of its own: draw it onto the window's picture where it opens.
    picture = window.grab()
    from PySide6.QtGui import QPainter

    painter = QPainter(picture)
    # Where Qt opens it: under the text field, moved left if it would leave the window.
    under = picker.line.mapTo(window, picker.line.rect().bottomLeft())
    under.setX(min(under.x(), window.width() - popup.width() - 4))
    painter.drawPixmap(under, popup.grab())
    painter.end()
    picture.save(str(OUT / "deal-form-client-picker.png"))
    print("saved", OUT / "deal-form-client-picker.png")
    popup.hide()

    # Suppliers, partners, employees: the list with one record open in the form.
    def party(key: str, status: str, name: str) -> None:
        window.statusBar().clearMessage()
        window.sidebar.setCurrentRow([s.key for s in window.specs].index(key))
        window.centralWidget().setSizes([110, 1170])  # a narrower sidebar: every column shows
        page = window.pages[key]
        assert isinstance(page, RecordPage)
        page.splitter.setSizes([835, 325])
        model = page.model
        rows = [model.row_at(r) for r in range(model.rowCount())]
        row = next(n for n, r in enumerate(rows) if r is not None and r["status"] == status)
        page.list_view.table.selectRow(row)
        shoot(name)

    party("suppliers", "blacklisted", "suppliers-list.png")
    party("partners", "active", "partners-list.png")
    party("employees", "active", "employees-list.png")
    window.shutdown()


if __name__ == "__main__":
    main()
