"""Screenshots of the customers page: the list with demo data, the form with a validation error.

    xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots_customers.py

Starts ``crm-server demo`` + ``crm-server serve`` on a throwaway SQLite file,
syncs a fresh replica from it with the real sync client, and saves
docs/screenshots/customers-list.png and docs/screenshots/customer-form-validation.png.
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    from PySide6.QtCore import QCoreApplication, QLocale, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.core.client import PasswordTokenProvider, SyncClient
    from desktop.core.replica import Replica

    work = Path(tempfile.mkdtemp(prefix="crm-shots-"))
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(work / "server"),
        "CRM_ADMIN_PASSWORD": PASSWORD,
    }
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "crm-server", "demo", "--customers", "300"], env=env, check=True)  # noqa: S603 - our own CLI
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own CLI
        [bin_dir / "crm-server", "serve", "--port", str(port), "--log-level", "warning"], env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        tokens = PasswordTokenProvider(url)
        tokens.login("admin@skeleton.local", PASSWORD)
        replica = Replica(work / "replica.sqlite3")
        from desktop.core.customers import CustomerList

        CustomerList(replica).close()
        client = SyncClient(url, replica, tokens)
        client.sync_once()
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName("Skeleton CRM screenshots")
    from desktop.ui.customers.page import CustomersPage

    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    page = CustomersPage(replica, settings=settings)
    page.setWindowTitle("Customers — Skeleton CRM")
    page.resize(1280, 760)
    page.splitter.setSizes([760, 520])
    page.show()
    app.processEvents()

    # A record with a pending local edit and one open from the list.
    page.list_view.table.selectRow(1)
    app.processEvents()
    edited = page.list_view.current_id()
    page.replica.update(entity="customer", id=edited, changes={"notes": "Call back on Monday"})
    page.refresh()
    page.list_view.table.selectRow(3)
    app.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    QTimer.singleShot(200, app.quit)
    app.exec()
    page.grab().save(str(OUT / "customers-list.png"))

    page.new_record()
    form = page.form
    form.editors["name"].setText("Harbor Analytics")  # type: ignore[attr-defined]
    form.editors["email"].setText("sales@harbor")  # type: ignore[attr-defined]
    form.editors["phone"].setText("+1 555")  # type: ignore[attr-defined]
    form.editors["credit_limit"].setText("2,500.505")  # type: ignore[attr-defined]
    form.editors["address.city"].setText("Boston")  # type: ignore[attr-defined]
    page.save()  # refused: shows every message under its field
    QTimer.singleShot(200, app.quit)
    app.exec()
    page.grab().save(str(OUT / "customer-form-validation.png"))
    print(f"saved {OUT / 'customers-list.png'} and {OUT / 'customer-form-validation.png'}")


if __name__ == "__main__":
    main()
