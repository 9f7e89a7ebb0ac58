"""The reports over HTTP on both databases: JSON, CSV (``?format=csv`` or ``Accept``), refusals."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import Api
from tests.factories import expect_error
from tests.ledger_factories import currency_part, entry, load_chart, post, report

pytestmark = pytest.mark.engines


def _book(admin: Api) -> None:
    load_chart(admin)
    post(admin, entry("1020", "3010", 100000, date="2026-01-02"))
    post(admin, entry("1200", "4000", 50000, date="2026-01-15"))
    post(admin, entry("5100", "1020", 20000, date="2026-02-01"))
    post(admin, entry("1020", "1200", 30000, date="2026-02-10"))


def test_general_ledger_of_an_account_by_code(admin: Api) -> None:
    _book(admin)
    gl = report(
        admin, "general-ledger", account_id="1020", from_date="2026-02-01", to_date="2026-02-28"
    )
    assert (gl["code"], gl["opening_balance"], gl["closing_balance"]) == ("1020", 100000, 110000)
    assert [(x["debit"], x["credit"], x["balance"]) for x in gl["lines"]] == [
        (0, 20000, 80000),
        (30000, 0, 110000),
    ]
    expect_error(
        admin.get("/api/v1/reports/general-ledger", params={"account_id": "9999"}),
        422,
        "validation_error",
    )
    expect_error(admin.get("/api/v1/reports/general-ledger"), 422, "validation_error")


def test_reports_at_a_date_and_for_a_period(admin: Api) -> None:
    _book(admin)
    trial = currency_part(report(admin, "trial-balance", at="2026-01-31"))
    assert (trial["total_debit"], trial["difference"]) == (150000, 0)
    pnl = currency_part(report(admin, "profit-and-loss", from_date="2026-02-01"))
    assert (pnl["total_revenue"], pnl["total_expenses"], pnl["net_income"]) == (0, 20000, -20000)
    sheet = currency_part(report(admin, "balance-sheet", at="2026-02-28"))
    assert (sheet["total_assets"], sheet["current_result"], sheet["balanced"]) == (
        130000,
        30000,
        True,
    )
    for name, params in (
        ("profit-and-loss", {"from_date": "2026-03-01", "to_date": "2026-02-01"}),
        ("trial-balance", {"at": "yesterday"}),
        ("balance-sheet", {"currency": "ZZZ"}),
        ("trial-balance", {"format": "xml"}),
    ):
        expect_error(admin.get(f"/api/v1/reports/{name}", params=params), 422, "validation_error")


@pytest.mark.parametrize(
    "name", ["trial-balance", "profit-and-loss", "balance-sheet", "receivables-ageing"]
)
def test_every_report_exports_csv(admin: Api, name: str) -> None:
    _book(admin)
    by_param = admin.get(f"/api/v1/reports/{name}", params={"format": "csv", "at": "2026-02-28"})
    by_accept = admin.get(
        f"/api/v1/reports/{name}", params={"at": "2026-02-28"}, headers={"Accept": "text/csv"}
    )
    for r in (by_param, by_accept):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
    assert by_param.text == by_accept.text
    rows = list(csv.reader(io.StringIO(by_param.text)))
    assert rows[0][0] == "currency"
    if name == "trial-balance":
        assert ["USD", "", "Total", "", "1500.00", "1500.00"] in rows


def test_general_ledger_csv(admin: Api) -> None:
    _book(admin)
    r = admin.get("/api/v1/reports/general-ledger", params={"account_id": "1020", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[1][2] == "Opening balance" and rows[-1][2] == "Closing balance"
    assert rows[-1][5] == "1100.00"
