"""Warehouses and stock on the desktop, against the real server: the stock list with its
low-stock flag, the movements under a record, adjust and transfer as server commands asked in
dialogs, and an adjustment made offline that the server refuses (below zero): undone here,
with the server's reason for the user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QSettings
from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.core import orders, stock, warehouses
from desktop.core.client import SyncClient
from desktop.ui.kit import page as page_module
from desktop.ui.kit.commands import ArgumentsDialog
from desktop.ui.kit.lines import LinesEditor
from desktop.ui.kit.page import RecordPage
from desktop.ui.kit.picker import LookupPicker
from desktop.ui.status import rejection_text
from tests.conftest import Api
from tests.inventory_factories import adjust, create_warehouse, stocked


@pytest.fixture(autouse=True)
def english_locale() -> Iterator[None]:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


def _page(qtbot: QtBot, client: SyncClient, settings: QSettings, entity: Any) -> RecordPage:
    widget = RecordPage(entity, client.replica, settings=settings)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    return widget


def cell(page: RecordPage, record_id: str, key: str) -> str:
    row = page.model.row_of(record_id)
    assert row is not None, record_id
    return str(page.model.index(row, page.model.column(key)).data())


def answer(monkeypatch: pytest.MonkeyPatch, fill: Callable[[ArgumentsDialog], None]) -> None:
    """The next command dialog is filled in by ``fill`` and accepted."""

    def run(dialog: QDialog) -> bool:
        assert isinstance(dialog, ArgumentsDialog)
        fill(dialog)
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(page_module, "run_dialog", run)


def test_an_offline_adjustment_below_zero_is_refused_and_undone_with_the_reason(
    qtbot: QtBot,
    admin: Api,
    sync_client: SyncClient,
    settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,
    qtmodeltester: ModelTester,
) -> None:
    # Given a record holding 5 with a threshold of 4, synced to this desktop
    item, _place, record = stocked(admin, 5, name="Main Warehouse")
    assert admin.patch(f"/api/v1/stock/{record['id']}", json={"low_stock_threshold": 4}).is_success
    sync_client.sync_once()
    page = _page(qtbot, sync_client, settings, stock.ENTITY)
    qtmodeltester.check(page.model)
    sid = record["id"]
    assert (cell(page, sid, "item_name"), cell(page, sid, "warehouse_name")) == (
        item["name"],
        "Main Warehouse",
    )
    assert (cell(page, sid, "quantity"), cell(page, sid, "low")) == ("5", "OK")
    page.new_record()  # the server makes stock records: no empty form
    assert not page._form_open

    # When, offline, the user takes away 4 with a reason
    page.open_record(sid)
    assert page.related[0].model.rowCount() == 1  # the opening count under the form
    answer(monkeypatch, lambda d: (d.editors["quantity"].setText("-4"),
                                   d.editors["reason"].setText("Counted")))  # fmt: skip
    page.run_command("adjust")
    assert cell(page, sid, "low") == "Adjusting…"
    [queued] = sync_client.replica.pending()
    assert (queued.op, queued.payload) == (
        "command",
        {"command": "adjust", "args": {"quantity": -4, "reason": "Counted"}},
    )
    # while someone else takes 3 on the server
    assert adjust(admin, sid, -3, "Sold at the counter").status_code == 200

    # Then the sync refuses it (it would go below zero): undone here, the reason kept
    sync_client.sync_once()
    page.refresh()
    assert sync_client.replica.pending() == []
    assert (cell(page, sid, "quantity"), cell(page, sid, "low")) == ("2", "Low stock")
    row = page.model.row_at(page.model.row_of(sid))  # type: ignore[arg-type]
    assert row is not None and row.pending_command is None
    [refused] = sync_client.replica.rejections()
    text = rejection_text(refused, sync_client.replica)
    assert "refused by the server and undone here" in text
    assert "Not enough stock" in text and "only 2 on hand" in text, text
    assert admin.get(f"/api/v1/stock/{sid}").json()["quantity"] == 2
    assert page.related[0].model.rowCount() == 2  # the server's two movements, not ours


def test_transfer_is_asked_with_a_warehouse_picker_and_done_by_the_server(
    qtbot: QtBot,
    admin: Api,
    sync_client: SyncClient,
    settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item, source, record = stocked(admin, 9, name="Main Warehouse")
    target = create_warehouse(admin, name="Kyiv Depot", capacity=None)
    sync_client.sync_once()
    places = _page(qtbot, sync_client, settings, warehouses.ENTITY)
    assert cell(places, target["id"], "capacity") == "Unlimited"
    assert cell(places, source["id"], "capacity") == "10,000"
    page = _page(qtbot, sync_client, settings, stock.ENTITY)
    page.open_record(record["id"])

    def fill(dialog: ArgumentsDialog) -> None:
        picker = dialog.editors["to_warehouse_id"]
        assert isinstance(picker, LookupPicker)
        found = picker.search("Kyiv")
        assert found, "no warehouse to choose"
        picker.choose(0)
        dialog.editors["quantity"].setText("4")

    answer(monkeypatch, fill)
    page.run_command("transfer")
    [queued] = sync_client.replica.pending()
    assert queued.payload["args"] == {"to_warehouse_id": target["id"], "quantity": 4}
    sync_client.sync_once()
    page.refresh()
    assert cell(page, record["id"], "quantity") == "5"
    moved = next(
        r for r in sync_client.replica.list(entity="stock")
        if r["warehouse_id"] == target["id"] and r["item_id"] == item["id"]
    )  # fmt: skip
    assert moved["quantity"] == 4
    assert {r["warehouse_id"] for r in sync_client.replica.list(entity="stock")} == {
        source["id"],
        target["id"],
    }
    places.refresh()
    assert cell(places, target["id"], "stock_total") == "4"


def test_the_order_form_picks_a_warehouse_that_reserves_on_confirm(
    qtbot: QtBot, admin: Api, sync_client: SyncClient, settings: QSettings
) -> None:
    from tests.factories import create_customer

    item, place, record = stocked(admin, 6, name="Main Warehouse")
    create_customer(admin, name="Harbor Trading")
    sync_client.sync_once()
    page = _page(qtbot, sync_client, settings, orders.ENTITY)
    page.new_record()
    for name, search in (("customer_id", "Harbor"), ("warehouse_id", "Main")):
        picker = page.form.editors[name]
        assert isinstance(picker, LookupPicker)
        assert picker.search(search), name
        picker.choose(0)
    editor = page.form.editors["lines"]
    assert isinstance(editor, LinesEditor)
    editor.add_button.click()
    picker = editor.picker(0)
    assert picker.search(item["sku"])
    picker.choose(0)
    editor.quantity(0).setValue(2)
    assert page.save(), page.form.validate_all()
    [create] = sync_client.replica.pending()
    assert create.payload["data"]["warehouse_id"] == place["id"]
    sync_client.sync_once()
    order_id = create.id
    for status in ("pending", "confirmed"):
        r = admin.patch(f"/api/v1/orders/{order_id}/status", json={"status": status})
        assert r.status_code == 200, r.text
    assert admin.get(f"/api/v1/stock/{record['id']}").json()["reserved"] == 2
