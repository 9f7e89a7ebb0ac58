"""``/api/v1/reports/...``: the ledger's reports, computed by ``common.ledger_reports``.

The routes read rows from the database and hand them to the same pure functions
the desktop runs over its replica. Each answers JSON, or CSV with ``?format=csv``
(or ``Accept: text/csv``); ``currency`` keeps one currency's part. Permission
``accounting:read``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy.orm import Session

from common import ledger_csv
from common import ledger_reports as reports
from common.ledger import AccountType
from common.lines import check_currency
from common.rules import CURRENCY
from server.deps import Principal, Require, SessionDep
from server.errors import ValidationFailed
from server.invoices.models import Invoice, Payment
from server.ledger.accounts import by_refs
from server.ledger.models import Account, Transaction, TransactionLine
from server.openapi import errors

router = APIRouter(prefix="/api/v1/reports", tags=["Reports"])
Reader = Annotated[Principal, Require("accounting:read")]
Format = Literal["json", "csv"]
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


class AtQuery(BaseModel):
    at: dt.date | None = None
    currency: str | None = Field(default=None, json_schema_extra=CURRENCY)
    format: Format | None = None

    _currency = field_validator("currency")(check_currency)


class PeriodQuery(BaseModel):
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    currency: str | None = Field(default=None, json_schema_extra=CURRENCY)
    format: Format | None = None

    _currency = field_validator("currency")(check_currency)

    @model_validator(mode="after")
    def _range(self) -> PeriodQuery:
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise ValueError("from_date must not be after to_date")
        return self


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def account_rows(session: Session, currency: str | None = None) -> list[reports.AccountRow]:
    stmt = sa.select(Account)
    if currency is not None:
        stmt = stmt.where(Account.currency == currency)
    return [_account_row(a) for a in session.scalars(stmt)]


def _account_row(a: Account) -> reports.AccountRow:
    kind: AccountType = a.type  # type: ignore[assignment]  # the CHECK constraint keeps it one
    return reports.AccountRow(id=a.id, code=a.code, name=a.name, type=kind, currency=a.currency)


def daily_sums(
    session: Session, start: dt.date | None = None, end: dt.date | None = None
) -> list[reports.PostingRow]:
    """Postings summed per account and day: all the totals-only reports need."""
    stmt = (
        sa.select(
            TransactionLine.account_id,
            Transaction.entry_date,
            sa.func.sum(TransactionLine.debit),
            sa.func.sum(TransactionLine.credit),
        )
        .join(Transaction, Transaction.id == TransactionLine.transaction_id)
        .group_by(TransactionLine.account_id, Transaction.entry_date)
    )
    if start is not None:
        stmt = stmt.where(Transaction.entry_date >= start)
    if end is not None:
        stmt = stmt.where(Transaction.entry_date <= end)
    return [
        reports.PostingRow("", "", day, None, account_id, int(debit), int(credit))
        for account_id, day, debit, credit in session.execute(stmt)
    ]


def account_postings(
    session: Session, account_id: str, end: dt.date | None
) -> list[reports.PostingRow]:
    stmt = (
        sa.select(
            Transaction.id,
            Transaction.number,
            Transaction.entry_date,
            sa.func.coalesce(TransactionLine.description, Transaction.description),
            TransactionLine.debit,
            TransactionLine.credit,
        )
        .join(Transaction, Transaction.id == TransactionLine.transaction_id)
        .where(TransactionLine.account_id == account_id)
    )
    if end is not None:
        stmt = stmt.where(Transaction.entry_date <= end)
    return [
        reports.PostingRow(tid, number, day, text, account_id, debit, credit)
        for tid, number, day, text, debit, credit in session.execute(stmt)
    ]


def ageing_rows(
    session: Session, at: dt.date, currency: str | None
) -> tuple[list[reports.InvoiceRow], list[reports.PaymentRow]]:
    from server.customers.models import Customer

    stmt = (
        sa.select(Invoice, Customer.name)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.sent_at.is_not(None), Invoice.status != "draft")
    )
    if currency is not None:
        stmt = stmt.where(Invoice.currency == currency)
    invoices = [
        reports.InvoiceRow(
            id=i.id,
            number=i.number,
            customer_id=i.customer_id,
            customer_name=name,
            currency=i.currency,
            total=i.total,
            sent_on=i.sent_at.date() if i.sent_at else i.issue_date,
            due_date=i.due_date,
            cancelled_on=i.cancelled_at.date() if i.cancelled_at else None,
        )
        for i, name in session.execute(stmt)
    ]
    ids = [i.id for i in invoices]
    payments = (
        [
            reports.PaymentRow(invoice_id, amount, paid_on)
            for invoice_id, amount, paid_on in session.execute(
                sa.select(Payment.invoice_id, Payment.amount, Payment.paid_on).where(
                    Payment.invoice_id.in_(ids), Payment.paid_on <= at
                )
            )
        ]
        if ids
        else []
    )
    return invoices, payments


def _answer(
    request: Request,
    fmt: Format | None,
    report: BaseModel,
    to_csv: Callable[[Any], str],
    name: str,
) -> Any:
    wants_csv = fmt == "csv" or (
        fmt is None and "text/csv" in request.headers.get("accept", "").lower()
    )
    if not wants_csv:
        return report
    return Response(
        content=to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get(
    "/trial-balance",
    response_model=reports.TrialBalance,
    responses={**errors(401, 403, 422), **CSV_ANSWER},
    summary="Trial balance at a date (default today), per currency; CSV with ?format=csv",
)
def trial_balance(
    request: Request, q: Annotated[AtQuery, Query()], _: Reader, session: SessionDep
) -> Any:
    at = q.at or today()
    report = reports.trial_balance(
        account_rows(session, q.currency), daily_sums(session, end=at), at
    )
    return _answer(request, q.format, report, ledger_csv.trial_balance_csv, f"trial-balance-{at}")


class LedgerQuery(PeriodQuery):
    account_id: str


@router.get(
    "/general-ledger",
    response_model=reports.GeneralLedger,
    responses={**errors(401, 403, 404, 422), **CSV_ANSWER},
    summary="General ledger of one account (id or code) for a period: opening balance, lines "
    "with a running balance, closing balance; CSV with ?format=csv",
)
def general_ledger(
    request: Request, q: Annotated[LedgerQuery, Query()], _: Reader, session: SessionDep
) -> Any:
    account = by_refs(session, [q.account_id]).get(q.account_id)
    if account is None:
        raise ValidationFailed({"account_id": "No account with this id or code"})
    report = reports.general_ledger(
        _account_row(account),
        account_postings(session, account.id, q.to_date),
        q.from_date,
        q.to_date,
    )
    return _answer(
        request, q.format, report, ledger_csv.general_ledger_csv, f"general-ledger-{account.code}"
    )


@router.get(
    "/profit-and-loss",
    response_model=reports.ProfitAndLoss,
    responses={**errors(401, 403, 422), **CSV_ANSWER},
    summary="Profit and loss for a period (inclusive), per currency, with months; "
    "CSV with ?format=csv",
)
def profit_and_loss(
    request: Request, q: Annotated[PeriodQuery, Query()], _: Reader, session: SessionDep
) -> Any:
    report = reports.profit_and_loss(
        account_rows(session, q.currency),
        daily_sums(session, q.from_date, q.to_date),
        q.from_date,
        q.to_date,
    )
    return _answer(request, q.format, report, ledger_csv.profit_and_loss_csv, "profit-and-loss")


@router.get(
    "/balance-sheet",
    response_model=reports.BalanceSheet,
    responses={**errors(401, 403, 422), **CSV_ANSWER},
    summary="Balance sheet at a date (default today), per currency: assets = liabilities + "
    "equity + current result; CSV with ?format=csv",
)
def balance_sheet(
    request: Request, q: Annotated[AtQuery, Query()], _: Reader, session: SessionDep
) -> Any:
    at = q.at or today()
    report = reports.balance_sheet(
        account_rows(session, q.currency), daily_sums(session, end=at), at
    )
    return _answer(request, q.format, report, ledger_csv.balance_sheet_csv, f"balance-sheet-{at}")


@router.get(
    "/receivables-ageing",
    response_model=reports.ReceivablesAgeing,
    responses={**errors(401, 403, 422), **CSV_ANSWER},
    summary="What customers owe at a date, by days past due (0-30, 31-60, 61-90, 90+), "
    "per currency; CSV with ?format=csv",
)
def receivables_ageing(
    request: Request, q: Annotated[AtQuery, Query()], _: Reader, session: SessionDep
) -> Any:
    at = q.at or today()
    invoices, payments = ageing_rows(session, at, q.currency)
    report = reports.receivables_ageing(invoices, payments, at)
    return _answer(
        request, q.format, report, ledger_csv.receivables_ageing_csv, f"receivables-ageing-{at}"
    )
