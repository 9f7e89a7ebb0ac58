"""Automatic postings: an invoice sent, a payment received, a sent invoice cancelled.

Called by the invoices' service inside the same unit of work, so an invoice, its
posting and their change-log entries commit together or not at all. A refusal
(an inactive posting account) is a 409 that rolls the invoice's change back too.

The accounts are settings (``posting_accounts``: a role -> an account); a role
with no setting uses the starter chart's account of that code
(``common.ledger.DEFAULT_POSTING_CODES``), created from the starter chart if
the chart has not been loaded. A document in another currency than that account
posts to its sub-account in the document's currency (``1200-EUR``, created when
first needed), since a transaction's accounts are all in its currency.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.ledger import (
    DEFAULT_POSTING_CODES,
    STARTER_CHART,
    AccountCreate,
    PostingRole,
    ReverseTransaction,
    chart_account,
    foreign_code,
)
from server.invoices.models import Invoice, Payment
from server.ledger.accounts import ACCOUNTS
from server.ledger.models import Account, PostingAccount, Transaction
from server.ledger.transactions import Posting, post_entry, reversal_of, reverse


def _by_code(session: Session, code: str) -> Account | None:
    return session.scalar(sa.select(Account).where(Account.code == code))


def _from_chart(session: Session, code: str, currency: str) -> Account:
    """The starter chart's account ``code`` (and its parent), created in ``currency`` if missing."""
    found = _by_code(session, code)
    if found is not None:
        return found
    entry = chart_account(code)
    parent = _from_chart(session, entry.parent, currency) if entry.parent else None
    return ACCOUNTS.create(
        session=session,
        actor=None,
        data=AccountCreate(
            code=entry.code,
            name=entry.name,
            type=entry.type,
            parent_id=parent.id if parent is not None and parent.type == entry.type else None,
            currency=currency,
        ),
    )


def load_starter_chart(session: Session, currency: str) -> int:
    """Create the starter chart's accounts that are missing (by code); returns how many."""
    made = 0
    for entry in STARTER_CHART:
        if _by_code(session, entry.code) is None:
            _from_chart(session, entry.code, currency)
            made += 1
    return made


def posting_account(session: Session, role: PostingRole, currency: str) -> Account:
    """The account a posting of ``role`` in ``currency`` uses (see the module's docstring)."""
    setting = session.get(PostingAccount, role)
    base = session.get(Account, setting.account_id) if setting is not None else None
    if base is None:
        base = _from_chart(session, DEFAULT_POSTING_CODES[role], currency)
    if base.currency == currency:
        return base
    code = foreign_code(base.code, currency)
    sub = _by_code(session, code) or session.scalar(
        sa.select(Account)
        .where(Account.parent_id == base.id, Account.currency == currency, Account.active)
        .order_by(Account.code)
        .limit(1)
    )
    if sub is not None:
        return sub
    return ACCOUNTS.create(
        session=session,
        actor=None,
        data=AccountCreate(
            code=code,
            name=f"{base.name} ({currency})",
            type=base.type,
            parent_id=base.id,
            currency=currency,
        ),
    )


def invoice_sent(session: Session, invoice: Invoice) -> Transaction | None:
    """Debit receivables with the total; credit revenue (subtotal) and tax payable (tax)."""
    if invoice.total == 0:
        return None  # nothing to book: a free invoice
    cur = invoice.currency
    postings = [Posting(posting_account(session, "receivable", cur), debit=invoice.total)]
    if invoice.subtotal:
        postings.append(Posting(posting_account(session, "revenue", cur), credit=invoice.subtotal))
    if invoice.tax_total:
        postings.append(
            Posting(posting_account(session, "tax_payable", cur), credit=invoice.tax_total)
        )
    return post_entry(
        session,
        postings,
        currency=cur,
        description=f"Invoice {invoice.number} sent to {invoice.customer.name}",
        reference=invoice.number,
        source="invoice",
        source_id=invoice.id,
        conflict=True,
    )


def payment_received(session: Session, invoice: Invoice, payment: Payment) -> Transaction:
    """Debit cash (a cash payment) or the bank (any other method); credit receivables."""
    cur = invoice.currency
    into = posting_account(session, "cash" if payment.method == "cash" else "bank", cur)
    receivable = posting_account(session, "receivable", cur)
    return post_entry(
        session,
        [Posting(into, debit=payment.amount), Posting(receivable, credit=payment.amount)],
        currency=cur,
        entry_date=payment.paid_on,
        description=f"Payment of invoice {invoice.number} ({payment.method})",
        reference=payment.reference or invoice.number,
        source="payment",
        source_id=invoice.id,
        conflict=True,
    )


def invoice_cancelled(session: Session, invoice: Invoice) -> Transaction | None:
    """Reverse the invoice's posting (a draft had none)."""
    posted = session.scalar(
        sa.select(Transaction.id).where(
            Transaction.source == "invoice", Transaction.source_id == invoice.id
        )
    )
    if posted is None or reversal_of(session, posted) is not None:
        return None
    return reverse(
        session=session,
        actor=None,
        id=posted,
        args=ReverseTransaction(description=f"Invoice {invoice.number} cancelled"),
    )
