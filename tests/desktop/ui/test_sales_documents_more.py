"""More of the sales documents on the desktop, against the real server: catalog categories
synced, picked and filtered; a new document in its customer's currency; orders numbered by
the server; an invoice's payments in its form; catalog statuses coloured; a sent invoice
edited on two desktops at once resolved in the Compare dialog."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from desktop.core import catalog, categories, customers, invoices, orders
from desktop.core.client import SyncClient
from desktop.ui.conflicts import CompareDialog
from desktop.ui.kit import page as page_module
from desktop.ui.kit.commands import ArgumentsDialog
from desktop.ui.kit.editors import TableView
from desktop.ui.kit.model import CONFLICT_ROLE, look_brush
from desktop.ui.kit.page import RecordPage
from tests.conftest import Api, LiveServer
from tests.desktop.ui.shell_support import close, make_app, sign_in, wait_synced
from tests.desktop.ui.test_sales_pages import (
    add_customer,
    add_item_line,
    cell,
    confirmed,  # noqa: F401 - autouse: confirmation questions answered Yes
    english_locale,  # noqa: F401 - autouse
    invoices_page,
    lines_editor,
    pick,
)
from tests.factories import DEFAULT_PASSWORD, user_with_role
from tests.sales_factories import create_category, create_item

YEAR = datetime.now(UTC).year


def open_page(qtbot: QtBot, entity: Any, client: SyncClient, settings: QSettings) -> RecordPage:
    page = RecordPage(entity, client.replica, settings=settings)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    return page


def shown_ids(page: RecordPage) -> set[str]:
    return {page.model.row_at(r).id for r in range(page.model.rowCount())}  # type: ignore[union-attr]


# ---------------------------------------------------------------- categories


def test_categories_sync_are_picked_on_the_item_form_made_here_and_filter_the_catalog(
    qtbot: QtBot, admin: Api, sync_client: SyncClient, settings: QSettings
) -> None:
    products = create_category(admin, name="Products")
    hardware = create_category(admin, name="Hardware", parent_id=products["id"])
    drill = create_item(admin, sku="DRL-1", name="Drill", category_id=hardware["id"])
    cable = create_item(admin, sku="CAB-1", name="Cable")
    sync_client.sync_once()
    items = open_page(qtbot, catalog.ENTITY, sync_client, settings)
    # Given the synced categories, the list shows an item's category by name
    assert cell(items, drill["id"], "category_name") == "Hardware"
    assert cell(items, cable["id"], "category_name") == ""
    # and filters by it, picked by name
    picker = items.list_view.filter_pickers["category_id"]
    pick(picker, "Hardw")
    assert shown_ids(items) == {drill["id"]}
    picker.line.clear()
    picker._typed("")
    assert shown_ids(items) == {drill["id"], cable["id"]}

    # When a category is made here (offline: nothing is sent yet), inside Hardware
    cats = open_page(qtbot, categories.ENTITY, sync_client, settings)
    cats.new_record()
    qtbot.keyClicks(cats.form.editors["name"], "Cables")
    pick(cats.form.editors["parent_id"], "Hardware")
    assert cats.save()
    made = cats._current_id
    assert made is not None
    assert cell(cats, made, "parent_name") == "Hardware"
    # and the cable is put in it through the item form
    items.open_record(cable["id"])
    pick(items.form.editors["category_id"], "Cables")
    assert items.save()
    items.refresh()
    # Then the list shows it at once, before any sync
    assert cell(items, cable["id"], "category_name") == "Cables"
    assert admin.get(f"/api/v1/catalog/categories/{made}").status_code == 404

    # and after a sync the server has both: the category in its tree, the item in it
    sync_client.sync_once()
    on_server = admin.get(f"/api/v1/catalog/categories/{made}").json()
    assert (on_server["name"], on_server["parent_id"]) == ("Cables", hardware["id"])
    item = admin.get(f"/api/v1/catalog/items/{cable['id']}").json()
    assert (item["category_id"], item["category_name"]) == (made, "Cables")
    listed = admin.get("/api/v1/catalog/items", params={"category_id": made}).json()
    assert [i["id"] for i in listed["items"]] == [cable["id"]]


# ---------------------------------------------------------------- currency


def test_a_new_documents_currency_follows_the_chosen_customer(
    qtbot: QtBot, admin: Api, sync_client: SyncClient, settings: QSettings
) -> None:
    add_customer(admin)  # USD
    r = admin.post(
        "/api/v1/customers",
        json={"name": "Rhein Handel AG", "email": "rhein@example.com", "currency": "EUR"},
    )
    assert r.status_code == 201, r.text
    create_item(admin, sku="EUR-9", name="Euro bolt", unit_price=250, currency="EUR")
    create_item(admin, sku="USD-9", name="Dollar bolt", unit_price=300, currency="USD")
    sync_client.sync_once()
    page = open_page(qtbot, invoices.ENTITY, sync_client, settings)
    # Given a new invoice, when the EUR customer is chosen, the invoice is in EUR
    page.new_record()
    currency = page.form.editors["currency"]
    pick(page.form.editors["customer_id"], "Rhein")
    assert currency.value() == "EUR"
    # and its lines and totals are in euros: a euro item goes on it, a dollar item does not
    add_item_line(lines_editor(page), "Euro bolt", 4)
    assert lines_editor(page).total_text("total") == "EUR\xa010.00"  # as QLocale en_US writes it
    add_item_line(lines_editor(page), "Dollar bolt", 1)
    assert not page.save()
    assert "priced in USD, the document is in EUR" in page.form.errors["lines"].text()
    # Choosing another customer brings its currency, until the user picks one
    pick(page.form.editors["customer_id"], "Harbor")
    assert currency.value() == "USD"
    pick(page.form.editors["customer_id"], "Rhein")
    assert currency.value() == "EUR"

    # An order's form does the same
    order_page = open_page(qtbot, orders.ENTITY, sync_client, settings)
    order_page.new_record()
    pick(order_page.form.editors["customer_id"], "Rhein")
    assert order_page.form.editors["currency"].value() == "EUR"
    add_item_line(lines_editor(order_page), "Euro bolt", 2)
    assert order_page.save()
    made = order_page._current_id
    sync_client.sync_once()
    on_server = admin.get(f"/api/v1/orders/{made}").json()
    assert (on_server["currency"], on_server["total"]) == ("EUR", 500)


def test_a_currency_the_user_picks_is_kept_when_the_customer_changes(
    qtbot: QtBot, admin: Api, sync_client: SyncClient, settings: QSettings
) -> None:
    add_customer(admin)  # USD
    sync_client.sync_once()
    page = open_page(qtbot, invoices.ENTITY, sync_client, settings)
    page.new_record()
    currency = page.form.editors["currency"]
    currency.set_raw("CHF")
    currency.edited.emit()  # as the user's own choice
    pick(page.form.editors["customer_id"], "Harbor")
    assert currency.value() == "CHF"


# ---------------------------------------------------------------- order numbers


def test_an_order_is_draft_until_the_server_numbers_it(
    qtbot: QtBot, admin: Api, sync_client: SyncClient, settings: QSettings
) -> None:
    add_customer(admin)
    create_item(admin, sku="CAB-7", name="Cable", unit_price=199)
    sync_client.sync_once()
    page = open_page(qtbot, orders.ENTITY, sync_client, settings)
    page.new_record()
    assert page.form.heading.text() == "New order"
    pick(page.form.editors["customer_id"], "Harbor")
    add_item_line(lines_editor(page), "Cable", 3)
    qtbot.keyClicks(page.form.editors["notes"], "Leave at the gate")
    assert page.save()
    made = page._current_id
    assert made is not None
    # Made here, not yet on the server: no number
    assert cell(page, made, "number") == "Draft"
    assert page.form.heading.text() == "Draft order"
    assert page.form.editors["number"].text() == "Draft"
    # Synced: the server's number heads it and the list shows and finds it
    sync_client.sync_once()
    page.refresh()
    number = f"ORD-{YEAR}-001"
    assert admin.get(f"/api/v1/orders/{made}").json()["number"] == number
    assert cell(page, made, "number") == number
    page.open_record(made)
    assert page.form.heading.text() == number
    page.list_view.filter_edit.setText(f"{YEAR}-001")
    qtbot.waitUntil(lambda: shown_ids(page) == {made}, timeout=5_000)
    page.list_view.filter_edit.setText("ORD-1999")
    qtbot.waitUntil(lambda: shown_ids(page) == set(), timeout=5_000)


# ---------------------------------------------------------------- payments in the form


def test_the_invoice_form_lists_its_payments_and_balance_from_the_replica(
    qtbot: QtBot,
    admin: Api,
    sync_client: SyncClient,
    settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = add_customer(admin)
    r = admin.post(
        "/api/v1/invoices",
        json={"customer_id": customer["id"],
              "lines": [{"description": "Audit", "quantity": 1, "unit_price": 90000}]},
    )  # fmt: skip
    invoice = r.json()
    draft = admin.post(
        "/api/v1/invoices",
        json={"customer_id": customer["id"],
              "lines": [{"description": "Later", "quantity": 1, "unit_price": 100}]},
    ).json()  # fmt: skip
    assert admin.post(f"/api/v1/invoices/{invoice['id']}/send").status_code == 200
    for body in (
        {"amount": 30000, "currency": "USD", "paid_on": "2026-03-02", "reference": "TXN-1"},
        {"amount": 12550, "currency": "USD", "method": "cash", "paid_on": "2026-03-09"},
    ):
        r = admin.post(f"/api/v1/invoices/{invoice['id']}/payments", json=body)
        assert r.status_code in (200, 201), r.text
    sync_client.sync_once()
    # The page reads the replica only: what follows needs no server
    page = open_page(qtbot, invoices.ENTITY, sync_client, settings)
    page.open_record(invoice["id"])
    table = page.form.editors["payments"]
    assert isinstance(table, TableView) and table.isVisibleTo(page)
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["Date", "Amount", "Method", "Reference"]
    rows = [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]
    assert rows == [
        ["3/2/26", "$300.00", "Bank transfer", "TXN-1"],
        ["3/9/26", "$125.50", "Cash", ""],
    ]
    assert page.form.editors["amount_paid"].text() == "$425.50"
    assert page.form.editors["balance_due"].text() == "$474.50"
    assert not any(table.item(r, 0).font().italic() for r in range(table.rowCount()))

    # When a payment is recorded here (not sent yet: no sync runs), the form lists it at
    # once, marked as waiting, and the balance shows what would be left
    def pay(dialog: QDialog) -> bool:
        assert isinstance(dialog, ArgumentsDialog)
        dialog.editors["amount"].setText("100.00")
        dialog.editors["reference"].setText("OFF-7")
        dialog.accept()
        return True

    monkeypatch.setattr(page_module, "run_dialog", pay)
    page.run_command("payments")
    page.open_record(invoice["id"])
    table = page.form.editors["payments"]
    assert table.rowCount() == 3
    last = [table.item(2, c).text() for c in range(table.columnCount())]
    assert last[1:] == ["$100.00", "Bank transfer", "OFF-7"]
    assert table.item(2, 1).font().italic() and table.item(2, 1).toolTip()
    assert page.form.editors["amount_paid"].text() == "$525.50"
    assert page.form.editors["balance_due"].text() == "$374.50"
    # Once the server took it, it is an ordinary payment of the invoice
    sync_client.sync_once()
    page.refresh()
    page.open_record(invoice["id"])
    table = page.form.editors["payments"]
    assert table.rowCount() == 3 and not table.item(2, 1).font().italic()
    assert page.form.editors["balance_due"].text() == "$374.50"
    assert admin.get(f"/api/v1/invoices/{invoice['id']}").json()["balance_due"] == 37450
    # and the customer's form shows what it paid, per currency
    people = open_page(qtbot, customers.ENTITY, sync_client, settings)
    people.open_record(customer["id"])
    paid = people.form.editors["purchases"]
    assert [[paid.item(0, c).text() for c in range(2)]] == [["USD", "$525.50"]]
    # A draft has none yet, and says so
    page.open_record(draft["id"])
    table = page.form.editors["payments"]
    assert table.rowCount() == 1 and table.item(0, 0).text() == "No payments yet"


# ---------------------------------------------------------------- catalog status colours


def test_catalog_statuses_are_coloured_from_the_palette(
    qtbot: QtBot, admin: Api, sync_client: SyncClient, settings: QSettings
) -> None:
    made = {s: create_item(admin, status=s)["id"] for s in ("active", "inactive", "discontinued")}
    sync_client.sync_once()
    page = open_page(qtbot, catalog.ENTITY, sync_client, settings)
    column = page.model.column("status")

    def at(status: str, role: Qt.ItemDataRole, col: int = column) -> Any:
        return page.model.index(page.model.row_of(made[status]), col).data(role)  # type: ignore[arg-type]

    muted = QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert at("active", Qt.ItemDataRole.DisplayRole) == "Active"
    assert at("active", Qt.ItemDataRole.ForegroundRole) == look_brush("good")
    assert at("discontinued", Qt.ItemDataRole.ForegroundRole) == look_brush("warning")
    assert at("discontinued", Qt.ItemDataRole.FontRole).bold()
    # An inactive item reads muted across its row, as a draft or cancelled document does
    assert at("inactive", Qt.ItemDataRole.ForegroundRole) == muted
    assert at("inactive", Qt.ItemDataRole.ForegroundRole, page.model.column("name")) == muted
    assert at("active", Qt.ItemDataRole.ForegroundRole, page.model.column("name")) is None


# ---------------------------------------------------------------- printing


def three_pages() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=24)
    for n in (1, 2, 3):
        pdf.add_page()
        pdf.cell(text=f"Page {n}")
    return bytes(pdf.output())


def test_printing_honours_the_page_range_the_print_dialog_chose(
    qtbot: QtBot, tmp_path: Path
) -> None:
    del qtbot  # a QApplication
    import pypdfium2
    from PySide6.QtPrintSupport import QPrinter

    from desktop.ui.kit.commands import new_printer, print_pdf

    def printed(configure: Any) -> int:
        out = tmp_path / "printed.pdf"
        printer = new_printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        configure(printer)
        count = print_pdf(printer, three_pages())
        document = pypdfium2.PdfDocument(str(out))
        try:
            assert len(document) == count
            return count
        finally:
            document.close()

    def all_pages(printer: QPrinter) -> None:
        printer.setPrintRange(QPrinter.PrintRange.AllPages)

    def two_to_three(printer: QPrinter) -> None:
        printer.setPrintRange(QPrinter.PrintRange.PageRange)
        printer.setFromTo(2, 3)

    # The pages are drawn as images (no text to read back): count the sheets
    assert printed(all_pages) == 3
    assert printed(two_to_three) == 2


# ---------------------------------------------------------------- a sent invoice on two desktops


@pytest.fixture
def sent_invoice(admin: Api) -> dict[str, Any]:
    customer = add_customer(admin)
    r = admin.post(
        "/api/v1/invoices",
        json={"customer_id": customer["id"], "notes": "Original", "due_date": "2099-01-31",
              "lines": [{"description": "Audit", "quantity": 1, "unit_price": 90000}]},
    )  # fmt: skip
    invoice: dict[str, Any] = r.json()
    assert admin.post(f"/api/v1/invoices/{invoice['id']}/send").status_code == 200
    return invoice


def edit_notes(qtbot: QtBot, page: RecordPage, record_id: str, text: str) -> None:
    """As a user does: open the invoice, replace its notes, save."""
    page.open_record(record_id)
    notes = page.form.editors["notes"]
    notes.setFocus()
    notes.selectAll()
    qtbot.keyClicks(notes, text)
    assert page.save(), page.form.validate_all()


def test_a_sent_invoice_edited_on_two_desktops_is_a_conflict_nothing_is_lost(
    qtbot: QtBot, server: LiveServer, admin: Api, sent_invoice: dict[str, Any], tmp_path: Path
) -> None:
    made = sent_invoice["id"]
    user_with_role(admin, "admin", email="bob@example.com")
    first = make_app(qtbot, tmp_path / "first")
    second = make_app(qtbot, tmp_path / "second")
    try:
        one = sign_in(qtbot, first, server.url)
        two = sign_in(qtbot, second, server.url, email="bob@example.com", password=DEFAULT_PASSWORD)
        page_one, page_two = invoices_page(one), invoices_page(two)
        for page in (page_one, page_two):
            qtbot.waitUntil(lambda p=page: p.model.row_of(made) is not None, timeout=15_000)
        # Given the second desktop offline, its user rewrites the sent invoice's notes
        two.set_working_offline(True)
        edit_notes(qtbot, page_two, made, "Pay to the new account")
        # while the first desktop, online, changes the same notes
        edit_notes(qtbot, page_one, made, "Reminder sent by phone")
        wait_synced(qtbot, one)
        assert admin.get(f"/api/v1/invoices/{made}").json()["notes"] == "Reminder sent by phone"

        # When the second desktop goes online, its edit is not merged into the issued invoice
        two.set_working_offline(False)
        qtbot.waitUntil(
            lambda: two.compare_dialog is not None and two.compare_dialog.isVisible(),
            timeout=15_000,
        )
        assert admin.get(f"/api/v1/invoices/{made}").json()["notes"] == "Reminder sent by phone"
        # Then the Compare dialog shows both values, and the list marks the invoice
        dialog: CompareDialog = two.compare_dialog  # type: ignore[assignment]
        assert [(c["entity"], c["entity_id"], c["field"]) for c in dialog.conflicts] == [
            ("invoice", made, "notes")
        ]
        (conflict,) = dialog.conflicts
        assert (conflict["mine"], conflict["theirs"]) == (
            "Pay to the new account",
            "Reminder sent by phone",
        )
        texts = {
            b.objectName().split(":")[0] + ":" + b.text()
            for b in dialog.findChildren(type(next(iter(dialog.groups.values())).button(0)))
        }
        assert {"mine:Pay to the new account", "theirs:Reminder sent by phone"} <= texts
        page_two.refresh()
        row = page_two.model.row_of(made)
        assert row is not None
        assert page_two.model.index(row, 0).data(CONFLICT_ROLE)
        # Keeping the second desktop's notes sends them; both desktops end with them
        dialog.choose(conflict["id"], "mine")
        dialog.apply_button.click()

        def settled() -> None:
            assert admin.get(f"/api/v1/invoices/{made}").json()["notes"] == (
                "Pay to the new account"
            )
            for window in (one, two):
                local = window.replica.get(entity="invoice", id=made)
                assert local["notes"] == "Pay to the new account"

        qtbot.waitUntil(settled, timeout=15_000)
        # and the value it replaced stays in the resolved conflict record
        wait_synced(qtbot, two)
        (record,) = two.replica.list(entity="conflict")
        assert (record["status"], record["theirs"]) == ("resolved", "Reminder sent by phone")
        invoice = admin.get(f"/api/v1/invoices/{made}").json()
        assert (invoice["status"], invoice["total"], invoice["number"]) == (
            "sent",
            90000,
            sent_invoice["number"],
        )
    finally:
        close(first)
        close(second)
