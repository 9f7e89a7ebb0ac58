"""Screenshots of the desktop's pages in the main window at 1280x800, on demo data.

    xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots.py

(``QT_QPA_PLATFORM=offscreen`` works too; the window draws itself with ``grab()``.)
Starts ``crm-server demo`` + ``crm-server serve`` on a throwaway SQLite file,
syncs a fresh replica from it with the real sync client, and saves to
docs/screenshots/: customers-list.png, customer-form-validation.png,
deals-pipeline.png, deal-form-client-picker.png, suppliers-list.png (the
blacklisted supplier open: read-only, with its reason), partners-list.png,
employees-list.png, catalog-list.png, categories-list.png, order-form-lines.png,
invoice-form-lines.png (a draft made offline: "Draft", no number yet),
invoice-form-sent.png, invoice-payment-dialog.png, customer-form-invoices.png,
invoice-pdf-page1.png (the first page of an invoice's PDF, as the desktop's
Save as PDF writes it, rendered at 150 dpi), stock-list.png (low stock flagged,
a record's movements under its form), stock-adjust-dialog.png and
warehouses-list.png (``--only inventory``: these three alone), contracts-list.png
(an active contract's terms open; those ending within 30 days highlighted) and
supplier-form-contracts.png (a party's contracts under its form).
``--only contracts`` takes just the contracts' screenshots.

When the demo has no sales documents yet, a few are made through the API
(``_sales``): catalog items, orders and invoices in several states.
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


def _sales(url: str) -> None:
    """Catalog items, orders and invoices in several states, unless the demo made some."""
    from datetime import UTC, datetime, timedelta

    http = httpx.Client(base_url=url, timeout=30)
    token = http.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    if http.get("/api/v1/invoices").json()["total"]:
        return

    def ok(r: httpx.Response) -> dict[str, object]:
        if r.status_code >= 300:
            raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text}")
        body: dict[str, object] = r.json()
        return body

    listed = http.get("/api/v1/customers", params={"limit": 100}).json()["items"]
    customers = [c for c in listed if c.get("active") and c.get("currency") == "USD"][:6]
    items = {}
    categories = {
        name: str(ok(http.post("/api/v1/catalog/categories", json={"name": name}))["id"])
        for name in ("Services", "Software", "Hardware")
    }
    for sku, name, price, tax, category in (
        ("SRV-100", "Consulting hour", 15000, None, "Services"),
        ("SRV-110", "On-site workshop (day)", 120000, "vat_20", "Services"),
        ("LIC-200", "Analytics license (annual)", 49000, "vat_20", "Software"),
        ("HW-310", "Barcode scanner", 8990, "vat_19", "Hardware"),
        ("HW-320", "Label printer", 21900, "vat_19", "Hardware"),
        ("SUP-400", "Priority support (month)", 9900, None, "Services"),
    ):
        body = {
            "sku": sku,
            "name": name,
            "unit_price": price,
            "currency": "USD",
            "tax_rate": tax,
            "category_id": categories[category],
        }
        items[sku] = str(ok(http.post("/api/v1/catalog/items", json=body))["id"])
    http.post(
        "/api/v1/catalog/items",
        json={
            "sku": "HW-300",
            "name": "Scanner (old model)",
            "unit_price": 7900,
            "currency": "USD",
            "status": "discontinued",
        },
    )

    def lines(*picked: tuple[str, int]) -> list[dict[str, object]]:
        return [{"item_id": items[sku], "quantity": q} for sku, q in picked]

    for n, (status_path, picked) in enumerate(
        (
            ([], (("HW-310", 12), ("HW-320", 3))),
            (["pending", "confirmed"], (("SRV-110", 2), ("LIC-200", 1))),
            (["pending", "confirmed", "shipped"], (("HW-310", 4),)),
        )
    ):
        customer = customers[n]
        order = ok(
            http.post(
                "/api/v1/orders",
                json={
                    "customer_id": customer["id"],
                    "lines": lines(*picked),
                    "shipping_address": {
                        "street": f"{100 + n} Harbor Way",
                        "city": "Boston",
                        "state": "MA",
                        "postal_code": "02110",
                        "country": "US",
                    },
                },
            )
        )
        for status in status_path:
            ok(http.patch(f"/api/v1/orders/{order['id']}/status", json={"status": status}))
    today = datetime.now(UTC).date()
    for n, (after, picked, due) in enumerate(
        (
            ("paid", (("SRV-100", 10), ("LIC-200", 1)), 30),
            ("partly", (("SRV-110", 1), ("SUP-400", 3)), 14),
            ("sent", (("HW-310", 5), ("HW-320", 1)), 30),
            ("overdue", (("SRV-100", 6),), -5),
            ("cancelled", (("SUP-400", 1),), 30),
            ("draft", (("LIC-200", 2), ("SRV-100", 4)), 30),
        )
    ):
        customer = customers[n % len(customers)]
        invoice = ok(
            http.post(
                "/api/v1/invoices",
                json={
                    "customer_id": customer["id"],
                    "lines": lines(*picked),
                    "due_date": (today + timedelta(days=max(due, 1))).isoformat(),
                    "notes": "Thank you for your business",
                },
            )
        )
        path = f"/api/v1/invoices/{invoice['id']}"
        if after == "draft":
            continue
        if after == "cancelled":
            http.post(path + "/cancel", json={"reason": "Ordered twice"})
            continue
        http.post(path + "/send")
        if after == "overdue":  # past due: the due date moved back after sending
            http.patch(path, json={"due_date": (today + timedelta(days=due)).isoformat()})
        total = http.get(path).json()["total"]
        if after in ("paid", "partly"):
            amount = total if after == "paid" else total // 2
            http.post(
                path + "/payments",
                json={
                    "amount": amount,
                    "currency": "USD",
                    "method": "bank_transfer",
                    "reference": f"TXN-{4810 + n}",
                },
            )
    http.close()


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
        _sales(url)
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
        QPoint,
        QSettings,
        Qt,
        QTimer,
    )
    from PySide6.QtGui import QColor, QPainter
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

    # Inventory: the stock list (low stock flagged) with a record's movements, the adjust
    # dialog over it, the warehouses. ``--only inventory`` stops after these.
    def page_of(key: str, sizes: list[int]) -> RecordPage:
        window.statusBar().clearMessage()
        window.sidebar.setCurrentRow([s.key for s in window.specs].index(key))
        window.centralWidget().setSizes([110, 1170])
        page = window.pages[key]
        assert isinstance(page, RecordPage)
        page.splitter.setSizes(sizes)
        return page

    def pick_row(page: RecordPage, test: object) -> None:
        model = page.model
        rows = [model.row_at(r) for r in range(model.rowCount())]
        row = next(n for n, r in enumerate(rows) if r is not None and test(r))  # type: ignore[operator]
        page.list_view.table.selectRow(row)

    stock_page = page_of("stock", [700, 460])
    stock_page.model.sort(stock_page.model.column("warehouse_name"), Qt.SortOrder.AscendingOrder)
    stock_page.list_view.filter_edit.setText("HW-")  # the hardware the demo stocks
    settle()
    stock_page.model.set_filter_text("HW-")
    pick_row(stock_page, lambda r: r["reserved"] > 0)
    shoot("stock-list.png")

    from desktop.core import stock as stock_module
    from desktop.ui.kit.commands import ArgumentsDialog

    current = replica.get(entity="stock", id=stock_page.list_view.current_id())
    assert current is not None
    dialog = ArgumentsDialog(stock_module.ENTITY, stock_module.ADJUST, current, window, replica)
    dialog.editors["quantity"].setText("-3")
    dialog.editors["reason"].setText("Damaged in transit")
    dialog.show()
    settle()
    picture = window.grab()
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 70))
    corner = QPoint(
        (window.width() - dialog.width()) // 2, (window.height() - dialog.height()) // 2
    )
    painter.drawPixmap(corner, dialog.grab())
    painter.end()
    picture.save(str(OUT / "stock-adjust-dialog.png"))
    print("saved", OUT / "stock-adjust-dialog.png")
    dialog.close()

    places = page_of("warehouses", [760, 400])
    pick_row(places, lambda r: r["name"] == "Main Warehouse")
    shoot("warehouses-list.png")
    if "--only" in sys.argv and "inventory" in sys.argv:
        window.shutdown()
        return

    def contracts() -> None:
        # The contracts: status filter, an active one's terms open, the ending-soon highlighted.
        page = page_of("contracts", [690, 470])
        model = page.model
        rows = [model.row_at(r) for r in range(model.rowCount())]
        row = next(n for n, r in enumerate(rows) if r is not None and r["status"] == "active")
        page.list_view.table.selectRow(row)
        shoot("contracts-list.png")
        # A supplier with its contracts under the form.
        ending = [
            replica.get(entity="contract", id=r.id) for r in rows if r and r["status"] == "expiring"
        ]
        party_id = next(
            c["party_id"] for c in ending if c is not None and c["party_kind"] == "supplier"
        )
        suppliers = page_of("suppliers", [600, 560])
        srows = [suppliers.model.row_at(r) for r in range(suppliers.model.rowCount())]
        suppliers.list_view.table.selectRow(
            next(n for n, r in enumerate(srows) if r is not None and r.id == party_id)
        )
        settle()
        bar = suppliers.form_scroll.verticalScrollBar()
        bar.setValue(bar.maximum())
        shoot("supplier-form-contracts.png")

    if "--only" in sys.argv and "contracts" in sys.argv:
        contracts()
        window.shutdown()
        return

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

    # Sales: the catalog, an order with its lines, invoices with lines and totals.
    def sales_page(key: str, sizes: list[int]) -> RecordPage:
        window.statusBar().clearMessage()
        window.sidebar.setCurrentRow([s.key for s in window.specs].index(key))
        window.centralWidget().setSizes([110, 1170])
        page = window.pages[key]
        assert isinstance(page, RecordPage)
        page.splitter.setSizes(sizes)
        return page

    def select(page: RecordPage, test: object) -> None:
        model = page.model
        rows = [model.row_at(r) for r in range(model.rowCount())]
        row = next(n for n, r in enumerate(rows) if r is not None and test(r))  # type: ignore[operator]
        page.list_view.table.selectRow(row)

    catalog = sales_page("catalog", [700, 460])
    select(catalog, lambda r: r["sku"] == "HW-PRN")
    shoot("catalog-list.png")

    categories = sales_page("categories", [640, 520])
    select(categories, lambda r: r["name"] == "Hardware")
    shoot("categories-list.png")

    orders = sales_page("orders", [470, 690])
    select(orders, lambda r: r["status"] == "confirmed")
    shoot("order-form-lines.png")

    # An invoice drafted here, offline: no number yet ("Draft"), its totals computed here.
    invoices = sales_page("invoices", [510, 650])
    customer = replica.list(entity="customer")[2]
    item = {i["sku"]: i for i in replica.list(entity="catalog_item")}
    replica.create(
        entity="invoice",
        data={
            "customer_id": customer["id"],
            "currency": "USD",
            "notes": "Drafted on the road",
            "lines": [
                {
                    "item_id": item["SRV-CONSULT"]["id"],
                    "description": "Consulting, per hour",
                    "quantity": 3,
                    "unit_price": 15000,
                },
                {
                    "item_id": item["HW-PRN"]["id"],
                    "description": "Receipt printer",
                    "quantity": 1,
                    "unit_price": 21500,
                    "tax_rate": "vat_20",
                },
            ],
        },
    )
    invoices.refresh()
    select(invoices, lambda r: r["number"] == "")
    shoot("invoice-form-lines.png")

    # A sent, partly paid invoice: its lines fixed, its balance due.
    select(invoices, lambda r: r["status"] == "sent" and r["balance_due"] < r["total"])
    invoices.form_scroll.verticalScrollBar().setValue(  # down to its payments and balance
        invoices.form_scroll.verticalScrollBar().maximum()
    )
    shoot("invoice-form-sent.png")

    # The payment dialog over it, the balance due filled in.
    from desktop.core import invoices as invoice_module
    from desktop.ui.kit.commands import ArgumentsDialog

    current = replica.get(entity="invoice", id=invoices.list_view.current_id())
    assert current is not None
    dialog = ArgumentsDialog(invoice_module.ENTITY, invoice_module.PAY, current, window)
    dialog.editors["reference"].setText("TXN-4822")
    dialog.show()
    settle()
    picture = window.grab()
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 70))
    corner = QPoint(
        (window.width() - dialog.width()) // 2, (window.height() - dialog.height()) // 2
    )
    painter.drawPixmap(corner, dialog.grab())
    painter.end()
    picture.save(str(OUT / "invoice-payment-dialog.png"))
    print("saved", OUT / "invoice-payment-dialog.png")
    dialog.close()

    # Its PDF, as Save as PDF writes it (the server's renderer), first page at 150 dpi.
    pdf = invoices.document()
    assert pdf is not None
    from desktop.ui.kit.commands import pdf_pages

    pdf_pages(pdf, 150)[0].save(str(OUT / "invoice-pdf-page1.png"))
    print("saved", OUT / "invoice-pdf-page1.png")

    # A customer with its orders and invoices (balances) under the form.
    customers = sales_page("customers", [560, 600])
    select(customers, lambda r: r.id == current["customer_id"])
    settle()
    customers.form_scroll.verticalScrollBar().setValue(
        customers.form_scroll.verticalScrollBar().maximum()
    )
    shoot("customer-form-invoices.png")
    contracts()
    window.shutdown()


if __name__ == "__main__":
    main()
