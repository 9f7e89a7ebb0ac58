"""The deals page on a replica synced from the real server with the demo pipeline."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QDate, QLocale, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from common.deals import STAGES, Stage, dollars_to_cents
from desktop.core.client import SyncClient
from desktop.core.deals import ENTITY, DealCard, summarize
from desktop.ui.deals import page as page_module
from desktop.ui.deals.page import LIST, DealsPage
from desktop.ui.deals.pipeline import DEAL_MIME, CardList
from desktop.ui.deals.text import totals_text
from desktop.ui.kit.model import EntityTableModel
from desktop.ui.kit.money import money_text
from desktop.ui.kit.picker import VALUE_ROLE
from server.context import AppContext
from server.deals.demo import fill_demo_deals
from server.demo import fill_demo_customers
from tests.conftest import Api, LiveServer
from tests.desktop.ui.conftest import add_customer
from tests.desktop.ui.shell_support import close, make_app, sign_in, wait_synced

COL_VALUE = [c.key for c in ENTITY.columns].index("value")


@pytest.fixture(autouse=True)
def english_locale() -> Any:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


@pytest.fixture
def page(qtbot: QtBot, demo_client: SyncClient) -> DealsPage:
    widget = DealsPage(demo_client.replica)
    qtbot.addWidget(widget)
    widget.resize(1400, 800)
    widget.show()
    return widget


def server_deals(admin: Api) -> list[dict[str, Any]]:
    r = admin.get("/api/v1/deals", params={"limit": 100})
    assert r.status_code == 200, r.text
    deals: list[dict[str, Any]] = r.json()["data"]
    return deals


def server_deal(admin: Api, deal_id: str) -> dict[str, Any]:
    r = admin.get(f"/api/v1/deals/{deal_id}")
    assert r.status_code == 200, r.text
    deal: dict[str, Any] = r.json()["data"]
    return deal


def column(page: DealsPage, stage: Stage) -> CardList:
    return page.pipeline.columns[stage].cards


def stage_of(page: DealsPage, deal_id: str) -> Stage:
    for stage in STAGES:
        if deal_id in column(page, stage).ids():
            return stage
    raise AssertionError(f"{deal_id} is on no column")


def first_card(page: DealsPage, stage: Stage) -> DealCard:
    deal_id = column(page, stage).ids()[0]
    return next(c for c in page.cards if c.id == deal_id)


def drop(target: CardList, deal_id: str) -> None:
    """What a mouse drag ends with: enter, move and drop events carrying the card's MIME data."""
    mime = QMimeData()
    mime.setData(DEAL_MIME, QByteArray(deal_id.encode()))
    viewport = target.viewport()
    point = QPoint(20, 20)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, Qt.DropAction.MoveAction, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(point, Qt.DropAction.MoveAction, mime, buttons, mods)
    QApplication.sendEvent(viewport, move)
    event = QDropEvent(QPointF(point), Qt.DropAction.MoveAction, mime, buttons, mods)
    QApplication.sendEvent(viewport, event)
    assert event.isAccepted()


def test_pipeline_shows_every_demo_deal_with_per_stage_counts_and_totals(
    page: DealsPage, admin: Api
) -> None:
    deals = server_deals(admin)
    assert len(deals) == 60
    counts = Counter(d["stage"] for d in deals)
    totals: Counter[str] = Counter()
    for d in deals:
        totals[d["stage"]] += dollars_to_cents(Decimal(str(d["value"])))
    locale = QLocale()
    for stage in STAGES:
        shown = page.pipeline.columns[stage]
        assert shown.count_label.text() == f"{counts[stage.value]} deal(s)"
        assert shown.total_label.text() == money_text(locale, totals[stage.value], "USD")
        assert sorted(shown.cards.ids()) == sorted(d["id"] for d in deals if d["stage"] == stage)
    # A card says what the deal is, for whom, and how much.
    deal = deals[0]
    card = next(c for c in page.cards if c.id == deal["id"])
    assert (card.title, card.client_name) == (deal["title"], deal["client"]["name"])
    assert card.value == dollars_to_cents(Decimal(str(deal["value"])))
    assert page.summary_label.text() == "60 deal(s)"


def test_dragging_a_card_moves_it_at_once_and_on_the_server_after_sync(
    page: DealsPage, demo_client: SyncClient, admin: Api
) -> None:
    card = first_card(page, Stage.LEAD)
    lead_count = column(page, Stage.LEAD).count()
    qualified_count = column(page, Stage.QUALIFIED).count()

    drop(column(page, Stage.QUALIFIED), card.id)

    assert stage_of(page, card.id) == Stage.QUALIFIED  # at once, before any sync
    assert column(page, Stage.LEAD).count() == lead_count - 1
    assert page.pipeline.columns[Stage.QUALIFIED].count_label.text() == (
        f"{qualified_count + 1} deal(s)"
    )
    [pending] = demo_client.replica.pending()
    assert (pending.op, pending.payload["command"]) == ("command", "move_stage")
    assert server_deal(admin, card.id)["stage"] == "LEAD"

    demo_client.sync_once()
    page.refresh()
    deal = server_deal(admin, card.id)
    assert (deal["stage"], deal["probability"]) == ("QUALIFIED", 25)
    assert stage_of(page, card.id) == Stage.QUALIFIED
    assert demo_client.replica.pending() == []


def test_move_to_stage_from_the_keyboard(
    qtbot: QtBot, page: DealsPage, demo_client: SyncClient, admin: Api, monkeypatch: Any
) -> None:
    card = first_card(page, Stage.PROPOSAL)
    offered: list[list[Stage]] = []

    def choose(_parent: Any, chosen: DealCard, stages: list[Stage]) -> Stage:
        assert chosen.id == card.id
        offered.append(stages)
        return Stage.WON

    monkeypatch.setattr(page_module, "choose_stage", choose)
    cards = column(page, Stage.PROPOSAL)
    cards.setFocus()
    cards.setCurrentRow(0)
    assert page.form.editors["title"].text() == card.title  # the selected card is in the form
    qtbot.keyClick(cards, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)

    assert offered == [[Stage.LEAD, Stage.QUALIFIED, Stage.NEGOTIATION, Stage.WON, Stage.LOST]]
    assert stage_of(page, card.id) == Stage.WON
    demo_client.sync_once()
    deal = server_deal(admin, card.id)
    assert deal["stage"] == "WON" and deal["closedAt"] is not None

    # A won deal is final: no stage is offered and nothing is queued.
    page.refresh()
    page.open_record(card.id)
    offered.clear()
    page.move_selected()
    assert offered == []
    assert demo_client.replica.pending() == []


def test_a_move_the_server_refuses_is_undone(
    page: DealsPage, demo_client: SyncClient, admin: Api
) -> None:
    card = first_card(page, Stage.NEGOTIATION)
    drop(column(page, Stage.LOST), card.id)
    assert stage_of(page, card.id) == Stage.LOST
    # Meanwhile someone wins it on the server: a won deal cannot move to LOST.
    r = admin.patch(f"/api/v1/deals/{card.id}", json={"stage": "WON"})
    assert r.status_code == 200, r.text

    demo_client.sync_once()
    page.refresh()
    assert stage_of(page, card.id) == Stage.WON
    [rejection] = demo_client.replica.rejections()
    assert "cannot move" in rejection.error["message"]


def test_the_form_creates_a_deal_that_reaches_the_server(
    qtbot: QtBot, page: DealsPage, demo_client: SyncClient, admin: Api
) -> None:
    page.new_record()
    form = page.form
    title, value, client = form.editors["title"], form.editors["value"], form.editors["client_id"]
    stage, probability = form.editors["stage"], form.editors["probability"]

    # Inline validation with the common rules, as the user types.
    qtbot.keyClicks(title, " ")
    assert form.errors["title"].isVisible()
    assert form.errors["title"].text() == "Title is required"
    value.selectAll()
    qtbot.keyClicks(value, "12.345")
    assert form.errors["value"].text() == "At most 2 decimals"
    assert page.save() is False  # nothing written
    assert demo_client.replica.pending() == []

    title.clear()
    qtbot.keyClicks(title, "Warehouse robots")
    client.search("")  # the picker's list of clients, as its button opens it
    client_name = client.choices()[1].partition(" — ")[0]
    client_id = client.matches.item(1).data(VALUE_ROLE)
    client.choose(1)
    value.selectAll()
    qtbot.keyClicks(value, "12,345.60")
    stage.setCurrentIndex(stage.findData("PROPOSAL"))
    assert probability.value() == 50  # the stage's default
    qtbot.keyClicks(form.editors["notes"], "Two sites")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)

    made = next(c for c in page.cards if c.title == "Warehouse robots")
    assert stage_of(page, made.id) == Stage.PROPOSAL
    assert (made.client_name, made.value, made.pending) == (client_name, 1_234_560, True)

    demo_client.sync_once()
    deal = server_deal(admin, made.id)
    assert deal["title"] == "Warehouse robots"
    assert deal["value"] == 12345.6 and deal["stage"] == "PROPOSAL"
    assert deal["probability"] == 50 and deal["notes"] == "Two sites"
    assert deal["client"]["id"] == client_id

    # Edit it: the value changes through Replica.update and reaches the server too.
    page.refresh()
    page.open_record(made.id)
    value.selectAll()
    qtbot.keyClicks(value, "99")
    assert page.save() is True
    demo_client.sync_once()
    assert server_deal(admin, made.id)["value"] == 99


def test_list_view_sorts_and_the_model_is_sound(
    qtbot: QtBot, page: DealsPage, qtmodeltester: Any
) -> None:
    page.set_view(LIST)
    assert page.views.currentWidget() is page.table
    model: EntityTableModel = page.model
    assert model.rowCount() == 60
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(COL_VALUE) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    values = [model.row_at(r)["value"] for r in range(model.rowCount())]  # type: ignore[index]
    assert values == sorted(values)
    page.table.sortByColumn(COL_VALUE, Qt.SortOrder.DescendingOrder)
    values = [model.row_at(r)["value"] for r in range(model.rowCount())]  # type: ignore[index]
    assert values == sorted(values, reverse=True)
    # Selecting a row opens the deal in the form.
    page.table.selectRow(0)
    assert page.form.editors["title"].text() == model.row_at(0)["title"]  # type: ignore[index]
    qtmodeltester.check(model)


def test_in_the_app_a_dragged_card_reaches_the_server_by_background_sync(
    qtbot: QtBot, ctx: AppContext, admin: Api, server: LiveServer, tmp_path: Path
) -> None:
    fill_demo_customers(ctx, 20)
    fill_demo_deals(ctx, 60)
    app = make_app(qtbot, tmp_path / "desk")
    window = sign_in(qtbot, app, server.url)
    try:
        titles = [window.sidebar.item(n).text() for n in range(window.sidebar.count())]
        assert titles == [
            *("Customers", "Deals", "Suppliers", "Partners", "Employees"),
            *("Catalog", "Warehouses", "Stock", "Stock movements", "Orders", "Invoices"),
        ]
        window.sidebar.setCurrentRow(1)
        page = window.pages["deals"]
        assert isinstance(page, DealsPage)
        qtbot.waitUntil(lambda: len(page.cards) == 60, timeout=10_000)

        card = first_card(page, Stage.QUALIFIED)
        drop(column(page, Stage.NEGOTIATION), card.id)
        assert stage_of(page, card.id) == Stage.NEGOTIATION
        qtbot.waitUntil(
            lambda: server_deal(admin, card.id)["stage"] == "NEGOTIATION", timeout=15_000
        )
        wait_synced(qtbot, window)
        assert stage_of(page, card.id) == Stage.NEGOTIATION
    finally:
        close(app)


def test_a_stage_with_mixed_currencies_shows_one_total_per_currency() -> None:
    def card(n: int, stage: Stage, cents: int, currency: str) -> DealCard:
        return DealCard(
            id=str(n), title=f"Deal {n}", client_id="c", client_name="Client", value=cents,
            currency=currency, stage=stage, probability=10, expected_close=None,
            pending=False, moving=False,
        )  # fmt: skip

    summaries = summarize(
        [
            card(1, Stage.LEAD, 60_000, "USD"),
            card(2, Stage.LEAD, 40_000, "USD"),
            card(3, Stage.LEAD, 50_050, "EUR"),
            card(4, Stage.WON, 1, "USD"),
        ]
    )
    lead = summaries[Stage.LEAD]
    assert (lead.count, lead.totals) == (3, {"USD": 100_000, "EUR": 50_050})
    us = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    assert totals_text(us, lead.totals) == "$1,000.00 + EUR\u00a0500.50"
    de = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    assert totals_text(de, lead.totals) == "1.000,00\u00a0USD + 500,50\u00a0€"
    assert summaries[Stage.LOST].count == 0
    assert totals_text(us, summaries[Stage.LOST].totals) == "$0.00"


def test_arrow_keys_walk_the_columns_and_undo_takes_a_move_back(
    qtbot: QtBot, page: DealsPage, demo_client: SyncClient, admin: Api
) -> None:
    lead = column(page, Stage.LEAD)
    lead.setFocus()
    lead.setCurrentRow(0)
    qtbot.keyClick(lead, Qt.Key.Key_Right)
    qualified = column(page, Stage.QUALIFIED)
    assert qualified.hasFocus() or QApplication.focusWidget() is qualified
    selected = page.selected_card()
    assert selected is not None and selected.stage == Stage.QUALIFIED
    assert page.form.editors["title"].text() == selected.title
    qtbot.keyClick(qualified, Qt.Key.Key_Left)
    assert page.selected_card() is not None and page.selected_card().stage == Stage.LEAD  # type: ignore[union-attr]

    card = first_card(page, Stage.LEAD)
    drop(column(page, Stage.PROPOSAL), card.id)
    assert stage_of(page, card.id) == Stage.PROPOSAL
    page.undo()
    assert stage_of(page, card.id) == Stage.LEAD
    demo_client.sync_once()
    assert server_deal(admin, card.id)["stage"] == "LEAD"


def test_the_form_moves_a_deal_to_one_of_two_namesakes_and_sets_its_expected_close(
    qtbot: QtBot, page: DealsPage, demo_client: SyncClient, admin: Api
) -> None:
    # Given two customers of the same name, told apart by email and city
    twins = {
        city: add_customer(
            admin, "Zora Quill", f"zora@{city.lower()}.example", city, "JP", 0, "USD"
        )
        for city in ("Osaka", "Kyoto")
    }
    demo_client.sync_once()
    page.refresh()
    card = first_card(page, Stage.LEAD)
    page.open_record(card.id)
    form = page.form

    # When the user searches the client picker by the name and picks the one in Kyoto
    picker = form.editors["client_id"]
    picker.line.selectAll()
    qtbot.keyClicks(picker.line, "zora quill")
    qtbot.waitUntil(lambda: len(picker.choices()) == 2)
    assert sorted(picker.choices()) == [
        "Zora Quill — zora@kyoto.example · Kyoto",
        "Zora Quill — zora@osaka.example · Osaka",
    ]
    picker.choose(picker.choices().index("Zora Quill — zora@kyoto.example · Kyoto"))
    # and sets the expected close date in the calendar
    form.editors["expected_close"].set_date(QDate(2030, 5, 17))
    assert page.save() is True

    # Then one update carries both, the list shows them, and the server takes them.
    [mutation] = demo_client.replica.pending()
    assert mutation.payload["changes"] == {
        "client_id": twins["Kyoto"]["id"],
        "expected_close": "2030-05-17",
    }
    moved = page.card(card.id)
    assert moved is not None and moved.client_name == "Zora Quill"
    row = page.model.row_of(card.id)
    assert row is not None
    close_column = [c.key for c in ENTITY.columns].index("expected_close")
    assert page.model.index(row, close_column).data() == "5/17/30"
    assert form.editors["client_id"].line.text() == "Zora Quill — zora@kyoto.example · Kyoto"

    demo_client.sync_once()
    deal = server_deal(admin, card.id)
    assert deal["client"]["id"] == twins["Kyoto"]["id"]
    assert deal["expectedClose"].startswith("2030-05-17")

    # Clearing the date is an edit too.
    page.refresh()
    form.editors["expected_close"].clear_button.click()
    assert page.save() is True
    assert [m.payload["changes"] for m in demo_client.replica.pending()] == [
        {"expected_close": None}
    ]
