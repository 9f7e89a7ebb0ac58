"""The ledger reports as CSV: the server's ``?format=csv`` and the desktop's Export agree.

Amounts in the currency's major units ("500.00"; CLDR's minor units: none for JPY);
one row per account or customer, with each currency's totals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from babel.numbers import get_currency_precision

from common.ledger_reports import (
    BUCKETS,
    BalanceSheet,
    GeneralLedger,
    ProfitAndLoss,
    ReceivablesAgeing,
    TrialBalance,
)


def major_units(cents: int, currency: str) -> str:
    """Integer minor units as a plain decimal in major units: 50000 USD -> "500.00"."""
    places = get_currency_precision(currency)
    return f"{Decimal(cents).scaleb(-places):.{places}f}"


def _csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[("" if v is None else str(v)) for v in row] for row in rows])
    return buffer.getvalue()


def trial_balance_csv(report: TrialBalance) -> str:
    rows: list[list[object]] = [["currency", "code", "account", "type", "debit", "credit"]]
    for c in report.currencies:
        m = c.currency
        rows += [
            [m, r.code, r.name, r.type, major_units(r.debit, m), major_units(r.credit, m)]
            for r in c.rows
        ]
        rows.append(
            [m, "", "Total", "", major_units(c.total_debit, m), major_units(c.total_credit, m)]
        )
    return _csv(rows)


def general_ledger_csv(report: GeneralLedger) -> str:
    m = report.currency
    rows: list[list[object]] = [["date", "number", "description", "debit", "credit", "balance"]]
    rows.append(
        [report.from_date, "", "Opening balance", "", "", major_units(report.opening_balance, m)]
    )
    rows += [
        [
            line.date,
            line.number,
            line.description,
            major_units(line.debit, m) if line.debit else "",
            major_units(line.credit, m) if line.credit else "",
            major_units(line.balance, m),
        ]
        for line in report.lines
    ]
    rows.append(
        [
            report.to_date,
            "",
            "Closing balance",
            major_units(report.total_debit, m),
            major_units(report.total_credit, m),
            major_units(report.closing_balance, m),
        ]
    )
    return _csv(rows)


def profit_and_loss_csv(report: ProfitAndLoss) -> str:
    rows: list[list[object]] = [["currency", "section", "code", "account", "amount"]]
    for c in report.currencies:
        m = c.currency
        rows += [[m, "revenue", a.code, a.name, major_units(a.amount, m)] for a in c.revenue]
        rows.append([m, "revenue", "", "Total revenue", major_units(c.total_revenue, m)])
        rows += [[m, "expenses", a.code, a.name, major_units(a.amount, m)] for a in c.expenses]
        rows.append([m, "expenses", "", "Total expenses", major_units(c.total_expenses, m)])
        rows.append([m, "result", "", "Net income", major_units(c.net_income, m)])
    return _csv(rows)


def balance_sheet_csv(report: BalanceSheet) -> str:
    rows: list[list[object]] = [["currency", "section", "code", "account", "amount"]]
    for c in report.currencies:
        m = c.currency
        for section, items, total in (
            ("assets", c.assets, c.total_assets),
            ("liabilities", c.liabilities, c.total_liabilities),
            ("equity", c.equity, c.total_equity),
        ):
            rows += [[m, section, a.code, a.name, major_units(a.amount, m)] for a in items]
            rows.append([m, section, "", f"Total {section}", major_units(total, m)])
        rows.append([m, "equity", "", "Current result", major_units(c.current_result, m)])
        rows.append(
            [
                m,
                "total",
                "",
                "Liabilities, equity and current result",
                major_units(c.total_liabilities_and_equity, m),
            ]
        )
    return _csv(rows)


def receivables_ageing_csv(report: ReceivablesAgeing) -> str:
    rows: list[list[object]] = [["currency", "customer", *(f"{b} days" for b in BUCKETS), "total"]]
    for c in report.currencies:
        m = c.currency
        for r in [*c.customers, c.totals]:
            rows.append(
                [
                    m,
                    r.customer_name or "Total",
                    *(
                        major_units(v, m)
                        for v in (r.days_0_30, r.days_31_60, r.days_61_90, r.days_90_plus)
                    ),
                    major_units(r.total, m),
                ]
            )
    return _csv(rows)
