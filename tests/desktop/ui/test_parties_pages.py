"""Suppliers, partners and employees on the desktop, against the real server: the status
(active / inactive / blacklisted) in the list, the filter and the command bar; a blacklisted
party's read-only form; a supplier made offline on one desktop reaching another; Ctrl+K."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from pytestqt.qtbot import QtBot

from desktop.core import suppliers
from desktop.core.client import SyncClient
from desktop.ui.kit import page as page_module
from desktop.ui.kit.model import EntityTableModel
from desktop.ui.kit.page import RecordPage
from tests.conftest import Api, LiveServer
from tests.desktop.ui.shell_support import close, make_app, sign_in, wait_synced
from tests.factories import DEFAULT_PASSWORD, user_with_role

COLUMNS = [c.key for c in suppliers.ENTITY.columns]
COL_NAME, COL_STATUS = COLUMNS.index("name"), COLUMNS.index("status")
LOCKED = "Blacklisted: cannot be edited or activated"


@pytest.fixture(autouse=True)
def english_locale() -> Iterator[None]:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


def add_supplier(admin: Api, name: str, email: str, status: str = "active") -> dict[str, Any]:
    r = admin.post(
        "/api/v1/suppliers",
        json={
            "name": name,
            "email": email,
            "phone": "+1-555-0300",
            "address": {"street": "789 Industrial Rd", "city": "Chicago", "country": "US"},
        },
    )
    assert r.status_code == 201, r.text
    command = {"inactive": "deactivate", "blacklisted": "blacklist"}.get(status)
    if command:
        r = admin.patch(f"/api/v1/suppliers/{r.json()['id']}/{command}")
        assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


@pytest.fixture
def three(admin: Api) -> dict[str, dict[str, Any]]:
    """An active, an inactive and a blacklisted supplier on the server."""
    return {
        "active": add_supplier(admin, "Acme Components", "sales@acme.example"),
        "inactive": add_supplier(admin, "Bolt Packaging", "b@bolt.example", "inactive"),
        "blacklisted": add_supplier(admin, "Crooked Supplies", "c@crook.example", "blacklisted"),
    }


@pytest.fixture
def page(
    qtbot: QtBot, three: dict[str, Any], sync_client: SyncClient, settings: QSettings
) -> RecordPage:
    """The suppliers page on a replica synced from the server."""
    sync_client.sync_once()
    widget = RecordPage(suppliers.ENTITY, sync_client.replica, settings=settings)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def names(model: EntityTableModel) -> list[str]:
    return [model.index(r, COL_NAME).data() for r in range(model.rowCount())]


def row_of(page: RecordPage, name: str) -> int:
    return names(page.model).index(name)


def enabled(page: RecordPage) -> set[str]:
    return {n for n, a in page.command_actions.items() if a.isEnabled()}


def test_the_list_shows_each_status_as_text_muted_or_flagged(page: RecordPage) -> None:
    model = page.model
    assert names(model) == ["Acme Components", "Bolt Packaging", "Crooked Supplies"]
    status = {n: model.index(row_of(page, n), COL_STATUS) for n in names(model)}
    assert [i.data() for i in status.values()] == ["Active", "Inactive", "Blacklisted"]
    muted = QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    foreground = Qt.ItemDataRole.ForegroundRole
    assert status["Acme Components"].data(foreground) is None
    assert status["Bolt Packaging"].data(foreground) == muted
    assert status["Crooked Supplies"].data(foreground) == muted
    # Blacklisted is also flagged: an icon and the reason on its status.
    assert status["Crooked Supplies"].data(Qt.ItemDataRole.DecorationRole) is not None
    assert status["Crooked Supplies"].data(Qt.ItemDataRole.ToolTipRole) == LOCKED
    assert status["Bolt Packaging"].data(Qt.ItemDataRole.DecorationRole) is None


def test_the_status_filter_has_all_three_states_and_all(page: RecordPage) -> None:
    combo = page.list_view.filter_combos["status"]
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All",
        "Active",
        "Inactive",
        "Blacklisted",
    ]
    shown = {}
    for i in range(combo.count()):
        combo.setCurrentIndex(i)
        shown[combo.itemText(i)] = names(page.model)
    assert shown == {
        "All": ["Acme Components", "Bolt Packaging", "Crooked Supplies"],
        "Active": ["Acme Components"],
        "Inactive": ["Bolt Packaging"],
        "Blacklisted": ["Crooked Supplies"],
    }


def test_the_command_bar_offers_what_the_server_accepts_from_each_status(
    page: RecordPage,
) -> None:
    assert enabled(page) == set()  # no record open
    page.list_view.table.selectRow(row_of(page, "Acme Components"))
    assert enabled(page) == {"deactivate", "blacklist"}
    assert not page.form.lock_banner.isVisible()
    page.list_view.table.selectRow(row_of(page, "Bolt Packaging"))
    assert enabled(page) == {"activate", "blacklist"}
    page.list_view.table.selectRow(row_of(page, "Crooked Supplies"))
    assert enabled(page) == set()
    # A blacklisted supplier's form is read-only and says why.
    form = page.form
    assert form.lock_banner.isVisible() and form.lock_banner.text() == LOCKED
    assert form.editors["status"].text() == "Blacklisted"
    assert not form.save_button.isEnabled()
    for name, editor in form.editors.items():
        assert editor.isEnabled() == (name == "status"), name
    assert page.command_actions["activate"].toolTip() == LOCKED


def test_blacklist_asks_first_then_locks_the_form_at_once_and_the_server_agrees(
    page: RecordPage,
    sync_client: SyncClient,
    admin: Api,
    three: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    replica = sync_client.replica
    questions: list[str] = []
    answers = [False, True]

    def ask(_parent: object, title: str, question: str) -> bool:
        questions.append(f"{title}: {question}")
        return answers.pop(0)

    monkeypatch.setattr(page_module, "ask_confirmation", ask)
    page.list_view.table.selectRow(row_of(page, "Acme Components"))
    page.command_actions["deactivate"].trigger()  # no question for what can be undone
    assert questions == [] and replica.pending()[-1].payload["command"] == "deactivate"
    page.undo()
    assert enabled(page) == {"deactivate", "blacklist"}

    # Cancelled: nothing queued.
    queued = replica.pending_count()
    page.command_actions["blacklist"].trigger()
    assert questions == [
        "Blacklist: Blacklist “Acme Components”? A blacklisted record can never be edited "
        "or activated again, and this cannot be undone."
    ]
    assert replica.pending_count() == queued
    # Confirmed: queued, shown as pending, and the form is locked before the server answers.
    page.command_actions["blacklist"].trigger()
    assert replica.pending()[-1].payload["command"] == "blacklist"
    acme = page.model.index(row_of(page, "Acme Components"), COL_STATUS)
    assert acme.data() == "Blacklisting…"
    assert page.form.editors["status"].text() == "Blacklisting…"
    assert page.form.locked == LOCKED and not page.form.editors["name"].isEnabled()
    assert enabled(page) == set()

    sync_client.sync_once()
    page.refresh()
    acme_id = three["active"]["id"]
    assert admin.get(f"/api/v1/suppliers/{acme_id}").json()["status"] == "blacklisted"
    assert page.model.index(row_of(page, "Acme Components"), COL_STATUS).data() == "Blacklisted"
    assert page.form.lock_banner.text() == LOCKED and enabled(page) == set()
    assert replica.rejections() == []


def test_a_status_change_is_not_undone_once_a_blacklist_follows_it(
    page: RecordPage, sync_client: SyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    replica = sync_client.replica
    monkeypatch.setattr(page_module, "ask_confirmation", lambda *_a: True)
    messages: list[str] = []
    page.status_message.connect(messages.append)
    page.list_view.table.selectRow(row_of(page, "Acme Components"))
    page.command_actions["deactivate"].trigger()
    page.command_actions["blacklist"].trigger()
    queued = [m.payload["command"] for m in replica.pending()]
    assert queued == ["deactivate", "blacklist"]
    # Undo would send "activate" after the blacklist: the server would refuse it, so the
    # desktop does not offer it and says why.
    page.undo()
    assert messages[-1] == LOCKED
    assert [m.payload["command"] for m in replica.pending()] == queued


def test_a_supplier_created_offline_on_one_desktop_appears_on_another_after_sync(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    user_with_role(admin, "admin", email="bob@example.com")
    first = make_app(qtbot, tmp_path / "first")
    second = make_app(qtbot, tmp_path / "second")
    try:
        one = sign_in(qtbot, first, server.url)
        two = sign_in(qtbot, second, server.url, email="bob@example.com", password=DEFAULT_PASSWORD)
        # Given the first desktop offline, a supplier made in its form, as a user does
        one.set_working_offline(True)
        one.sidebar.setCurrentRow([s.key for s in one.specs].index("suppliers"))
        page = one.pages["suppliers"]
        assert isinstance(page, RecordPage) and one.current_page() is page
        one.new_action.trigger()
        form = page.form
        for name, text in (
            ("name", "Harbor Components"),
            ("email", "orders@harbor.example"),
            ("phone", "+49 30 123456"),
            ("address.street", "Hafenstraße 1"),
            ("address.city", "Hamburg"),
        ):
            qtbot.keyClicks(form.editors[name], text)
        picker = form.editors["address.country"]
        assert picker.search("Germ")
        picker.choose(0)
        one.save_action.trigger()
        made = page.list_view.current_id()
        assert made and page.model.row_at(page.model.row_of(made)).pending  # type: ignore[arg-type, union-attr]
        assert admin.get("/api/v1/suppliers").json()["total"] == 0  # not on the server yet

        # When it goes online again
        one.set_working_offline(False)
        wait_synced(qtbot, one)

        # Then the server has it, and the other desktop shows it without being asked
        on_server = admin.get(f"/api/v1/suppliers/{made}").json()
        assert (on_server["name"], on_server["status"]) == ("Harbor Components", "active")
        assert on_server["address"]["country_code"] == "DE"
        other = two.pages["suppliers"]
        assert isinstance(other, RecordPage)
        qtbot.waitUntil(lambda: other.model.row_of(made) is not None, timeout=15_000)
        row = other.model.row_at(other.model.row_of(made))  # type: ignore[arg-type]
        assert row is not None and not row.pending
        assert (row["name"], row["city"], row["country"]) == ("Harbor Components", "Hamburg", "DE")
        assert other.model.index(other.model.row_of(made), COL_STATUS).data() == "Active"  # type: ignore[arg-type]
    finally:
        close(first)
        close(second)


def test_ctrl_k_finds_a_supplier_and_opens_it_on_the_suppliers_page(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    supply = add_supplier(admin, "SupplyCo", "sales@supplyco.example")
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        assert window.current_page() is window.pages["customers"]
        window.search_action.trigger()
        qtbot.keyClicks(window.search, "supplyco")
        qtbot.waitUntil(lambda: window.search.results.rowCount() == 1)
        assert (
            window.search.results.item(0).text() == "Supplier · SupplyCo — sales@supplyco.example"
        )
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
        page = window.pages["suppliers"]
        assert isinstance(page, RecordPage)
        assert window.current_page() is page
        assert page.form.editors["name"].text() == "SupplyCo"
        assert page.list_view.current_id() == supply["id"]
        # The window's Record menu has the page's commands, as the server allows them.
        window.record_menu.aboutToShow.emit()
        offered = {a.objectName(): a.isEnabled() for a in window.record_menu.actions()}
        assert offered == {
            "command_activate": False,
            "command_deactivate": True,
            "command_blacklist": True,
        }
    finally:
        close(app)


def test_a_record_opened_before_the_pages_caught_up_is_selected_in_its_list(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    """A pull reaches the pages after a short delay (a burst refreshes them once); a record
    opened from the search in between is still the list's selected row."""
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        window._refresh_timer.setInterval(60_000)  # the pages' refresh has not come yet
        made = add_supplier(admin, "Late Arrival GmbH", "hello@late.example")
        qtbot.waitUntil(lambda: window.replica.get(entity="supplier", id=made["id"]) is not None)
        window.search_action.trigger()
        qtbot.keyClicks(window.search, "late arrival")
        qtbot.waitUntil(lambda: window.search.results.rowCount() == 1)
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
        page = window.pages["suppliers"]
        assert isinstance(page, RecordPage)
        assert window.current_page() is page
        assert page.form.editors["name"].text() == "Late Arrival GmbH"
        assert page.list_view.current_id() == made["id"]
    finally:
        close(app)
