"""The ledger's numbers from the replica, offline: balances and the accountant's reports; no Qt.

The rows come from the replica by SQL (SQLite's JSON functions over the pulled
records) and go to the pure functions of ``common.ledger_reports`` the server's
``/api/v1/reports/...`` run too, so the desktop shows the server's numbers for
the data it has pulled. Only posted entries count (a journal entry drafted here
counts once the server has posted it and it is pulled back); an invoice counts
once the server has sent it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from common import ledger_reports as reports
from common.ledger import ACCOUNT_TYPES, AccountType, signed_balance
from desktop.core.replica import Replica

_POSTINGS = """
SELECT t.id, json_extract(t.local_data, '$.number'), json_extract(t.local_data, '$.date'),
    coalesce(json_extract(l.value, '$.description'), json_extract(t.local_data, '$.description')),
    json_extract(l.value, '$.account_id'),
    coalesce(json_extract(l.value, '$.debit'), 0), coalesce(json_extract(l.value, '$.credit'), 0)
FROM records AS t, json_each(t.local_data, '$.lines') AS l
WHERE t.entity = 'transaction' AND t.local_data IS NOT NULL
    AND json_extract(t.local_data, '$.number') IS NOT NULL
"""
_ACCOUNTS = """
SELECT id, json_extract(local_data, '$.code'), json_extract(local_data, '$.name'),
    json_extract(local_data, '$.type'), json_extract(local_data, '$.currency'),
    json_extract(local_data, '$.parent_id'), coalesce(json_extract(local_data, '$.active'), 1)
FROM records WHERE entity = 'account' AND local_data IS NOT NULL
"""
_INVOICES = """
SELECT i.id, json_extract(i.local_data, '$.number'), json_extract(i.local_data, '$.customer_id'),
    coalesce(json_extract(i.local_data, '$.customer_name'),
             (SELECT json_extract(c.local_data, '$.name') FROM records AS c
              WHERE c.entity = 'customer' AND c.id = json_extract(i.local_data, '$.customer_id')),
             ''),
    json_extract(i.local_data, '$.currency'), coalesce(json_extract(i.local_data, '$.total'), 0),
    substr(json_extract(i.local_data, '$.sent_at'), 1, 10),
    json_extract(i.local_data, '$.issue_date'), json_extract(i.local_data, '$.due_date'),
    substr(json_extract(i.local_data, '$.cancelled_at'), 1, 10)
FROM records AS i
WHERE i.entity = 'invoice' AND i.local_data IS NOT NULL
    AND json_extract(i.local_data, '$.sent_at') IS NOT NULL
    AND coalesce(json_extract(i.local_data, '$.status'), 'draft') != 'draft'
"""
_PAYMENTS = """
SELECT i.id, json_extract(p.value, '$.amount'), json_extract(p.value, '$.paid_on')
FROM records AS i, json_each(i.local_data, '$.payments') AS p
WHERE i.entity = 'invoice' AND i.local_data IS NOT NULL
"""


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


class Account:
    """An account of the chart as the tree shows it."""

    __slots__ = ("active", "code", "currency", "id", "name", "parent_id", "type")

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.id: str = row[0]
        self.code: str = str(row[1] or "")
        self.name: str = str(row[2] or "")
        self.type: AccountType = next((t for t in ACCOUNT_TYPES if t == row[3]), "asset")
        self.currency: str = str(row[4] or "")
        self.parent_id: str | None = row[5] or None
        self.active: bool = bool(row[6])

    @property
    def row(self) -> reports.AccountRow:
        return reports.AccountRow(self.id, self.code, self.name, self.type, self.currency)


class Book:
    """Read-only ledger queries on their own connection to the replica file."""

    def __init__(self, replica: Replica | str | Path) -> None:
        path = replica.path if isinstance(replica, Replica) else Path(replica)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # ------------------------------------------------------------ inputs

    def accounts(self, currency: str | None = None) -> list[Account]:
        """The chart, by code (one currency's accounts, or every account)."""
        found = [Account(r) for r in self._rows(_ACCOUNTS)]
        return sorted(
            (a for a in found if currency is None or a.currency == currency), key=lambda a: a.code
        )

    def currencies(self) -> list[str]:
        """The currencies of the chart (the reports' choice), sorted."""
        return sorted({a.currency for a in self.accounts() if a.currency})

    def postings(
        self, account_id: str | None = None, end: dt.date | None = None
    ) -> list[reports.PostingRow]:
        """Every posted line (of one account), up to ``end`` (inclusive)."""
        sql, params = _POSTINGS, tuple[str, ...]()
        if account_id is not None:
            sql += " AND json_extract(l.value, '$.account_id') = ?"
            params = (account_id,)
        out = []
        for tid, number, day, text, account, debit, credit in self._rows(sql, params):
            date = _day(day)
            if date is None or (end is not None and date > end):
                continue
            out.append(
                reports.PostingRow(tid, str(number), date, text, account, int(debit), int(credit))
            )
        return out

    def ageing_rows(
        self, currency: str | None = None
    ) -> tuple[list[reports.InvoiceRow], list[reports.PaymentRow]]:
        invoices = []
        for row in self._rows(_INVOICES):
            iid, number, customer_id, name, cur, total, sent, issued, due, cancelled = row
            sent_on = _day(sent) or _day(issued)
            if sent_on is None or (currency is not None and cur != currency):
                continue
            invoices.append(
                reports.InvoiceRow(
                    id=iid,
                    number=str(number or ""),
                    customer_id=str(customer_id or ""),
                    customer_name=str(name or ""),
                    currency=str(cur or ""),
                    total=int(total),
                    sent_on=sent_on,
                    due_date=_day(due),
                    cancelled_on=_day(cancelled),
                )
            )
        payments = [
            reports.PaymentRow(iid, int(amount or 0), paid_on)
            for iid, amount, day in self._rows(_PAYMENTS)
            if (paid_on := _day(day)) is not None
        ]
        return invoices, payments

    # ------------------------------------------------------------ balances and reports

    def balances(self) -> dict[str, int]:
        """Each account's own balance today and after, on its normal side (cents)."""
        kinds = {a.id: a.type for a in self.accounts()}
        sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for p in self.postings():
            pair = sums[p.account_id]
            pair[0] += p.debit
            pair[1] += p.credit
        return {k: signed_balance(kinds[k], d, c) for k, (d, c) in sums.items() if k in kinds}

    def trial_balance(self, at: dt.date, currency: str | None = None) -> reports.TrialBalance:
        rows = [a.row for a in self.accounts(currency)]
        return reports.trial_balance(rows, self.postings(end=at), at)

    def general_ledger(
        self, account_id: str, from_date: dt.date | None, to_date: dt.date | None
    ) -> reports.GeneralLedger | None:
        account = next((a for a in self.accounts() if a.id == account_id), None)
        if account is None:
            return None
        postings = self.postings(account_id, end=to_date)
        return reports.general_ledger(account.row, postings, from_date, to_date)

    def profit_and_loss(
        self, from_date: dt.date | None, to_date: dt.date | None, currency: str | None = None
    ) -> reports.ProfitAndLoss:
        rows = [a.row for a in self.accounts(currency)]
        return reports.profit_and_loss(rows, self.postings(end=to_date), from_date, to_date)

    def balance_sheet(self, at: dt.date, currency: str | None = None) -> reports.BalanceSheet:
        rows = [a.row for a in self.accounts(currency)]
        return reports.balance_sheet(rows, self.postings(end=at), at)

    def receivables_ageing(
        self, at: dt.date, currency: str | None = None
    ) -> reports.ReceivablesAgeing:
        invoices, payments = self.ageing_rows(currency)
        return reports.receivables_ageing(invoices, payments, at)


def rolled_up(accounts: list[Account], own: dict[str, int]) -> dict[str, int]:
    """Each account's balance with its sub-accounts' in its currency (the tree's parents show
    their total; a per-currency sub-account, 1200-EUR under 1200, is never added to it)."""
    currency = {a.id: a.currency for a in accounts}
    children: dict[str | None, list[str]] = defaultdict(list)
    for a in accounts:
        if a.parent_id is None or currency.get(a.parent_id) == a.currency:
            children[a.parent_id].append(a.id)
    out: dict[str, int] = {}

    def total(account_id: str, path: frozenset[str]) -> int:
        if account_id in out:
            return out[account_id]
        value = own.get(account_id, 0) + sum(
            total(c, path | {c}) for c in children.get(account_id, []) if c not in path
        )
        out[account_id] = value
        return value

    for a in accounts:
        total(a.id, frozenset({a.id}))
    return out
