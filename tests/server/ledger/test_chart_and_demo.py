"""The starter chart by one command, and the demo's books (its sales posted automatically)."""

from __future__ import annotations

import subprocess
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

from common.ledger import STARTER_CHART
from server.context import AppContext
from server.db import make_engine
from server.demo import fill_demo_customers
from server.invoices.demo import fill_demo_sales
from server.ledger.demo import fill_demo_ledger
from tests.conftest import Api
from tests.e2e.test_serve import CRM_SERVER, server_env
from tests.ledger_factories import report


def test_crm_server_accounts_load_starter_chart(empty_db_url: str, tmp_path: Path) -> None:
    env = server_env(tmp_path, empty_db_url, CRM_JWT_SECRET="s" * 40)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CRM_SERVER, *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert run("migrate").returncode == 0
    first = run("accounts", "load-starter-chart", "--currency", "eur")
    assert first.returncode == 0, first.stderr
    assert f"added {len(STARTER_CHART)} accounts in EUR" in first.stdout
    again = run("accounts", "load-starter-chart")
    assert again.returncode == 0 and "added 0 accounts" in again.stdout  # kept, not doubled
    bad = run("accounts", "load-starter-chart", "--currency", "EURO")
    assert bad.returncode == 2 and bad.stderr.startswith("crm-server: Unknown currency")
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT code, currency, type, parent_id FROM accounts"))
            accounts = {code: (cur, kind, parent) for code, cur, kind, parent in rows}
            by_id = dict(conn.execute(sa.text("SELECT id, code FROM accounts")).tuples().all())
    finally:
        engine.dispose()
    assert set(accounts) == {a.code for a in STARTER_CHART}
    assert {cur for cur, _, _ in accounts.values()} == {"EUR"}
    assert by_id[accounts["1200"][2]] == "1000" and accounts["1200"][1] == "asset"


def test_demo_books_balance_and_match_the_invoices(admin: Api, ctx: AppContext) -> None:
    fill_demo_customers(ctx, 60)
    ledger = fill_demo_ledger(ctx)
    assert ledger["accounts"] == len(STARTER_CHART) and ledger["transactions"] > 0
    fill_demo_sales(ctx)
    invoices = admin.get("/api/v1/invoices", params={"limit": 100}).json()["items"]
    owed: dict[str, int] = defaultdict(int)
    billed: dict[str, int] = defaultdict(int)
    for i in invoices:
        if i["status"] in ("sent", "overdue", "paid"):
            owed[i["currency"]] += i["balance_due"]
            billed[i["currency"]] += i["subtotal"]
    trial = report(admin, "trial-balance")
    assert len(trial["currencies"]) >= 3  # the demo's invoices are in several currencies
    for part in trial["currencies"]:
        assert part["difference"] == 0, part
        rows = {r["code"].split("-")[0]: r for r in part["rows"]}
        currency = part["currency"]
        receivable = rows.get("1200")
        assert (receivable["debit"] - receivable["credit"] if receivable else 0) == owed[currency]
        revenue = rows.get("4000")
        if currency != "USD":  # USD revenue: the invoices only (the demo's entries have none)
            assert (revenue["credit"] if revenue else 0) == billed[currency]
    sheet = report(admin, "balance-sheet")
    assert all(c["balanced"] for c in sheet["currencies"])
