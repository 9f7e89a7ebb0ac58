"""The accountant's first reports, as pure functions over rows: the server and the desktop agree.

The server feeds them rows from its database (``/api/v1/reports/...``); the desktop
feeds them the same rows from its replica, offline, and shows the same numbers.
Money is integer cents; amounts in different currencies are never added: every
report is per currency (accounts carry one; a transaction's accounts share it).

- :func:`trial_balance` at a date: every account's debit or credit balance; the
  debits' total equals the credits' (``difference`` 0) whenever the ledger is sound;
- :func:`general_ledger` of one account for a period: opening balance, the lines
  with a running balance, closing balance (on the account's normal side);
- :func:`profit_and_loss` for a period: revenue, expenses, net income, and by month;
- :func:`balance_sheet` at a date: assets = liabilities + equity + current result
  (revenue - expenses to date: no closing entries yet);
- :func:`receivables_ageing` at a date: each customer's unpaid invoices by days past
  due (0-30, 31-60, 61-90, 90+; not yet due counts as 0-30).

Each report's CSV export is in ``common.ledger_csv``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from common.ledger import AccountType, signed_balance

# ---------------------------------------------------------------- input rows


@dataclass(frozen=True)
class AccountRow:
    id: str
    code: str
    name: str
    type: AccountType
    currency: str


@dataclass(frozen=True)
class PostingRow:
    """One transaction line with what the reports need of its transaction."""

    transaction_id: str
    number: str
    date: dt.date
    description: str | None
    account_id: str
    debit: int
    credit: int


@dataclass(frozen=True)
class InvoiceRow:
    """An issued invoice as the ageing reads it (drafts are not receivables)."""

    id: str
    number: str
    customer_id: str
    customer_name: str
    currency: str
    total: int
    sent_on: dt.date
    due_date: dt.date | None
    cancelled_on: dt.date | None


@dataclass(frozen=True)
class PaymentRow:
    invoice_id: str
    amount: int
    paid_on: dt.date


# ---------------------------------------------------------------- results


class AccountAmount(BaseModel):
    account_id: str
    code: str
    name: str
    type: AccountType
    amount: int = Field(description="Cents, on the account's normal side")


class TrialBalanceRow(BaseModel):
    account_id: str
    code: str
    name: str
    type: AccountType
    debit: int = Field(description="Cents: the balance when it is a debit balance, else 0")
    credit: int = Field(description="Cents: the balance when it is a credit balance, else 0")


class TrialBalanceCurrency(BaseModel):
    currency: str
    rows: list[TrialBalanceRow]
    total_debit: int
    total_credit: int
    difference: int = Field(description="total_debit - total_credit: 0 when the ledger balances")


class TrialBalance(BaseModel):
    at: dt.date
    currencies: list[TrialBalanceCurrency]


class LedgerLine(BaseModel):
    transaction_id: str
    number: str
    date: dt.date
    description: str | None
    debit: int
    credit: int
    balance: int = Field(description="Running balance after this line, on the normal side")


class GeneralLedger(BaseModel):
    account_id: str
    code: str
    name: str
    type: AccountType
    currency: str
    from_date: dt.date | None
    to_date: dt.date | None
    opening_balance: int
    lines: list[LedgerLine]
    total_debit: int
    total_credit: int
    closing_balance: int


class MonthResult(BaseModel):
    month: str = Field(description="YYYY-MM")
    revenue: int
    expenses: int
    net_income: int


class ProfitAndLossCurrency(BaseModel):
    currency: str
    revenue: list[AccountAmount]
    expenses: list[AccountAmount]
    total_revenue: int
    total_expenses: int
    net_income: int
    months: list[MonthResult] = Field(description="The same, month by month (for a chart)")


class ProfitAndLoss(BaseModel):
    from_date: dt.date | None
    to_date: dt.date | None
    currencies: list[ProfitAndLossCurrency]


class BalanceSheetCurrency(BaseModel):
    currency: str
    assets: list[AccountAmount]
    liabilities: list[AccountAmount]
    equity: list[AccountAmount]
    total_assets: int
    total_liabilities: int
    total_equity: int
    current_result: int = Field(description="Revenue - expenses to the date (not yet closed)")
    total_liabilities_and_equity: int = Field(description="liabilities + equity + current result")
    balanced: bool = Field(description="total_assets == total_liabilities_and_equity")


class BalanceSheet(BaseModel):
    at: dt.date
    currencies: list[BalanceSheetCurrency]


BUCKETS: tuple[str, ...] = ("0-30", "31-60", "61-90", "90+")


class AgeingRow(BaseModel):
    customer_id: str
    customer_name: str
    days_0_30: int
    days_31_60: int
    days_61_90: int
    days_90_plus: int
    total: int


class AgeingCurrency(BaseModel):
    currency: str
    customers: list[AgeingRow]
    totals: AgeingRow = Field(description="Every customer together (customer_id empty)")


class ReceivablesAgeing(BaseModel):
    at: dt.date
    currencies: list[AgeingCurrency]


# ---------------------------------------------------------------- the arithmetic


def _sums(
    postings: Iterable[PostingRow], keep: Iterable[str] | None = None
) -> dict[str, tuple[int, int]]:
    """(debits, credits) per account."""
    wanted = set(keep) if keep is not None else None
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p in postings:
        if wanted is None or p.account_id in wanted:
            pair = out[p.account_id]
            pair[0] += p.debit
            pair[1] += p.credit
    return {k: (v[0], v[1]) for k, v in out.items()}


def _within(p: PostingRow, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or p.date >= start) and (end is None or p.date <= end)


def _by_currency(accounts: Iterable[AccountRow]) -> dict[str, list[AccountRow]]:
    out: dict[str, list[AccountRow]] = defaultdict(list)
    for a in sorted(accounts, key=lambda a: a.code):
        out[a.currency].append(a)
    return dict(sorted(out.items()))


def trial_balance(
    accounts: Iterable[AccountRow], postings: Iterable[PostingRow], at: dt.date
) -> TrialBalance:
    """Each account's balance at ``at`` (inclusive), as a debit or a credit, per currency."""
    sums = _sums(p for p in postings if p.date <= at)
    out: list[TrialBalanceCurrency] = []
    for currency, group in _by_currency(accounts).items():
        rows: list[TrialBalanceRow] = []
        for a in group:
            debit, credit = sums.get(a.id, (0, 0))
            if debit == credit:  # no balance (no postings, or they cancel out)
                continue
            net = debit - credit
            rows.append(
                TrialBalanceRow(
                    account_id=a.id,
                    code=a.code,
                    name=a.name,
                    type=a.type,
                    debit=max(net, 0),
                    credit=max(-net, 0),
                )
            )
        if not rows:
            continue
        td, tc = sum(r.debit for r in rows), sum(r.credit for r in rows)
        out.append(
            TrialBalanceCurrency(
                currency=currency, rows=rows, total_debit=td, total_credit=tc, difference=td - tc
            )
        )
    return TrialBalance(at=at, currencies=out)


def general_ledger(
    account: AccountRow,
    postings: Iterable[PostingRow],
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
) -> GeneralLedger:
    """The account's lines in the period, with its opening, running and closing balances."""
    mine = sorted(
        (p for p in postings if p.account_id == account.id),
        key=lambda p: (p.date, p.number, p.transaction_id),
    )
    opening = sum(
        signed_balance(account.type, p.debit, p.credit)
        for p in mine
        if from_date is not None and p.date < from_date
    )
    balance = opening
    lines: list[LedgerLine] = []
    for p in mine:
        if not _within(p, from_date, to_date):
            continue
        balance += signed_balance(account.type, p.debit, p.credit)
        lines.append(
            LedgerLine(
                transaction_id=p.transaction_id,
                number=p.number,
                date=p.date,
                description=p.description,
                debit=p.debit,
                credit=p.credit,
                balance=balance,
            )
        )
    return GeneralLedger(
        account_id=account.id,
        code=account.code,
        name=account.name,
        type=account.type,
        currency=account.currency,
        from_date=from_date,
        to_date=to_date,
        opening_balance=opening,
        lines=lines,
        total_debit=sum(line.debit for line in lines),
        total_credit=sum(line.credit for line in lines),
        closing_balance=balance,
    )


def _amounts(
    group: Sequence[AccountRow], sums: dict[str, tuple[int, int]], kind: AccountType
) -> list[AccountAmount]:
    out = []
    for a in group:
        if a.type != kind or a.id not in sums:
            continue
        debit, credit = sums[a.id]
        out.append(
            AccountAmount(
                account_id=a.id,
                code=a.code,
                name=a.name,
                type=a.type,
                amount=signed_balance(a.type, debit, credit),
            )
        )
    return out


def profit_and_loss(
    accounts: Iterable[AccountRow],
    postings: Iterable[PostingRow],
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
) -> ProfitAndLoss:
    """Revenue and expenses in the period (inclusive), net income, and the same by month."""
    inside = [p for p in postings if _within(p, from_date, to_date)]
    sums = _sums(inside)
    out: list[ProfitAndLossCurrency] = []
    for currency, group in _by_currency(accounts).items():
        revenue = _amounts(group, sums, "revenue")
        expenses = _amounts(group, sums, "expense")
        if not revenue and not expenses:
            continue
        kinds = {a.id: a.type for a in group if a.type in ("revenue", "expense")}
        months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for p in inside:
            kind = kinds.get(p.account_id)
            if kind is None:
                continue
            month = months[f"{p.date.year:04d}-{p.date.month:02d}"]
            month[0 if kind == "revenue" else 1] += signed_balance(kind, p.debit, p.credit)
        tr, te = sum(r.amount for r in revenue), sum(e.amount for e in expenses)
        out.append(
            ProfitAndLossCurrency(
                currency=currency,
                revenue=revenue,
                expenses=expenses,
                total_revenue=tr,
                total_expenses=te,
                net_income=tr - te,
                months=[
                    MonthResult(month=m, revenue=r, expenses=e, net_income=r - e)
                    for m, (r, e) in sorted(months.items())
                ],
            )
        )
    return ProfitAndLoss(from_date=from_date, to_date=to_date, currencies=out)


def balance_sheet(
    accounts: Iterable[AccountRow], postings: Iterable[PostingRow], at: dt.date
) -> BalanceSheet:
    """Assets, liabilities and equity at ``at``; the current result closes the gap."""
    sums = _sums(p for p in postings if p.date <= at)
    out: list[BalanceSheetCurrency] = []
    for currency, group in _by_currency(accounts).items():
        if not any(a.id in sums for a in group):
            continue
        assets = _amounts(group, sums, "asset")
        liabilities = _amounts(group, sums, "liability")
        equity = _amounts(group, sums, "equity")
        result = sum(r.amount for r in _amounts(group, sums, "revenue")) - sum(
            e.amount for e in _amounts(group, sums, "expense")
        )
        ta = sum(a.amount for a in assets)
        tl = sum(a.amount for a in liabilities)
        te = sum(a.amount for a in equity)
        out.append(
            BalanceSheetCurrency(
                currency=currency,
                assets=assets,
                liabilities=liabilities,
                equity=equity,
                total_assets=ta,
                total_liabilities=tl,
                total_equity=te,
                current_result=result,
                total_liabilities_and_equity=tl + te + result,
                balanced=ta == tl + te + result,
            )
        )
    return BalanceSheet(at=at, currencies=out)


def _bucket(days_past_due: int) -> int:
    if days_past_due <= 30:
        return 0
    if days_past_due <= 60:
        return 1
    if days_past_due <= 90:
        return 2
    return 3


def _ageing_row(customer_id: str, name: str, buckets: Sequence[int]) -> AgeingRow:
    return AgeingRow(
        customer_id=customer_id,
        customer_name=name,
        days_0_30=buckets[0],
        days_31_60=buckets[1],
        days_61_90=buckets[2],
        days_90_plus=buckets[3],
        total=sum(buckets),
    )


def receivables_ageing(
    invoices: Iterable[InvoiceRow], payments: Iterable[PaymentRow], at: dt.date
) -> ReceivablesAgeing:
    """What each customer owed at ``at``, by days past the due date (the issue date if none)."""
    paid: dict[str, int] = defaultdict(int)
    for p in payments:
        if p.paid_on <= at:
            paid[p.invoice_id] += p.amount
    per: dict[str, dict[tuple[str, str], list[int]]] = defaultdict(dict)
    for inv in invoices:
        if inv.sent_on > at or (inv.cancelled_on is not None and inv.cancelled_on <= at):
            continue
        due = inv.total - paid[inv.id]
        if due <= 0:
            continue
        age = (at - (inv.due_date or inv.sent_on)).days
        buckets = per[inv.currency].setdefault((inv.customer_name, inv.customer_id), [0, 0, 0, 0])
        buckets[_bucket(age)] += due
    out: list[AgeingCurrency] = []
    for currency, customers in sorted(per.items()):
        rows = [_ageing_row(cid, name, b) for (name, cid), b in sorted(customers.items())]
        totals = [sum(b[i] for b in customers.values()) for i in range(4)]
        out.append(
            AgeingCurrency(currency=currency, customers=rows, totals=_ageing_row("", "", totals))
        )
    return ReceivablesAgeing(at=at, currencies=out)
