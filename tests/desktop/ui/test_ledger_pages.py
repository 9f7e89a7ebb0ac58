"""The ledger on the desktop, against the real server: the reports computed offline from the
replica equal the server's /api/v1/reports/* for the same data; the chart of accounts as a
tree with balances; a journal entry that shows its difference live and posts only balanced;
an entry the server refuses undone here with its reason; the pages by permission."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from desktop.core.client import SyncClient
from desktop.core.ledger import Book
from desktop.core.modules import may
from desktop.ui.kit import page as page_module
from desktop.ui.kit.picker import LookupPicker
from desktop.ui.ledger import reports as reports_module
from desktop.ui.ledger.accounts import AccountsPage
from desktop.ui.ledger.journal import JournalPage
from desktop.ui.ledger.reports import ReportsPage
from desktop.ui.status import rejection_text
from tests.conftest import Api
from tests.factories import create_customer
from tests.ledger_factories import create_account, entry, load_chart, post, report
from tests.sales_factories import create_invoice

TODAY = dt.datetime.now(dt.UTC).date()
START = TODAY.replace(month=1, day=1)


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


def spec_books(admin: Api) -> dict[str, Any]:
    """The starter chart; the spec's workflow (invoice 50000 sent and paid); an invoice sent
    and partly paid; entries this month and in January; a EUR pair of accounts."""
    load_chart(admin)
    acme = create_customer(admin, name="Acme Corp", currency="USD")
    paid = create_invoice(
        admin,
        acme["id"],
        lines=[{"description": "Services", "quantity": 1, "unit_price": 50000, "currency": "USD"}],
    )
    assert admin.post(f"/api/v1/invoices/{paid['id']}/send").status_code == 200
    r = admin.post(
        f"/api/v1/invoices/{paid['id']}/payments",
        json={"amount": 50000, "currency": "USD", "method": "bank_transfer"},
    )
    assert r.status_code == 200 and r.json()["status"] == "paid", r.text
    owing = create_invoice(
        admin,
        create_customer(admin, name="Bolt Ltd", currency="USD")["id"],
        lines=[{"description": "Audit", "quantity": 2, "unit_price": 12000, "currency": "USD"}],
    )
    assert admin.post(f"/api/v1/invoices/{owing['id']}/send").status_code == 200
    r = admin.post(
        f"/api/v1/invoices/{owing['id']}/payments", json={"amount": 4000, "currency": "USD"}
    )
    assert r.status_code == 200, r.text
    post(admin, entry("1020", "3010", 1_000_000, date=START.isoformat()))  # owner's capital
    post(admin, entry("5100", "1020", 120_000, date=START.isoformat()))  # January's rent
    post(admin, entry("5300", "1010", 4_550))  # office supplies, this month
    assets = admin.get("/api/v1/accounts", params={"search": "Assets"}).json()["items"][0]
    bank = create_account(
        admin, code="1030", name="Bank (EUR)", type="asset", currency="EUR", parent_id=assets["id"]
    )
    sales = create_account(admin, code="4100", name="Sales (EUR)", type="revenue", currency="EUR")
    post(admin, entry(bank["id"], sales["id"], 70_000, date=START.isoformat()))
    return {"owing": owing}


# ---------------------------------------------------------------- the reports, offline


def test_the_reports_offline_are_the_servers_after_a_sync(
    qtbot: QtBot,
    admin: Api,
    sync_client: SyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the spec's workflow and more on the server, synced to a replica
    spec_books(admin)
    sync_client.sync_once()
    replica = sync_client.replica
    sync_client.close()  # offline from here: the desktop reads its replica only
    book = Book(replica)
    accounts = {a.code: a for a in book.accounts()}

    # Then every report computed here is the server's, number for number, per currency
    day, start = TODAY.isoformat(), START.isoformat()
    period = {"from_date": start, "to_date": day}
    for currency in (None, "USD", "EUR"):
        only = {"currency": currency} if currency else {}
        pairs = [
            (book.trial_balance(TODAY, currency), report(admin, "trial-balance", at=day, **only)),
            (
                book.profit_and_loss(START, TODAY, currency),
                report(admin, "profit-and-loss", **period, **only),
            ),
            (book.balance_sheet(TODAY, currency), report(admin, "balance-sheet", at=day, **only)),
            (
                book.receivables_ageing(TODAY, currency),
                report(admin, "receivables-ageing", at=day, **only),
            ),
        ]
        for mine, theirs in pairs:
            assert mine.model_dump(mode="json") == theirs
    for code in ("1200", "1020", "4000"):
        mine = book.general_ledger(accounts[code].id, START, TODAY)
        assert mine is not None
        theirs = report(admin, "general-ledger", account_id=code, **period)
        assert mine.model_dump(mode="json") == theirs
    # The spec's numbers: balanced, receivables back to what Bolt owes, revenue 50000 + 24000
    usd = next(c for c in book.trial_balance(TODAY).currencies if c.currency == "USD")
    assert usd.difference == 0
    assert book.balances()[accounts["1200"].id] == 24000 - 4000
    assert book.balances()[accounts["4000"].id] == 50000 + 24000

    # And the reports page shows them, charts the P&L by month and exports the server's CSV
    page = ReportsPage(replica)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.choose("profit_and_loss")
    page.set_dates(START, TODAY)
    page.currency.setCurrentIndex(page.currency.findData("USD"))
    assert page.cells()[-1] == ["", "Net income", "($505.50)"], page.cells()
    months = report(admin, "profit-and-loss", currency="USD", **period)["currencies"][0]["months"]
    assert page.chart_values()["Revenue"] == [m["revenue"] / 100 for m in months]
    assert page.chart_values()["Expenses"] == [m["expenses"] / 100 for m in months]
    assert page.chart_view.isVisibleTo(page)
    csv = admin.get(
        "/api/v1/reports/profit-and-loss", params={**period, "currency": "USD", "format": "csv"}
    ).text
    monkeypatch.setattr(reports_module, "choose_csv_path", lambda _p, name: str(tmp_path / name))
    saved = page.export_csv()
    assert saved is not None and Path(saved).read_bytes().decode() == csv
    page.choose("trial_balance")
    assert not page.chart_view.isVisibleTo(page)
    assert ["", "Total", "$10,785.50", "$10,785.50"] in page.cells(), page.cells()
    assert page.summary.text() == "Debits equal credits in every currency"
    page.choose("general_ledger")
    assert page.export_button.isEnabled() is False  # no account chosen yet
    assert page.account.search("1200") and page.account.choose(0) is None
    assert page.cells()[-1][1:] == ["Closing balance", "", "$740.00", "$540.00", "$200.00"]
    book.close()


# ---------------------------------------------------------------- the chart of accounts


def test_the_chart_is_a_tree_with_balances_filtered_by_type(
    qtbot: QtBot, admin: Api, sync_client: SyncClient
) -> None:
    spec_books(admin)
    sync_client.sync_once()
    page = AccountsPage(sync_client.replica)
    qtbot.addWidget(page)
    by_code = {str(r["code"]): r.id for r in page.rows.rows(page.model.query)}
    # Each account under its parent; a parent's balance is its sub-accounts' together
    top = [page.tree.topLevelItem(n).text(0) for n in range(page.tree.topLevelItemCount())]
    assert top[:3] == ["1000", "2000", "3000"], top
    assets = page.tree.topLevelItem(0)
    assert [assets.child(n).text(0) for n in range(assets.childCount())] == [
        "1010", "1020", "1030", "1200"
    ]  # fmt: skip
    assert page.balance_text(by_code["1200"]) == "$200.00"
    assert page.balance_text(by_code["4000"]) == "$740.00"
    assert page.balance_text(by_code["1030"]) == "EUR\xa0700.00"
    # cash -45.50, bank 9,340.00, receivables 200.00; the EUR bank account is not added in
    assert assets.text(4) == "$9,494.50"
    # The type filter keeps one type's accounts
    page.list_view.filter_combos["type"].setCurrentIndex(4)  # Revenue
    shown = [page.tree.topLevelItem(n).text(0) for n in range(page.tree.topLevelItemCount())]
    assert shown == ["4000", "4100", "4900"]
    # A parent of another type is refused in the form, before the server would
    page.open_record(by_code["4900"])
    picker = page.form.editors["parent_id"]
    assert isinstance(picker, LookupPicker)
    assert picker.search("Expenses")
    picker.choose(0)
    assert not page.save()
    assert page.form.errors["parent_id"].text() == (
        "The parent account must be of the same type (Revenue)"
    )
    assert not sync_client.replica.pending()


# ---------------------------------------------------------------- the journal


def pick(picker: LookupPicker, text: str) -> None:
    assert picker.search(text), text
    picker.choose(0)


def test_a_journal_entry_shows_its_difference_posts_only_balanced_and_is_reversed(
    qtbot: QtBot, admin: Api, sync_client: SyncClient, confirmed: list[str]
) -> None:
    load_chart(admin)
    sync_client.sync_once()
    replica = sync_client.replica
    page = JournalPage(replica)
    qtbot.addWidget(page)
    page.resize(1280, 760)

    # Given a new entry: an account picked by its code, the other by its name
    page.new_record()
    lines = page.entries
    pick(lines.picker(0), "5300")
    pick(lines.picker(1), "cash")
    assert lines.picker(1).value() is not None
    qtbot.keyClicks(lines.debit(0), "42.00")
    qtbot.keyClicks(lines.credit(1), "40")
    # Then the difference shows live and Post stays disabled
    assert lines.difference_label.text() == "Difference $2.00"
    assert lines.debits_label.text() == "Debits $42.00"
    assert not page.form.save_button.isEnabled()
    assert not page.save()
    assert replica.pending() == []
    # An amount that is not one is named by its line
    lines.debit(0).setText("4x.00")
    lines.debit(0).textEdited.emit("4x.00")
    assert "Line 1: The amount is not a number" in page.problems_label.text()
    assert page.problems_label.isVisibleTo(page)
    lines.debit(0).setText("42.00")
    lines.debit(0).textEdited.emit("42.00")
    assert not page.problems_label.isVisibleTo(page)
    # When the credit is corrected, the entry balances and posts (queued for the server)
    lines.credit(1).clear()
    qtbot.keyClicks(lines.credit(1), "42")
    assert lines.difference_label.text() == "Balanced"
    assert page.form.save_button.isEnabled() and page.form.save_button.text() == "Post"
    assert page.save()
    (create,) = replica.pending()
    assert create.op == "create" and [
        (x.get("debit"), x.get("credit")) for x in create.payload["data"]["lines"]
    ] == [(4200, None), (None, 4200)]
    entry_id = create.id
    row = page.model.row_of(entry_id)
    assert row is not None
    assert page.model.index(row, page.model.column("number")).data() == "Draft"
    assert not page.form.save_button.isEnabled()  # queued: never edited

    # After a sync the server has posted it: numbered, and in the replica's ledger
    sync_client.sync_once()
    page.refresh()
    number = admin.get(f"/api/v1/transactions/{entry_id}").json()["number"]
    row = page.model.row_of(entry_id)
    assert row is not None and page.model.index(row, 0).data() == number
    assert Book(replica).balances()  # the posted entry counts now

    # Reverse asks first, is queued, and the server posts the reversal
    page.open_record(entry_id)
    assert page.command_actions["reverse"].isEnabled()
    page.run_command("reverse")
    assert confirmed and number in confirmed[-1]
    sync_client.sync_once()
    page.refresh()
    assert admin.get(f"/api/v1/transactions/{entry_id}").json()["reversed_by_id"]
    row = page.model.row_of(entry_id)
    assert row is not None
    assert page.model.index(row, page.model.column("state")).data() == "Reversed"
    # The account filter keeps the entries on that account: the entry and its reversal
    cash = next(a.id for a in Book(replica).accounts() if a.code == "1010")
    page.model.set_filter("accounts", cash)
    assert page.model.rowCount() == 2


def test_an_entry_the_server_refuses_is_undone_here_with_its_reason(
    qtbot: QtBot, admin: Api, sync_client: SyncClient
) -> None:
    load_chart(admin)
    sync_client.sync_once()
    replica = sync_client.replica
    page = JournalPage(replica)
    qtbot.addWidget(page)
    # Given an entry drafted here on the till (1010), balanced
    page.new_record()
    pick(page.entries.picker(0), "5300")
    pick(page.entries.picker(1), "1010")
    qtbot.keyClicks(page.entries.debit(0), "15")
    qtbot.keyClicks(page.entries.credit(1), "15")
    assert page.save()
    (create,) = replica.pending()
    # while someone deactivates the till on the server
    till = admin.get("/api/v1/accounts", params={"search": "1010"}).json()["items"][0]
    assert admin.patch(f"/api/v1/accounts/{till['id']}/deactivate").status_code == 200
    # When it is pushed, the server refuses it: it leaves the replica, and the reason is told
    sync_client.sync_once()
    page.refresh()
    assert replica.get(entity="transaction", id=create.id) is None
    assert page.model.row_of(create.id) is None
    (refused,) = replica.rejections()
    assert "Account 1010 is inactive" in rejection_text(refused, replica)
    assert rejection_text(refused, replica).startswith("New journal entry")
    assert admin.get(f"/api/v1/transactions/{create.id}").status_code == 404
    # And a new entry on the till is refused here already (the replica knows it is inactive)
    page.new_record()
    pick(page.entries.picker(0), "5300")
    page.entries.picker(1).set_value(till["id"])
    qtbot.keyClicks(page.entries.debit(0), "15")
    qtbot.keyClicks(page.entries.credit(1), "15")
    assert not page.form.save_button.isEnabled()
    assert "Account 1010 is inactive" in page.problems_label.text()


# ---------------------------------------------------------------- permissions


def test_the_ledger_pages_follow_the_users_permissions(
    qtbot: QtBot, admin: Api, sync_client: SyncClient
) -> None:
    load_chart(admin)
    sync_client.sync_once()
    replica = sync_client.replica
    # The server told the replica: the admin may read and write accounting
    assert replica.permissions() and may(replica, "accounting", "write")
    page = AccountsPage(replica)
    qtbot.addWidget(page)
    some = page.rows.rows(page.model.query)[0].id
    page.open_record(some)
    assert page.command_actions["deactivate"].isEnabled()
    # A reader only: shown, not editable, no commands, no new records
    replica.set_permissions(["accounting:read", "customers:read"])
    page.close_record()
    page.open_record(some)
    assert not page.form.save_button.isEnabled()
    assert not page.form.editors["name"].isEnabled()
    assert not page.command_actions["deactivate"].isEnabled()
    page.new_record()
    assert not page.form.is_new() or not page.form.isEnabled()
    journal = JournalPage(replica)
    qtbot.addWidget(journal)
    journal.new_record()
    assert not journal.form.save_button.isEnabled()


def test_the_sidebar_shows_the_ledger_pages_only_to_who_may_read_accounting(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from PySide6.QtCore import QSettings

    from desktop.core.client import SyncStatus
    from desktop.core.profile import Profile
    from desktop.core.replica import Replica
    from desktop.ui.main_window import MainWindow

    replica = Replica(tmp_path / "replica.sqlite3")
    replica.set_permissions(["customers:read", "invoices:*"])
    window = MainWindow(
        profile=Profile("http://127.0.0.1:9", "ann@example.com", tmp_path / "desk").ensure(),
        replica=replica,
        worker=None,
        settings=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat),
        credential_note="",
    )
    qtbot.addWidget(window)

    def shown() -> list[str]:
        items = [window.sidebar.item(n) for n in range(window.sidebar.count())]
        return [s.key for s, item in zip(window.specs, items, strict=True) if not item.isHidden()]

    ledger = {"accounts", "journal", "reports"}
    assert not ledger & set(shown()) and {"customers", "invoices"} <= set(shown())
    # The next sync brings accounting:read: the pages appear, in the sidebar and the View menu
    replica.set_permissions(["customers:read", "accounting:read"])
    window.on_sync_status(SyncStatus(online=True, pending=0, last_sync_at=None))
    assert ledger <= set(shown())
    assert all(a.isVisible() for a in window.go_actions)
    window.shutdown()
