"""The customers page driven through its widgets, on a replica synced from the real server."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QLocale, QPoint, QSettings, Qt
from pytestqt.qtbot import QtBot

from desktop.core.client import SyncClient
from desktop.core.customers import ENTITY
from desktop.core.replica import Replica
from desktop.ui.kit import page as page_module
from desktop.ui.kit.model import EntityTableModel
from desktop.ui.kit.page import RecordPage
from tests.conftest import Api

COLUMNS = [c.key for c in ENTITY.columns]
COL_NAME, COL_CREDIT_LIMIT, COL_STATUS = (
    COLUMNS.index(k) for k in ("name", "credit_limit", "active")
)


@pytest.fixture(autouse=True)
def english_locale() -> Any:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


@pytest.fixture
def page(qtbot: QtBot, replica: Replica, settings: QSettings) -> RecordPage:
    widget = RecordPage(ENTITY, replica, settings=settings)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def names(model: EntityTableModel) -> list[str]:
    return [model.index(r, COL_NAME).data() for r in range(model.rowCount())]


def select(page: RecordPage, name: str) -> None:
    row = names(page.model).index(name)
    page.list_view.table.selectRow(row)


def type_into(qtbot: QtBot, page: RecordPage, field: str, text: str) -> None:
    editor = page.form.editors[field]
    editor.setFocus()
    editor.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(editor, text)


def test_list_shows_synced_customers_sorted_by_name_with_money_and_status(
    page: RecordPage,
) -> None:
    assert names(page.model) == [
        "Acme Corporation",
        "Bluebird Logistics",
        "Cobalt Mining",
        "Granite Works",
        "Zephyr Textiles",
    ]
    zephyr = names(page.model).index("Zephyr Textiles")
    assert page.model.index(zephyr, COL_CREDIT_LIMIT).data() == "$25,000.50"
    cobalt = names(page.model).index("Cobalt Mining")
    assert page.model.index(cobalt, COL_STATUS).data() == "Inactive"
    assert page.list_view.count_label.text() == "5 customer(s)"


def test_sort_by_header_and_filter_change_the_visible_rows(qtbot: QtBot, page: RecordPage) -> None:
    header = page.list_view.table.horizontalHeader()
    # Click the credit limit header: ascending, then descending.
    x = header.sectionViewportPosition(COL_CREDIT_LIMIT) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert names(page.model)[0] == "Cobalt Mining"  # 0 cents
    page.list_view.table.sortByColumn(COL_CREDIT_LIMIT, Qt.SortOrder.DescendingOrder)
    assert names(page.model)[0] == "Zephyr Textiles"

    page.focus_filter()
    qtbot.keyClicks(page.list_view.filter_edit, "ber")
    assert sorted(names(page.model)) == ["Acme Corporation"]  # Berlin (city)
    page.list_view.filter_edit.clear()
    qtbot.keyClicks(page.list_view.filter_edit, "b")  # one letter: word starts
    assert sorted(names(page.model)) == ["Acme Corporation", "Bluebird Logistics"]
    page.list_view.filter_edit.clear()
    page.list_view.filter_combos["active"].setCurrentIndex(2)  # Inactive
    assert names(page.model) == ["Cobalt Mining"]


def test_create_a_customer_in_the_form_shows_in_the_list_and_the_outbox(
    qtbot: QtBot, page: RecordPage, replica: Replica
) -> None:
    page.new_record()
    type_into(qtbot, page, "name", "Nimbus Analytics")
    type_into(qtbot, page, "email", "Team@Nimbus.example")
    type_into(qtbot, page, "phone", "+49 30 1234567")
    type_into(qtbot, page, "credit_limit", "1,234.5")
    type_into(qtbot, page, "address.city", "Hamburg")
    country = page.form.editors["address.country"]
    qtbot.keyClicks(country.line, "germany")
    qtbot.waitUntil(lambda: country.choices() == ["Germany — DE"])
    country.choose(0)
    page.form.editors["social_media"].add_row("linkedin", "nimbus-analytics")
    messages: list[str] = []
    page.status_message.connect(messages.append)

    assert page.save() is True

    assert "Nimbus Analytics" in names(page.model)
    row = names(page.model).index("Nimbus Analytics")
    assert page.model.index(row, COL_CREDIT_LIMIT).data() == "$1,234.50"
    assert page.model.index(row, COL_NAME).data(Qt.ItemDataRole.ToolTipRole)  # pending marker
    assert page.list_view.table.currentIndex().row() == row
    [mutation] = replica.pending()
    assert mutation.op == "create"
    data = mutation.payload["data"]
    assert data["name"] == "Nimbus Analytics"
    assert data["email"] == "team@nimbus.example"
    assert data["phone"] == "+49301234567"
    assert data["credit_limit"] == 123_450
    assert isinstance(data["credit_limit"], int)
    assert data["social_media"] == {"linkedin": "nimbus-analytics"}
    assert data["addresses"][0]["city"] == "Hamburg"
    assert data["addresses"][0]["country"] == "DE"
    assert messages
    assert not page.has_unsaved_changes()


def test_created_customer_reaches_the_server(
    qtbot: QtBot, page: RecordPage, sync_client: SyncClient, admin: Api
) -> None:
    page.new_record()
    type_into(qtbot, page, "name", "Orchid Pharma")
    type_into(qtbot, page, "email", "orchid@pharma.example")
    page.form.editors["currency"].setCurrentText("EUR")
    assert page.save()
    sync_client.sync_once()
    page.refresh()
    found = admin.get("/api/v1/customers", params={"search": "Orchid"}).json()["items"]
    assert [(c["name"], c["currency"]) for c in found] == [("Orchid Pharma", "EUR")]
    row = names(page.model).index("Orchid Pharma")
    assert not page.model.index(row, COL_NAME).data(
        Qt.ItemDataRole.ToolTipRole
    )  # no longer pending


def test_a_validation_error_shows_inline_and_nothing_is_saved(
    qtbot: QtBot, page: RecordPage, replica: Replica
) -> None:
    page.new_record()
    type_into(qtbot, page, "name", "Broken Email Ltd")
    type_into(qtbot, page, "email", "not-an-email")
    page.form.editors["phone"].setFocus()  # leave the field
    error = page.form.errors["email"]
    assert error.isVisible()
    assert "email" in error.text().lower()

    type_into(qtbot, page, "credit_limit", "12.345")
    assert page.form.errors["credit_limit"].isVisible()
    assert "2 decimals" in page.form.errors["credit_limit"].text()

    assert page.save() is False
    assert page.form.errors["credit_limit"].isVisible()
    assert page.form.errors["email"].isVisible()
    assert replica.pending() == []
    assert "Broken Email Ltd" not in names(page.model)

    # Fixing the value clears the message as the user types.
    type_into(qtbot, page, "email", "ok@broken.example")
    assert not error.isVisible()


def test_edit_updates_the_list_and_sends_only_changed_fields(
    qtbot: QtBot, page: RecordPage, replica: Replica
) -> None:
    select(page, "Granite Works")
    assert page.form.raw_values()["name"] == "Granite Works"
    type_into(qtbot, page, "name", "Granite Works AG")
    type_into(qtbot, page, "address.city", "Stuttgart")
    assert page.has_unsaved_changes()
    assert page.save()
    assert "Granite Works AG" in names(page.model)
    assert "Granite Works" not in names(page.model)
    [mutation] = replica.pending()
    assert mutation.op == "update"
    assert mutation.payload["changes"] == {
        "name": "Granite Works AG",
        "address": {"city": "Stuttgart"},
    }


def test_deactivate_is_a_command_shown_as_pending(page: RecordPage, replica: Replica) -> None:
    select(page, "Acme Corporation")
    page.command_actions["deactivate"].trigger()
    [mutation] = replica.pending()
    assert (mutation.op, mutation.payload["command"]) == ("command", "deactivate")
    row = names(page.model).index("Acme Corporation")
    assert page.model.index(row, COL_STATUS).data() == "Deactivating…"


def test_dirty_guard_save_discard_cancel(
    qtbot: QtBot, page: RecordPage, replica: Replica, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[str] = []
    monkeypatch.setattr(page_module, "ask_unsaved_changes", lambda _p, _n: answers.pop(0))
    select(page, "Bluebird Logistics")
    type_into(qtbot, page, "company", "Bluebird Group")

    # Cancel: stay on the record, with the edit.
    answers.append("cancel")
    select(page, "Zephyr Textiles")
    assert page.form.raw_values()["name"] == "Bluebird Logistics"
    assert page.form.raw_values()["company"] == "Bluebird Group"
    assert page.list_view.current_id() == page.form.record()["id"]  # type: ignore[index]
    answers.append("cancel")
    assert page.close_record() is False
    assert page.has_unsaved_changes()

    # Discard: the edit is dropped, nothing saved.
    answers.append("discard")
    select(page, "Zephyr Textiles")
    assert page.form.raw_values()["name"] == "Zephyr Textiles"
    assert replica.pending() == []

    # Save: leaving saves first.
    type_into(qtbot, page, "company", "Zephyr Holding")
    answers.append("save")
    assert page.close_record() is True
    assert [m.payload["changes"] for m in replica.pending()] == [{"company": "Zephyr Holding"}]
    assert not page.has_unsaved_changes()


def test_undo_in_the_form_then_the_last_saved_edit(
    qtbot: QtBot, page: RecordPage, replica: Replica
) -> None:
    select(page, "Acme Corporation")
    type_into(qtbot, page, "name", "Acme Inc")
    type_into(qtbot, page, "company", "Acme Holding")
    page.undo()  # the last field edited goes back
    assert page.form.raw_values()["company"] == ""
    assert page.form.raw_values()["name"] == "Acme Inc"
    assert page.save()
    assert "Acme Inc" in names(page.model)

    page.undo()  # the saved edit, still pending: an opposite edit through the outbox
    assert "Acme Corporation" in names(page.model)
    assert page.form.raw_values()["name"] == "Acme Corporation"
    assert [m.payload["changes"] for m in replica.pending()] == [
        {"name": "Acme Inc"},
        {"name": "Acme Corporation"},
    ]


def test_undo_of_an_edit_already_sent_says_so(
    qtbot: QtBot, page: RecordPage, sync_client: SyncClient
) -> None:
    select(page, "Acme Corporation")
    type_into(qtbot, page, "notes", "Key account")
    assert page.save()
    sync_client.sync_once()
    messages: list[str] = []
    page.status_message.connect(messages.append)
    page.undo()
    assert "Already sent" in messages[-1]
    assert sync_client.replica.pending() == []


def test_refresh_shows_a_change_from_the_server_and_keeps_the_selection(
    page: RecordPage, sync_client: SyncClient, admin: Api, customers: list[dict[str, Any]]
) -> None:
    select(page, "Cobalt Mining")
    r = admin.put(f"/api/v1/customers/{customers[0]['id']}", json={"name": "Acme Renamed"})
    assert r.status_code == 200, r.text
    sync_client.sync_once()
    page.refresh()
    assert "Acme Renamed" in names(page.model)
    assert page.list_view.current_id() == customers[2]["id"]
    assert page.form.raw_values()["name"] == "Cobalt Mining"


def test_open_record_from_the_global_search(page: RecordPage, replica: Replica) -> None:
    from desktop.ui.search import GlobalSearch

    [(entity, hit)] = GlobalSearch(replica).matches("zephyr")
    assert entity.name == "customer"
    page.open_record(hit.id)
    assert page.form.raw_values()["name"] == "Zephyr Textiles"
    assert page.list_view.current_id() == hit.id


def test_column_widths_are_remembered(qtbot: QtBot, replica: Replica, settings: QSettings) -> None:
    first = RecordPage(ENTITY, replica, settings=settings)
    qtbot.addWidget(first)
    first.list_view.table.horizontalHeader().resizeSection(COL_NAME, 321)
    second = RecordPage(ENTITY, replica, settings=settings)
    qtbot.addWidget(second)
    assert second.list_view.table.horizontalHeader().sectionSize(COL_NAME) == 321


def test_a_customer_needs_only_a_name_and_an_email_once_given_stays(
    qtbot: QtBot, page: RecordPage, replica: Replica
) -> None:
    # The server takes a customer without an email (Micro CRM clients need only a name).
    page.new_record()
    type_into(qtbot, page, "name", "Walk-in Client")
    assert page.save() is True
    [mutation] = replica.pending()
    assert mutation.payload["data"]["name"] == "Walk-in Client"
    assert "email" not in mutation.payload["data"]
    # Editing it later does not ask for one either.
    type_into(qtbot, page, "company", "Walk-in Ltd")
    assert page.save() is True
    assert replica.pending()[-1].payload["changes"] == {"company": "Walk-in Ltd"}
    # But an email it has cannot be cleared (the server's rule), said under the field.
    select(page, "Acme Corporation")
    type_into(qtbot, page, "email", "")
    page.form.editors["email"].clear()
    assert page.save() is False
    assert "cannot be cleared" in page.form.errors["email"].text()
