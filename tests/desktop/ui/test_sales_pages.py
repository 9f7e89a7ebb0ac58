"""Catalog, orders and invoices on the desktop, against the real server: the line editor's
live totals, an invoice drafted offline, numbered by the server, sent and paid from two
desktops; a command the server refuses undone with its reason; Print / Save as PDF through
the server's renderer; the invoice list's filters; a customer's orders and invoices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from PySide6.QtCore import QDate, QLocale, QSettings
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from common.lines import totals
from desktop.core import invoices
from desktop.core.client import SyncClient
from desktop.ui.kit import page as page_module
from desktop.ui.kit.commands import ArgumentsDialog
from desktop.ui.kit.lines import LinesEditor
from desktop.ui.kit.page import RecordPage
from desktop.ui.kit.picker import LookupPicker
from desktop.ui.main_window import MainWindow
from tests.conftest import Api, LiveServer
from tests.desktop.ui.shell_support import close, make_app, sign_in, wait_synced
from tests.factories import DEFAULT_PASSWORD, user_with_role
from tests.sales_factories import create_item

COLUMNS = [c.key for c in invoices.ENTITY.columns]


@pytest.fixture(autouse=True)
def english_locale() -> Iterator[None]:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


@pytest.fixture(autouse=True)
def confirmed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every confirmation question answered Yes; the questions asked."""
    asked: list[str] = []

    def ask(_parent: Any, _title: str, question: str) -> bool:
        asked.append(question)
        return True

    monkeypatch.setattr(page_module, "ask_confirmation", ask)
    return asked


def add_customer(admin: Api, name: str = "Harbor Trading GmbH") -> dict[str, Any]:
    r = admin.post(
        "/api/v1/customers",
        json={
            "name": name,
            "email": f"{name.split()[0].lower()}@example.com",
            "currency": "USD",
            "addresses": [
                {"type": "billing", "street": "Hafenstraße 1", "city": "Hamburg",
                 "postal_code": "20457", "country": "DE"}
            ],
        },
    )  # fmt: skip
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
def catalog(admin: Api) -> dict[str, dict[str, Any]]:
    return {
        "consulting": create_item(admin, sku="SRV-100", name="Consulting hour", unit_price=15000),
        "license": create_item(
            admin, sku="LIC-200", name="Software license", unit_price=5000, tax_rate="vat_20"
        ),
        "cable": create_item(admin, sku="CAB-7", name="Cable", unit_price=199, tax_rate="vat_19"),
    }


def cell(page: RecordPage, record_id: str, key: str) -> str:
    row = page.model.row_of(record_id)
    assert row is not None, record_id
    return str(page.model.index(row, page.model.column(key)).data())


def lines_editor(page: RecordPage) -> LinesEditor:
    editor = page.form.editors["lines"]
    assert isinstance(editor, LinesEditor)
    return editor


def pick(picker: Any, text: str) -> None:
    assert isinstance(picker, LookupPicker)
    assert picker.search(text), text
    picker.choose(0)


def add_item_line(editor: LinesEditor, search: str, quantity: int) -> int:
    """A line as the user adds one: Add line, pick the item, set the quantity."""
    editor.add_button.click()
    row = editor.table.rowCount() - 1
    pick(editor.picker(row), search)
    editor.quantity(row).setValue(quantity)
    return row


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def invoices_page(window: MainWindow) -> RecordPage:
    window.sidebar.setCurrentRow([s.key for s in window.specs].index("invoices"))
    page = window.pages["invoices"]
    assert isinstance(page, RecordPage) and window.current_page() is page
    return page


# ---------------------------------------------------------------- the line editor


@pytest.fixture
def page(
    qtbot: QtBot, admin: Api, catalog: dict[str, Any], sync_client: SyncClient, settings: QSettings
) -> RecordPage:
    """The invoices page on a replica synced from the server (a customer, three items)."""
    add_customer(admin)
    sync_client.sync_once()
    widget = RecordPage(invoices.ENTITY, sync_client.replica, settings=settings)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    return widget


def test_the_line_editor_fills_a_line_from_its_item_and_totals_it_live_as_the_server_does(
    page: RecordPage, sync_client: SyncClient, admin: Api, qtbot: QtBot
) -> None:
    # Given a new invoice for the customer
    page.new_record()
    pick(page.form.editors["customer_id"], "Harbor")
    editor = lines_editor(page)
    # When the user adds lines by picking items (name, price and tax rate come with them)
    first = add_item_line(editor, "Consult", 3)
    assert editor.description(first) == "Consulting hour"
    assert editor.price(first).text() == "150.00"
    assert editor.tax(first).currentData() is None
    second = add_item_line(editor, "LIC", 2)
    assert editor.tax(second).currentData() == "vat_20"
    third = add_item_line(editor, "Cable", 5)
    # and types a price of their own on one of them
    editor.price(third).setFocus()
    editor.price(third).selectAll()
    qtbot.keyClicks(editor.price(third), "1.99")
    # Then each amount and the totals follow at once: 3 x 150.00; 2 x 50.00 + 20 %;
    # 5 x 1.99 = 9.95 + 19 % = 1.8905 -> 1.89 (half-up per line)
    assert editor.table.item(third, 5).text() == "$9.95"
    assert editor.total_text("subtotal") == "$559.95"
    assert editor.total_text("tax_vat_20") == "$20.00"
    assert editor.total_text("tax_vat_19") == "$1.89"
    assert editor.total_text("total") == "$581.84"
    expected = totals([(3, 15000, None, 0), (2, 5000, "vat_20", 2000), (5, 199, "vat_19", 1900)])
    assert (expected.subtotal, expected.total) == (55995, 58184)
    # A quantity changed: the total follows without saving
    editor.quantity(first).setValue(4)
    assert editor.total_text("total") == "$731.84"

    # When saved and synced, the server computes the same totals from the same lines
    assert page.save()
    record_id = page._current_id
    assert record_id is not None
    assert cell(page, record_id, "total") == "$731.84"
    assert cell(page, record_id, "number") == "Draft"
    sync_client.sync_once()
    on_server = admin.get(f"/api/v1/invoices/{record_id}").json()
    assert (on_server["subtotal"], on_server["total"]) == (70995, 73184)
    assert [t["tax"] for t in on_server["taxes"]] == [2000, 189]
    page.refresh()
    assert cell(page, record_id, "number") == on_server["number"]
    assert cell(page, record_id, "total") == "$731.84"
    assert lines_editor(page).total_text("total") == "$731.84"


def test_an_item_in_another_currency_cannot_go_on_the_invoice(
    page: RecordPage, admin: Api, sync_client: SyncClient
) -> None:
    create_item(admin, sku="EUR-1", name="Euro widget", unit_price=1000, currency="EUR")
    sync_client.sync_once()
    page.new_record()
    pick(page.form.editors["customer_id"], "Harbor")
    add_item_line(lines_editor(page), "Euro widget", 1)
    assert not page.save()
    error = page.form.errors["lines"]
    assert error.isVisibleTo(page.form)
    assert error.text() == "Line 1: the item is priced in EUR, the document is in USD"


# ---------------------------------------------------------------- the Must show


def test_a_draft_invoice_made_offline_is_numbered_after_sync_sent_and_paid_from_another_desktop(
    qtbot: QtBot,
    server: LiveServer,
    admin: Api,
    catalog: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    confirmed: list[str],
) -> None:
    customer = add_customer(admin)
    user_with_role(admin, "admin", email="bob@example.com")
    first = make_app(qtbot, tmp_path / "first")
    second = make_app(qtbot, tmp_path / "second")
    try:
        one = sign_in(qtbot, first, server.url)
        two = sign_in(qtbot, second, server.url, email="bob@example.com", password=DEFAULT_PASSWORD)

        # Given the first desktop offline, a draft invoice made in its form, as a user does
        one.set_working_offline(True)
        page = invoices_page(one)
        one.new_action.trigger()
        pick(page.form.editors["customer_id"], "Harbor")
        editor = lines_editor(page)
        add_item_line(editor, "Consulting", 10)
        add_item_line(editor, "Software license", 1)
        qtbot.keyClicks(page.form.editors["notes"], "Thank you for your business")
        assert editor.total_text("total") == "$1,560.00"
        one.save_action.trigger()
        made = page.list_view.current_id()
        assert made
        # it has no number yet: "Draft", waiting to be sent, not on the server
        assert cell(page, made, "number") == "Draft"
        assert cell(page, made, "status") == "Draft"
        assert cell(page, made, "total") == "$1,560.00"
        assert page.model.row_at(page.model.row_of(made)).pending  # type: ignore[arg-type, union-attr]
        assert page.form.heading.text() == "Draft invoice"
        assert admin.get("/api/v1/invoices").json()["total"] == 0

        # When it goes online again, the server numbers it
        one.set_working_offline(False)
        wait_synced(qtbot, one)
        number = f"INV-{datetime.now(UTC).year}-001"
        qtbot.waitUntil(lambda: cell(page, made, "number") == number, timeout=15_000)
        assert page.form.heading.text() == number

        # and once sent (a confirmed command), it reads Sent on the server and here
        page.open_record(made)
        page.run_command("send")
        assert confirmed[-1].startswith(f"Send invoice {number}?")
        assert cell(page, made, "status") == "Sending…"
        wait_synced(qtbot, one)
        qtbot.waitUntil(lambda: cell(page, made, "status") == "Sent", timeout=15_000)
        assert admin.get(f"/api/v1/invoices/{made}").json()["status"] == "sent"

        # When the second desktop records the payment, the dialog starts at the balance due
        other = invoices_page(two)
        qtbot.waitUntil(
            lambda: other.model.row_of(made) is not None and cell(other, made, "status") == "Sent",
            timeout=15_000,
        )
        other.open_record(made)
        assert other.command_actions["payments"].isEnabled()
        prefilled: dict[str, str] = {}

        def pay(dialog: QDialog) -> bool:
            assert isinstance(dialog, ArgumentsDialog)
            prefilled["amount"] = dialog.editors["amount"].text()
            prefilled["currency"] = dialog.editors["currency"].text()
            dialog.accept()
            return dialog.result() == QDialog.DialogCode.Accepted

        monkeypatch.setattr(page_module, "run_dialog", pay)
        other.run_command("payments")
        assert prefilled == {"amount": "1,560.00", "currency": "USD"}
        assert cell(other, made, "status") == "Recording payment…"
        wait_synced(qtbot, two)

        # Then both desktops show it paid, with nothing left to pay
        for each in (other, page):
            qtbot.waitUntil(lambda p=each: cell(p, made, "status") == "Paid", timeout=15_000)
            assert cell(each, made, "balance_due") == "$0.00"
        on_server = admin.get(f"/api/v1/invoices/{made}").json()
        assert (on_server["number"], on_server["status"], on_server["total"]) == (
            number,
            "paid",
            156000,
        )
        assert on_server["customer_id"] == customer["id"]
        assert page.form.editors["balance_due"].text() == "$0.00"
        assert not page.command_actions["payments"].isEnabled()
        assert not page.command_actions["cancel"].isEnabled()

        # and its PDF, saved from the first desktop by the server's renderer, says all of it
        target = tmp_path / "invoice.pdf"
        monkeypatch.setattr(page_module, "choose_pdf_path", lambda _p, _s: str(target))
        assert page.save_pdf() == str(target)
        text = pdf_text(target.read_bytes())
        for expected in (
            number,
            "Harbor Trading GmbH",
            "Hafenstraße 1",
            "Consulting hour",
            "Software license",
            "$1,500.00",  # 10 x 150.00
            "Subtotal",
            "$1,550.00",
            "VAT 20 %",
            "$1,560.00",
            "Balance due",
            "$0.00",
            "PAID",
            "Skeleton CRM",  # the seller, as the server's settings name it
        ):
            assert expected in text, (expected, text)
    finally:
        close(first)
        close(second)


def test_a_command_the_server_refuses_is_undone_here_with_its_reason(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    customer = add_customer(admin)
    r = admin.post(
        "/api/v1/invoices",
        json={"customer_id": customer["id"],
              "lines": [{"description": "Audit", "quantity": 1, "unit_price": 90000}]},
    )  # fmt: skip
    invoice = r.json()
    assert admin.post(f"/api/v1/invoices/{invoice['id']}/send").status_code == 200
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        page = invoices_page(window)
        made = invoice["id"]
        qtbot.waitUntil(lambda: page.model.row_of(made) is not None, timeout=15_000)
        # Given the desktop offline, a cancel queued: it shows as the status to come
        window.set_working_offline(True)
        page.open_record(made)
        page.run_command("cancel")
        assert cell(page, made, "status") == "Cancelling…"
        assert not page.command_actions["payments"].isEnabled()  # acted on as cancelled
        # while someone records a partial payment on the server
        r = admin.post(
            f"/api/v1/invoices/{made}/payments", json={"amount": 10000, "currency": "USD"}
        )
        assert r.status_code in (200, 201), r.text

        # When the desktop goes online, the server refuses the cancel
        window.set_working_offline(False)
        wait_synced(qtbot, window)

        # Then it is undone here: sent, partly paid, payable again; and the user is told why
        qtbot.waitUntil(lambda: cell(page, made, "status") == "Sent", timeout=15_000)
        assert cell(page, made, "balance_due") == "$800.00"
        row = page.model.row_at(page.model.row_of(made))  # type: ignore[arg-type]
        assert row is not None and row.pending_command is None and not row.pending
        assert page.command_actions["payments"].isEnabled()
        qtbot.waitUntil(lambda: window.rejection_box is not None, timeout=15_000)
        box = window.rejection_box
        assert box is not None
        assert "partly paid" in box.informativeText(), box.informativeText()
        assert invoice["number"] in box.informativeText()
        assert admin.get(f"/api/v1/invoices/{made}").json()["status"] == "sent"
    finally:
        close(app)


# ---------------------------------------------------------------- printing, lists, customers


def test_print_draws_the_same_pdf_on_the_printer(
    page: RecordPage, sync_client: SyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page.new_record()
    pick(page.form.editors["customer_id"], "Harbor")
    add_item_line(lines_editor(page), "Consulting", 2)
    assert page.save()
    sync_client.sync_once()
    page.refresh()
    out = tmp_path / "printed.pdf"

    def to_file(_parent: Any, printer: QPrinter) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    monkeypatch.setattr(page_module, "choose_printer", to_file)
    assert page.print_record() == 1
    printed = pypdfium2.PdfDocument(str(out))
    assert len(printed) == 1
    printed.close()
    # The document printed is the renderer's: a draft says so, and the seller is the server's.
    pdf = page.document()
    assert pdf is not None
    text = pdf_text(pdf)
    assert "DRAFT" in text
    assert "Consulting hour" in text
    assert "Skeleton CRM" in text


def test_the_invoice_list_filters_by_status_customer_and_issue_date(
    page: RecordPage, admin: Api, sync_client: SyncClient
) -> None:
    harbor = admin.get("/api/v1/customers").json()["items"][0]
    other = add_customer(admin, "Quay Logistics")
    made = {}
    for name, customer, send in (
        ("harbor-draft", harbor, False),
        ("harbor-sent", harbor, True),
        ("quay-sent", other, True),
    ):
        r = admin.post(
            "/api/v1/invoices",
            json={"customer_id": customer["id"], "notes": name,
                  "lines": [{"description": name, "quantity": 1, "unit_price": 100}]},
        )  # fmt: skip
        made[name] = r.json()["id"]
        if send:
            assert admin.post(f"/api/v1/invoices/{made[name]}/send").status_code == 200
    sync_client.sync_once()
    page.refresh()
    model, view = page.model, page.list_view

    def shown() -> set[str]:
        return {str(model.row_at(r)["notes"]) for r in range(model.rowCount())}  # type: ignore[index]

    assert shown() == set(made)
    # Status
    combo = view.filter_combos["status"]
    combo.setCurrentIndex(combo.findData("sent"))
    assert shown() == {"harbor-sent", "quay-sent"}
    # Customer, picked by name
    pick(view.filter_pickers["customer_id"], "Quay")
    assert shown() == {"quay-sent"}
    view.filter_pickers["customer_id"].line.clear()
    view.filter_pickers["customer_id"]._typed("")
    assert shown() == {"harbor-sent", "quay-sent"}
    combo.setCurrentIndex(0)
    # Issue date range: all three were numbered today (by the server, as it got them)
    low, high = view.filter_dates["issue_date"]
    today = QDate.currentDate()
    low.set_date(today)
    assert shown() == set(made)
    high.set_date(today.addDays(-1))
    assert shown() == set()
    low.set_raw(None)
    low.edited.emit()
    assert shown() == set()  # open from below, still up to yesterday
    high.set_date(today)
    assert shown() == set(made)


def test_the_customer_form_lists_its_orders_and_invoices_with_balances(
    qtbot: QtBot, admin: Api, catalog: dict[str, Any], sync_client: SyncClient, settings: QSettings
) -> None:
    from desktop.core import customers

    customer = add_customer(admin)
    add_customer(admin, "Quay Logistics")
    r = admin.post(
        "/api/v1/invoices",
        json={"customer_id": customer["id"],
              "lines": [{"description": "Audit", "quantity": 1, "unit_price": 90000}]},
    )  # fmt: skip
    invoice = r.json()
    admin.post(f"/api/v1/invoices/{invoice['id']}/send")
    admin.post(
        f"/api/v1/invoices/{invoice['id']}/payments", json={"amount": 30000, "currency": "USD"}
    )
    r = admin.post(
        "/api/v1/orders",
        json={"customer_id": customer["id"],
              "lines": [{"item_id": catalog["consulting"]["id"], "quantity": 2}]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    sync_client.sync_once()
    page = RecordPage(customers.ENTITY, sync_client.replica, settings=settings)
    qtbot.addWidget(page)
    page.show()
    page.open_record(customer["id"])
    boxes = {b.related.entity: b for b in page.related}
    assert boxes["invoice"].title() == "Invoices (1)"
    assert boxes["order"].title() == "Orders (1)"
    model = boxes["invoice"].model
    assert str(model.index(0, model.column("balance_due")).data()) == "$600.00"
    assert str(model.index(0, model.column("status")).data()) == "Sent"
    orders = boxes["order"].model
    assert str(orders.index(0, orders.column("total")).data()) == "$300.00"
    opened: list[tuple[str, str]] = []
    page.open_elsewhere.connect(lambda e, i: opened.append((e, i)))
    boxes["invoice"].table.doubleClicked.emit(model.index(0, 0))
    assert opened == [("invoice", invoice["id"])]


# ---------------------------------------------------------------- orders


def test_an_order_made_here_moves_by_the_servers_status_command_and_is_invoiced(
    qtbot: QtBot,
    admin: Api,
    catalog: dict[str, Any],
    sync_client: SyncClient,
    settings: QSettings,
    confirmed: list[str],
) -> None:
    from desktop.core import orders

    customer = add_customer(admin)
    sync_client.sync_once()
    replica = sync_client.replica
    page = RecordPage(orders.ENTITY, replica, settings=settings)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    # Given an order made in the form: an item line and a shipping address
    page.new_record()
    pick(page.form.editors["customer_id"], "Harbor")
    add_item_line(lines_editor(page), "Cable", 10)
    assert lines_editor(page).total_text("total") == "$23.68"  # 19.90 + 19 % (3.781 -> 3.78)
    qtbot.keyClicks(page.form.editors["shipping_address.city"], "Bremen")
    assert page.save()
    made = page._current_id
    assert made is not None
    assert cell(page, made, "customer_name") == "Harbor Trading GmbH"
    assert cell(page, made, "status") == "Draft"
    # Only Submit and Cancel are offered from draft; each is the server's status command
    enabled = {n for n, a in page.command_actions.items() if a.isEnabled()}
    assert enabled == {"submit", "cancel"}
    page.run_command("submit")
    assert cell(page, made, "status") == "Submitting…"
    command = replica.pending()[-1]
    assert (command.op, command.payload["command"], command.payload["args"]) == (
        "command",
        "status",
        {"status": "pending"},
    )
    sync_client.sync_once()
    page.refresh()
    assert cell(page, made, "status") == "Pending"
    on_server = admin.get(f"/api/v1/orders/{made}").json()
    assert (on_server["status"], on_server["total"]) == ("pending", 2368)
    assert on_server["shipping_address"]["city"] == "Bremen"
    assert on_server["customer_id"] == customer["id"]

    # When the address changes after draft, the server gets it whole (it replaces it)
    page.open_record(made)
    assert not page.form.editors["lines"].isEnabled()
    assert page.form.editors["shipping_address.street"].isEnabled()
    qtbot.keyClicks(page.form.editors["shipping_address.street"], "Am Wall 5")
    assert page.save()
    sent = replica.pending()[-1].payload["changes"]["shipping_address"]
    assert (sent["street"], sent["city"]) == ("Am Wall 5", "Bremen")

    # Confirmed, it can be invoiced: a draft invoice of its lines, made by the server
    page.run_command("confirm")
    sync_client.sync_once()
    page.refresh()
    assert page.offered_commands(made) == {"ship", "cancel", "invoice"}
    page.open_record(made)
    page.run_command("invoice")
    invoice_id = replica.pending()[-1].payload["args"]["invoice_id"]
    sync_client.sync_once()
    invoice = admin.get(f"/api/v1/invoices/{invoice_id}").json()
    assert (invoice["status"], invoice["total"], invoice["order_id"]) == ("draft", 2368, made)
    assert admin.get(f"/api/v1/orders/{made}").json()["shipping_address"]["street"] == "Am Wall 5"
    invoices_list = RecordPage(invoices.ENTITY, replica, settings=settings)
    qtbot.addWidget(invoices_list)
    assert cell(invoices_list, invoice_id, "total") == "$23.68"


def test_status_colours_come_from_the_palette(
    page: RecordPage, admin: Api, sync_client: SyncClient
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QGuiApplication, QPalette

    from desktop.ui.kit.model import look_brush

    # Paid reads green and overdue red, dark on a light base and light on a dark one
    light, dark = QPalette(QColor("#f0f0f0")), QPalette(QColor("#303030"))
    light.setColor(QPalette.ColorRole.Base, QColor("white"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    for look in ("good", "warning"):
        on_light, on_dark = look_brush(look, light).color(), look_brush(look, dark).color()
        assert on_light.lightnessF() < 0.5 < on_dark.lightnessF(), look
    assert look_brush("accent", light) == light.brush(
        QPalette.ColorGroup.Active, QPalette.ColorRole.Link
    )
    # and the list shows each status so: a sent invoice past its due date reads Overdue
    customer = admin.get("/api/v1/customers").json()["items"][0]
    made = {}
    for name, due in (("late", "2020-01-31"), ("draft", None)):
        r = admin.post(
            "/api/v1/invoices",
            json={"customer_id": customer["id"], "due_date": due,
                  "lines": [{"description": name, "quantity": 1, "unit_price": 100}]},
        )  # fmt: skip
        made[name] = r.json()["id"]
    admin.post(f"/api/v1/invoices/{made['late']}/send")
    sync_client.sync_once()
    page.refresh()
    column = page.model.column("status")

    def status(name: str, role: Qt.ItemDataRole) -> Any:
        return page.model.index(page.model.row_of(made[name]), column).data(role)  # type: ignore[arg-type]

    assert status("late", Qt.ItemDataRole.DisplayRole) == "Overdue"
    assert status("late", Qt.ItemDataRole.ForegroundRole) == look_brush("warning")
    assert status("late", Qt.ItemDataRole.FontRole).bold()
    muted = QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert status("draft", Qt.ItemDataRole.ForegroundRole) == muted
    page.open_record(made["late"])
    assert page.command_actions["payments"].isEnabled()  # overdue can still be paid
