"""Contracts on the desktop, against the real server: a contract drafted offline and activated
by a server-validated command; a refused transition undone here with the server's reason; the
list's status and type filters and the 30-day highlight; the terms editor of an active
contract; a party's form listing its contracts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QSettings, Qt
from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.core import contracts, suppliers
from desktop.core.client import SyncClient
from desktop.ui.kit import page as page_module
from desktop.ui.kit.commands import ArgumentsDialog
from desktop.ui.kit.model import look_brush
from desktop.ui.kit.page import RecordPage
from desktop.ui.kit.picker import LookupPicker
from desktop.ui.main_window import MainWindow
from tests.conftest import Api, LiveServer
from tests.contract_factories import create_contract, create_party
from tests.desktop.ui.shell_support import close, make_app, sign_in, wait_synced

PATH = "/api/v1/contracts"


@pytest.fixture(autouse=True)
def english_locale() -> Iterator[None]:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


@pytest.fixture(autouse=True)
def confirmed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []

    def ask(_parent: Any, _title: str, question: str) -> bool:
        asked.append(question)
        return True

    monkeypatch.setattr(page_module, "ask_confirmation", ask)
    return asked


def answer(monkeypatch: pytest.MonkeyPatch, **values: Any) -> None:
    """The next command dialog filled in with ``values`` and accepted."""

    def run(dialog: QDialog) -> bool:
        assert isinstance(dialog, ArgumentsDialog)
        for name, value in values.items():
            dialog.editors[name].set_value(value)
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(page_module, "run_dialog", run)


def cell(page: RecordPage, record_id: str, key: str, role: Any = None) -> Any:
    row = page.model.row_of(record_id)
    assert row is not None, record_id
    index = page.model.index(row, page.model.column(key))
    return index.data() if role is None else index.data(role)


def contracts_page(window: MainWindow) -> RecordPage:
    window.sidebar.setCurrentRow([s.key for s in window.specs].index("contracts"))
    page = window.pages["contracts"]
    assert isinstance(page, RecordPage) and window.current_page() is page
    return page


def pick(picker: Any, text: str) -> None:
    assert isinstance(picker, LookupPicker)
    assert picker.search(text), text
    picker.choose(0)


def active_contract(admin: Api, party_id: str, ends_in: int, **kw: Any) -> str:
    end = date.today() + timedelta(days=ends_in)
    made = create_contract(
        admin, party_id, start_date=str(end - timedelta(days=365)), end_date=str(end), **kw
    )
    assert admin.post(f"{PATH}/{made['id']}/activate", json={}).status_code == 200
    return str(made["id"])


def test_a_contract_drafted_offline_is_activated_and_a_refused_renewal_is_undone(
    qtbot: QtBot,
    server: LiveServer,
    admin: Api,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    confirmed: list[str],
) -> None:
    supplier = create_party(admin, name="Harbor Supplies")
    expiring = active_contract(admin, supplier["id"], ends_in=12)
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        page = contracts_page(window)
        qtbot.waitUntil(lambda: page.model.row_of(expiring) is not None, timeout=15_000)
        assert cell(page, expiring, "status") == "Ending soon"

        # Given the desktop offline, a contract drafted in the form as a user does
        window.set_working_offline(True)
        window.new_action.trigger()
        pick(page.form.editors["party_id"], "Harbor")
        form = page.form.editors
        form["contract_type"].set_value("service")
        form["payment_type"].set_value("credit")
        qtbot.keyClicks(form["credit_days"], "30")
        qtbot.keyClicks(form["penalty_rate"], "0.5")
        form["currency"].set_value("EUR")
        form["payment_currency"].set_value("EUR")
        form["shipping_currency"].set_value("EUR")
        form["insurance"].setChecked(True)
        window.save_action.trigger()
        made = page.list_view.current_id()
        assert made and made != expiring
        # it waits in the outbox, shown as a draft with its party's name; the server has none
        assert cell(page, made, "status") == "Draft"
        assert cell(page, made, "party_name") == "Harbor Supplies"
        assert page.model.row_at(page.model.row_of(made)).pending  # type: ignore[arg-type, union-attr]
        assert admin.get(f"{PATH}/{made}").status_code == 404

        # When it goes online, the server has the draft with its terms
        window.set_working_offline(False)
        wait_synced(qtbot, window)
        qtbot.waitUntil(lambda: admin.get(f"{PATH}/{made}").status_code == 200, timeout=15_000)
        got = admin.get(f"{PATH}/{made}").json()
        assert got["status"] == "draft" and got["contract_type"] == "service"
        assert got["payment_terms"] == {
            "payment_type": "credit",
            "credit_days": 30,
            "penalty_rate": 0.5,
            "discount_rate": None,
            "currency": "EUR",
        }
        assert got["delivery_terms"]["insurance"] is True
        assert got["validity_period"]["start_date"] == date.today().isoformat()

        # and Activate (a server-validated command) makes it active, signed when clicked
        page.open_record(made)
        assert page.command_actions["activate"].isEnabled()
        assert not page.command_actions["terminate"].isEnabled()  # not from draft
        page.run_command("activate")
        assert confirmed[-1].startswith("Activate contract with Harbor Supplies?")
        assert cell(page, made, "status") == "Activating…"
        wait_synced(qtbot, window)
        qtbot.waitUntil(lambda: cell(page, made, "status") == "Active", timeout=15_000)
        assert admin.get(f"{PATH}/{made}").json()["signed_at"] is not None

        # Given a renewal queued offline while someone terminates the contract on the server
        window.set_working_offline(True)
        page.open_record(expiring)
        answer(monkeypatch, new_end_date=str(date.today() + timedelta(days=400)))
        page.run_command("renew")
        assert cell(page, expiring, "status") == "Renewing…"
        r = admin.post(f"{PATH}/{expiring}/terminate", json={"reason": "Breach of terms"})
        assert r.status_code == 200, r.text

        # When the desktop goes online, the server refuses the renewal
        window.set_working_offline(False)
        wait_synced(qtbot, window)

        # Then it is undone here, the contract reads terminated and locked, the user told why
        qtbot.waitUntil(lambda: cell(page, expiring, "status") == "Terminated", timeout=15_000)
        row = page.model.row_at(page.model.row_of(expiring))  # type: ignore[arg-type]
        assert row is not None and row.pending_command is None and not row.pending
        qtbot.waitUntil(lambda: window.rejection_box is not None, timeout=15_000)
        box = window.rejection_box
        assert box is not None
        assert "only an active contract is renewed" in box.informativeText()
        page.open_record(expiring)
        assert not page.command_actions["renew"].isEnabled()
        assert page.form.lock_banner.isVisibleTo(page.form)
        on_server = admin.get(f"{PATH}/{expiring}").json()
        assert (on_server["status"], on_server["renewal_count"]) == ("terminated", 0)
    finally:
        close(app)


def test_the_list_filters_highlights_and_edits_terms(
    qtbot: QtBot,
    admin: Api,
    sync_client: SyncClient,
    settings: QSettings,
    qtmodeltester: ModelTester,
) -> None:
    supplier = create_party(admin, name="Quarry Stone")
    partner = create_party(admin, "partners", name="Bridge Partners")
    soon = active_contract(admin, supplier["id"], ends_in=20)
    later = active_contract(admin, partner["id"], ends_in=200, contract_type="partnership")
    draft = create_contract(admin, supplier["id"], contract_type="lease")["id"]
    sync_client.sync_once()
    page = RecordPage(contracts.ENTITY, sync_client.replica, settings=settings)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    qtmodeltester.check(page.model)
    model, view = page.model, page.list_view

    def shown() -> set[str]:
        return {model.row_at(r).id for r in range(model.rowCount())}  # type: ignore[union-attr]

    assert shown() == {soon, later, draft}
    # Ending within 30 days: highlighted as a warning; a later one reads plainly Active.
    assert cell(page, soon, "status") == "Ending soon"
    assert cell(page, soon, "status", Qt.ItemDataRole.ForegroundRole) == look_brush("warning")
    assert cell(page, later, "status") == "Active"
    assert cell(page, later, "party_name") == "Bridge Partners"
    # Status and type filters; the party filter picks among every kind of party.
    combo = view.filter_combos["status"]
    combo.setCurrentIndex(combo.findData("expiring"))
    assert shown() == {soon}
    combo.setCurrentIndex(combo.findData("draft"))
    assert shown() == {draft}
    combo.setCurrentIndex(0)
    types = view.filter_combos["contract_type"]
    types.setCurrentIndex(types.findData("partnership"))
    assert shown() == {later}
    types.setCurrentIndex(0)
    pick(view.filter_pickers["party_id"], "Quarry")
    assert shown() == {soon, draft}

    # The terms editor of an active contract: terms change, the party and dates do not.
    page.open_record(later)
    editors = page.form.editors
    assert not editors["party_id"].isEnabled() and not editors["end_date"].isEnabled()
    assert editors["credit_days"].isEnabled() and editors["shipping_cost"].isEnabled()
    assert page.form.note_banner.isVisibleTo(page.form)
    editors["credit_days"].selectAll()
    qtbot.keyClicks(editors["credit_days"], "45")
    editors["credit_days"].edited.emit()
    assert page.save()
    update = sync_client.replica.pending()[-1]
    assert (update.op, update.id, update.payload["changes"]) == (
        "update",
        later,
        {"credit_days": 45},
    )
    sync_client.sync_once()
    assert admin.get(f"{PATH}/{later}").json()["payment_terms"]["credit_days"] == 45


def test_a_partys_form_lists_its_contracts(
    qtbot: QtBot, admin: Api, sync_client: SyncClient, settings: QSettings
) -> None:
    supplier = create_party(admin, name="Anchor Metals")
    soon = active_contract(admin, supplier["id"], ends_in=5)
    create_contract(admin, supplier["id"], contract_type="lease")
    create_contract(admin, create_party(admin)["id"])  # someone else's
    sync_client.sync_once()
    page = RecordPage(suppliers.ENTITY, sync_client.replica, settings=settings)
    qtbot.addWidget(page)
    page.show()
    page.open_record(supplier["id"])
    box = next(b for b in page.related if b.related.entity == "contract")
    assert box.title() == "Contracts (2)"
    statuses = {str(box.model.index(r, box.model.column("status")).data()) for r in range(2)}
    assert statuses == {"Ending soon", "Draft"}
    opened: list[tuple[str, str]] = []
    page.open_elsewhere.connect(lambda e, i: opened.append((e, i)))
    row = next(r for r in range(2) if box.model.row_at(r).id == soon)  # type: ignore[union-attr]
    box.table.doubleClicked.emit(box.model.index(row, 0))
    assert opened == [("contract", soon)]
