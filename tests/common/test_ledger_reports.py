"""The report arithmetic of ``common.ledger_reports`` (pure: the server and desktop share it)."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from common import ledger_csv as c
from common import ledger_reports as r
from common.ledger import EntryAccount, LineInput, check_entry

CASH = r.AccountRow("a1", "1010", "Cash", "asset", "USD")
AR = r.AccountRow("a2", "1200", "Receivables", "asset", "USD")
REV = r.AccountRow("a3", "4000", "Revenue", "revenue", "USD")
RENT = r.AccountRow("a4", "5100", "Rent", "expense", "USD")
CAP = r.AccountRow("a5", "3010", "Capital", "equity", "USD")
EUR_BANK = r.AccountRow("e1", "1020-EUR", "Bank (EUR)", "asset", "EUR")
EUR_REV = r.AccountRow("e2", "4000-EUR", "Revenue (EUR)", "revenue", "EUR")
ACCOUNTS = [CASH, AR, REV, RENT, CAP, EUR_BANK, EUR_REV]


def _tx(n: int, day: date, *lines: tuple[r.AccountRow, int, int]) -> list[r.PostingRow]:
    return [r.PostingRow(f"t{n}", f"JE-{n}", day, f"entry {n}", a.id, d, c) for a, d, c in lines]


POSTINGS = [
    *_tx(1, date(2026, 1, 2), (CASH, 100000, 0), (CAP, 0, 100000)),
    *_tx(2, date(2026, 1, 15), (AR, 50000, 0), (REV, 0, 50000)),
    *_tx(3, date(2026, 2, 1), (RENT, 20000, 0), (CASH, 0, 20000)),
    *_tx(4, date(2026, 2, 10), (CASH, 30000, 0), (AR, 0, 30000)),
    *_tx(5, date(2026, 3, 5), (EUR_BANK, 7000, 0), (EUR_REV, 0, 7000)),
]


def test_trial_balance_is_per_currency_and_balances() -> None:
    tb = r.trial_balance(ACCOUNTS, POSTINGS, date(2026, 2, 28))
    assert [c.currency for c in tb.currencies] == ["USD"]  # the EUR entry is after the date
    usd = tb.currencies[0]
    assert {row.code: (row.debit, row.credit) for row in usd.rows} == {
        "1010": (110000, 0),
        "1200": (20000, 0),
        "3010": (0, 100000),
        "4000": (0, 50000),
        "5100": (20000, 0),
    }
    assert (usd.total_debit, usd.total_credit, usd.difference) == (150000, 150000, 0)
    later = r.trial_balance(ACCOUNTS, POSTINGS, date(2026, 12, 31))
    assert [(c.currency, c.total_debit) for c in later.currencies] == [
        ("EUR", 7000),
        ("USD", 150000),
    ]


def test_general_ledger_opening_running_and_closing_balances() -> None:
    gl = r.general_ledger(CASH, POSTINGS, date(2026, 2, 1), date(2026, 2, 28))
    assert gl.opening_balance == 100000
    assert [(x.number, x.debit, x.credit, x.balance) for x in gl.lines] == [
        ("JE-3", 0, 20000, 80000),
        ("JE-4", 30000, 0, 110000),
    ]
    assert (gl.total_debit, gl.total_credit, gl.closing_balance) == (30000, 20000, 110000)
    revenue = r.general_ledger(REV, POSTINGS)  # credit-normal: a credit raises it
    assert (revenue.opening_balance, revenue.closing_balance) == (0, 50000)


def test_profit_and_loss_by_period_and_month() -> None:
    pnl = r.profit_and_loss(ACCOUNTS, POSTINGS, date(2026, 1, 1), date(2026, 2, 28))
    (usd,) = pnl.currencies
    assert (usd.total_revenue, usd.total_expenses, usd.net_income) == (50000, 20000, 30000)
    assert [(m.month, m.revenue, m.expenses, m.net_income) for m in usd.months] == [
        ("2026-01", 50000, 0, 50000),
        ("2026-02", 0, 20000, -20000),
    ]
    only_feb = r.profit_and_loss(ACCOUNTS, POSTINGS, date(2026, 2, 1), date(2026, 2, 28))
    assert only_feb.currencies[0].net_income == -20000


def test_balance_sheet_assets_equal_liabilities_equity_and_result() -> None:
    bs = r.balance_sheet(ACCOUNTS, POSTINGS, date(2026, 12, 31))
    usd = next(c for c in bs.currencies if c.currency == "USD")
    assert (usd.total_assets, usd.total_liabilities, usd.total_equity) == (130000, 0, 100000)
    assert usd.current_result == 30000 and usd.total_liabilities_and_equity == 130000
    assert usd.balanced
    eur = next(c for c in bs.currencies if c.currency == "EUR")
    assert (eur.total_assets, eur.current_result, eur.balanced) == (7000, 7000, True)


def _invoice(n: int, customer: str, total: int, due: date | None, **kw: object) -> r.InvoiceRow:
    return r.InvoiceRow(
        id=f"i{n}",
        number=f"INV-{n}",
        customer_id=customer,
        customer_name=customer.title(),
        currency=str(kw.get("currency", "USD")),
        total=total,
        sent_on=date(2026, 1, 1),
        due_date=due,
        cancelled_on=kw.get("cancelled_on"),  # type: ignore[arg-type]
    )


def test_receivables_ageing_buckets_by_days_past_due() -> None:
    at = date(2026, 6, 30)
    invoices = [
        _invoice(1, "acme", 1000, date(2026, 7, 15)),  # not yet due: 0-30
        _invoice(2, "acme", 2000, date(2026, 5, 31)),  # 30 days: 0-30
        _invoice(3, "acme", 3000, date(2026, 5, 30)),  # 31 days
        _invoice(4, "bolt", 4000, date(2026, 4, 1)),  # 90 days
        _invoice(5, "bolt", 5000, date(2026, 3, 31)),  # 91 days
        _invoice(6, "bolt", 6000, None),  # no due date: from sending (180 days)
        _invoice(7, "bolt", 7000, date(2026, 5, 1), cancelled_on=date(2026, 6, 1)),
        _invoice(8, "cole", 800, date(2026, 6, 1), currency="EUR"),
    ]
    payments = [
        r.PaymentRow("i2", 500, date(2026, 6, 1)),
        r.PaymentRow("i3", 3000, date(2026, 7, 1)),
    ]
    ageing = r.receivables_ageing(invoices, payments, at)
    eur, usd = ageing.currencies
    assert (eur.currency, eur.totals.total) == ("EUR", 800)
    rows = {x.customer_id: x for x in usd.customers}
    acme, bolt = rows["acme"], rows["bolt"]
    # The payment after the date does not count yet.
    assert (acme.days_0_30, acme.days_31_60, acme.total) == (2500, 3000, 5500)
    assert (bolt.days_61_90, bolt.days_90_plus, bolt.total) == (4000, 11000, 15000)
    assert usd.totals.total == 20500


def test_csv_exports_in_major_units() -> None:
    tb = r.trial_balance(ACCOUNTS, POSTINGS, date(2026, 12, 31))
    rows = list(csv.reader(io.StringIO(c.trial_balance_csv(tb))))
    assert rows[0] == ["currency", "code", "account", "type", "debit", "credit"]
    assert ["USD", "1010", "Cash", "asset", "1100.00", "0.00"] in rows
    assert ["EUR", "", "Total", "", "70.00", "70.00"] in rows
    assert c.major_units(50000, "JPY") == "50000" and c.major_units(-5, "USD") == "-0.05"
    for text in (
        c.general_ledger_csv(r.general_ledger(CASH, POSTINGS)),
        c.profit_and_loss_csv(r.profit_and_loss(ACCOUNTS, POSTINGS)),
        c.balance_sheet_csv(r.balance_sheet(ACCOUNTS, POSTINGS, date(2026, 12, 31))),
        c.receivables_ageing_csv(r.receivables_ageing([], [], date(2026, 1, 1))),
    ):
        assert text.splitlines()[0] and all("," in line for line in text.splitlines())


amounts = st.integers(1, 10**12)


@given(
    st.lists(
        st.lists(st.tuples(st.sampled_from(ACCOUNTS[:5]), amounts), min_size=1, max_size=4),
        max_size=10,
    )
)
def test_balanced_entries_always_give_a_balanced_trial_balance_and_sheet(
    entries: list[list[tuple[r.AccountRow, int]]],
) -> None:
    postings: list[r.PostingRow] = []
    for n, debits in enumerate(entries):
        total = sum(a for _, a in debits)
        lines = [(acc, a, 0) for acc, a in debits] + [(CAP, 0, total)]
        assert not check_entry(
            [
                LineInput(account_id=acc.id, debit=d or None, credit=c or None)
                for acc, d, c in lines
            ],
            {a.id: EntryAccount(a.code, a.currency, True) for a in ACCOUNTS},
            None,
        )[1]
        postings += _tx(n, date(2026, 1, 1 + n), *lines)
    tb = r.trial_balance(ACCOUNTS, postings, date(2026, 12, 31))
    assert all(c.difference == 0 for c in tb.currencies)
    bs = r.balance_sheet(ACCOUNTS, postings, date(2026, 12, 31))
    assert all(c.balanced for c in bs.currencies)
