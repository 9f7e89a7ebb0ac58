"""The table model and the SQL list under it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from common.sync import Change, PullResponse
from desktop.core.customers import ENTITY, billing_address
from desktop.core.kit.listing import ListQuery
from desktop.core.modules import open_list
from desktop.core.replica import Replica
from desktop.ui.kit.model import CONFLICT_ROLE, PENDING_ROLE, EntityTableModel
from desktop.ui.kit.page import RecordPage

COL_NAME = 0


def test_qtmodeltester(qtmodeltester: ModelTester, replica: Replica) -> None:
    with open_list(ENTITY, replica) as customers:
        model = EntityTableModel(ENTITY, customers)
        qtmodeltester.check(model)
        model.set_filter_text("e")
        qtmodeltester.check(model)


def _row(i: int) -> dict[str, Any]:
    return {
        "id": f"0190{i:04d}-0000-7000-8000-000000000000",
        "name": f"Customer {i:04d}",
        "email": f"c{i}@example.com",
        "credit_limit": i,
        "currency": "USD",
        "active": i % 3 != 0,
        "address": {"city": "Kyiv" if i % 50 == 0 else "Lviv", "country_code": "UA"},
        "version": i,
    }


def _fill(path: Path, n: int) -> Replica:
    replica = Replica(path)
    open_list(ENTITY, replica).close()  # the list's tables and triggers exist before the pull
    changes = [
        Change(entity="customer", id=row["id"], op="upsert", version=i + 1, data=row)
        for i, row in enumerate(_row(i) for i in range(n))
    ]
    replica.apply_pull_page(
        PullResponse(
            changes=changes,
            cursor="c",
            has_more=False,
            phase="snapshot",
            reset=True,
            server_version=n,
        )
    )
    return replica


def test_pages_follow_each_other_without_gaps_in_both_directions(tmp_path: Path) -> None:
    replica = _fill(tmp_path / "r.sqlite3", 1000)
    with open_list(ENTITY, replica) as customers:
        for query in (
            ListQuery(sort="name"),
            ListQuery(sort="credit_limit", descending=True),
            ListQuery(text="kyiv", sort="city"),
            ListQuery(sort="active", filters={"active": False}),
        ):
            seen: list[str] = []
            after = None
            while True:
                page = customers.page(query, after=after, limit=37)
                seen.extend(r.id for r in page)
                if len(page) < 37:
                    break
                after = page[-1]
            assert len(seen) == len(set(seen)) == customers.count(query)
    replica.close()


def test_fetch_more_loads_the_next_page(qtmodeltester: ModelTester, tmp_path: Path) -> None:
    replica = _fill(tmp_path / "r.sqlite3", 450)
    with open_list(ENTITY, replica) as customers:
        model = EntityTableModel(ENTITY, customers)
        assert model.rowCount() == 200 and model.canFetchMore()
        model.fetchMore()
        model.fetchMore()
        assert model.rowCount() == 450 and not model.canFetchMore()
        qtmodeltester.check(model)
    replica.close()


def test_a_record_opened_beyond_the_loaded_rows_is_selected_and_shown(
    qtbot: QtBot, tmp_path: Path, settings: QSettings
) -> None:
    """Opening a record (Ctrl+K, a link) selects its row even where the list has not
    scrolled that far yet; a record the filter hides leaves the selection empty."""
    replica = _fill(tmp_path / "r.sqlite3", 450)
    page = RecordPage(ENTITY, replica, settings=settings)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    try:
        assert page.model.rowCount() == 200
        late = _row(420)["id"]
        page.open_record(late)
        assert page.list_view.current_id() == late
        assert page.form.editors["name"].text() == "Customer 0420"
        page.list_view.filter_edit.setText("Customer 0001")
        qtbot.waitUntil(lambda: page.model.rowCount() < 200)
        page.open_record(_row(300)["id"])
        assert page.list_view.current_id() == ""
        assert page.form.editors["name"].text() == "Customer 0300"
    finally:
        page.close()
        replica.close()


def test_pending_and_conflict_markers(tmp_path: Path) -> None:
    replica = _fill(tmp_path / "r.sqlite3", 10)
    first, second = _row(1)["id"], _row(2)["id"]
    replica.update(entity="customer", id=first, changes={"name": "Customer 0001 edited"})
    conflict = {
        "id": "01900000-0000-7000-8000-0000000000ff",
        "entity": "customer",
        "entity_id": second,
        "field": "name",
        "status": "open",
    }
    replica.apply_pull_page(
        PullResponse(
            changes=[
                Change(entity="conflict", id=conflict["id"], op="upsert", version=11, data=conflict)
            ],
            cursor="c2",
            has_more=False,
            phase="incremental",
            server_version=11,
        )
    )
    with open_list(ENTITY, replica) as customers:
        model = EntityTableModel(ENTITY, customers)
        rows = {model.index(r, COL_NAME).data(): r for r in range(model.rowCount())}
        assert model.index(rows["Customer 0001 edited"], COL_NAME).data(PENDING_ROLE) is True
        assert model.index(rows["Customer 0002"], COL_NAME).data(CONFLICT_ROLE) is True
        assert model.index(rows["Customer 0003"], COL_NAME).data(CONFLICT_ROLE) is False
    replica.close()


def test_search_and_billing_address_shapes(tmp_path: Path) -> None:
    replica = _fill(tmp_path / "r.sqlite3", 120)
    with open_list(ENTITY, replica) as customers:
        assert [r["name"] for r in customers.page(ListQuery("kyiv"), limit=2)] == [
            "Customer 0000",
            "Customer 0050",
        ]
        assert len(customers.page(ListQuery("  "))) == 120  # blank: no filter
    assert (
        billing_address({"addresses": [{"type": "billing", "city": "A", "country": "DE"}]})[
            "country"
        ]
        == "DE"
    )
    pulled_then_edited = {"address": {"city": "A", "country_code": "UA", "country": "PL"}}
    assert billing_address(pulled_then_edited)["country"] == "PL"
    replica.close()
