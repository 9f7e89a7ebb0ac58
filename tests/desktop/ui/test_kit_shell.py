"""What the module kit gives every page in the real app (signed in against a real server):
lookups that refill after a sync, Ctrl+K over every module, Compare texts by declared kind,
one undo history for the window, refreshes only of the pages a pull concerns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QRadioButton
from pytestqt.qtbot import QtBot

from common.deals import Stage
from desktop.ui.deals.page import DealsPage
from desktop.ui.kit.page import RecordPage
from tests.conftest import Api, LiveServer
from tests.desktop.ui.shell_support import close, make_app, sign_in, wait_synced


@pytest.fixture(autouse=True)
def english_locale() -> Iterator[None]:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


def client(admin: Api, name: str = "Acme", email: str = "a@acme.example") -> dict[str, Any]:
    r = admin.post("/api/v1/clients", json={"name": name, "email": email})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()["data"]
    return body


def deal(admin: Api, client_id: str, title: str, dollars: float) -> dict[str, Any]:
    r = admin.post("/api/v1/deals", json={"title": title, "clientId": client_id, "value": dollars})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()["data"]
    return body


def test_the_country_picker_lists_every_country_after_the_first_sync(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    # Given a first session: the window (and its form) exists before the first sync.
    countries = admin.get("/api/v1/countries").json()["data"]
    active = sorted(c["name"]["en"] for c in countries if c.get("is_active", True))
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        page = window.pages["customers"]
        assert isinstance(page, RecordPage)
        # When the user opens the country list of a new customer
        page.new_record()
        picker = page.form.editors["address.country"]
        picker.open_button.click()
        # Then every active country is there, once, by its name.
        names = [text.partition(" — ")[0] for text in picker.choices()]
        assert names == active
        picker.choose(names.index("Germany"))
        assert picker.value() == "DE"
    finally:
        close(app)


def test_ctrl_k_finds_a_deal_and_opens_it_on_the_deals_page(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    acme = client(admin)
    robots = deal(admin, acme["id"], "Warehouse robots", 1500)
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        window.search_action.trigger()
        qtbot.keyClicks(window.search, "robots")
        qtbot.waitUntil(lambda: window.search.results.rowCount() == 1)
        assert window.search.results.item(0).text() == "Deal · Warehouse robots — Acme"
        # A customer's name finds the customer and its deals, each with its record type.
        window.search.clear()
        qtbot.keyClicks(window.search, "acme")
        qtbot.waitUntil(lambda: window.search.results.rowCount() == 2)
        texts = [window.search.results.item(n).text() for n in range(2)]
        assert texts == ["Customer · Acme — a@acme.example", "Deal · Warehouse robots — Acme"]

        window.search.clear()
        qtbot.keyClicks(window.search, "robots")
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
        page = window.pages["deals"]
        assert window.stack.currentWidget() is page
        assert isinstance(page, DealsPage)
        assert page.form.editors["title"].text() == "Warehouse robots"
        assert page.pipeline.selected_id() == robots["id"]
    finally:
        close(app)


def test_a_conflict_on_a_deal_value_shows_money(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    robots = deal(admin, client(admin)["id"], "Robots", 1000)
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        window.set_working_offline(True)
        window.replica.update(entity="deal", id=robots["id"], changes={"value": 1_500_00})
        r = admin.patch(f"/api/v1/deals/{robots['id']}", json={"value": 2000})
        assert r.status_code == 200, r.text
        window.set_working_offline(False)  # the push meets the server's value: a conflict
        qtbot.waitUntil(lambda: window.compare_dialog is not None, timeout=15_000)
        dialog = window.compare_dialog
        assert dialog is not None
        texts = {
            b.objectName().split(":")[0] + ":" + b.text() for b in dialog.findChildren(QRadioButton)
        }
        assert texts == {"mine:1,500.00 USD", "theirs:2,000.00 USD"}
    finally:
        close(app)


def test_one_undo_history_for_the_window_takes_back_edits_of_every_page_in_turn(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    acme = client(admin)
    robots = deal(admin, acme["id"], "Robots", 1000)
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        window.set_working_offline(True)  # the edits stay unsent, so they can be undone
        customers, deals = window.pages["customers"], window.pages["deals"]
        assert isinstance(customers, RecordPage) and isinstance(deals, DealsPage)
        # Given a customer edit on one page, then a stage move on the other
        qtbot.waitUntil(lambda: customers.model.row_of(acme["id"]) is not None)
        customers.open_record(acme["id"])
        qtbot.keyClicks(customers.form.editors["company"], "Acme Holding")
        assert customers.save()
        window.sidebar.setCurrentRow(1)
        qtbot.waitUntil(lambda: deals.card(robots["id"]) is not None)  # the first sync's refresh
        deals.pipeline.move_requested.emit(robots["id"], Stage.PROPOSAL)  # a card dropped
        assert deals.card(robots["id"]).stage == Stage.PROPOSAL  # type: ignore[union-attr]
        assert "Move of “Robots”" in window.undo_action.text()

        # When Undo is used twice from the customers page
        window.sidebar.setCurrentRow(0)
        window.undo_action.trigger()
        assert deals.card(robots["id"]).stage == Stage.LEAD  # type: ignore[union-attr]
        window.undo_action.trigger()
        # Then both edits are taken back, newest first, whichever page made them
        assert customers.form.editors["company"].text() == ""
        assert window.replica.get(entity="customer", id=acme["id"])["company"] is None  # type: ignore[index]
        # and Redo makes the customer edit again.
        window.redo_action.trigger()
        assert customers.form.editors["company"].text() == "Acme Holding"

        window.set_working_offline(False)
        wait_synced(qtbot, window)
        server_deal = admin.get(f"/api/v1/deals/{robots['id']}").json()["data"]
        assert server_deal["stage"] == "LEAD"
        assert admin.get(f"/api/v1/customers/{acme['id']}").json()["company"] == "Acme Holding"
    finally:
        close(app)


def test_a_pull_refreshes_only_the_pages_it_concerns(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        refreshed: list[str] = []
        for key, page in window.pages.items():
            monkeypatch.setattr(page, "refresh", lambda k=key: refreshed.append(k))
        window.on_pulled(["country"])  # the pages with a country picker
        qtbot.waitUntil(
            lambda: sorted(refreshed) == ["customers", "employees", "partners", "suppliers"]
        )
        refreshed.clear()
        window.on_pulled(["customer"])  # customers, and the pages naming them (a contract's party)
        qtbot.waitUntil(
            lambda: sorted(refreshed) == ["contracts", "customers", "deals", "invoices", "orders"]
        )
        refreshed.clear()
        window.on_pulled(["invoice"])  # invoices, and the customers that list theirs
        qtbot.waitUntil(lambda: sorted(refreshed) == ["customers", "invoices"])
        refreshed.clear()
        window.on_pulled(["user"])
        qtbot.wait(300)
        assert refreshed == []
    finally:
        close(app)
