"""Transactions: posted balanced, never changed, corrected by a reversing transaction.

Every posting comes through :func:`post_entry`: manual entries (REST, a replica's
pushed journal entry, the console), the automatic postings of invoices and
payments (``postings.py``) and reversals. It checks the entry with
``common.ledger.check_entry`` (the rules the desktop's journal form shows), then
writes the lines and, last, the header: the database checks the lines again
when the header is inserted (see ``models.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, attributes, selectinload

from common.ids import new_id
from common.ledger import (
    NUMBER_PREFIX,
    EntryAccount,
    LineInput,
    ReverseTransaction,
    Source,
    TransactionCreate,
    TransactionUpdate,
    check_entry,
    format_number,
)
from server.auth.principal import Principal
from server.errors import Conflict, NotFound, ValidationFailed
from server.kit.numbering import next_number
from server.ledger.accounts import by_refs
from server.ledger.models import Account, Transaction, TransactionLine
from server.listing import substring_filter
from server.unit_of_work import note

LOAD = selectinload(Transaction.lines).joinedload(TransactionLine.account)
SORTS = {
    "date": Transaction.entry_date,
    "number": Transaction.number,
    "created_at": Transaction.created_at,
}


def today() -> date:
    return datetime.now(UTC).date()


def search_filter(session: Session, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring of the number, the description or the reference."""
    return substring_filter(
        session, (Transaction.number, Transaction.description, Transaction.reference), text
    )


def account_filter(value: str) -> sa.ColumnElement[bool]:
    """Transactions with a line on the account this id or code names."""
    named = sa.select(Account.id).where(sa.or_(Account.id == value, Account.code == value))
    return Transaction.lines.any(TransactionLine.account_id.in_(named.scalar_subquery()))


@dataclass(frozen=True)
class Posting:
    """One line of an entry, its account resolved."""

    account: Account
    debit: int = 0
    credit: int = 0
    description: str | None = None


def refuse_unless_valid(
    postings: Sequence[Posting], currency: str | None, *, conflict: bool = False
) -> str:
    """The entry's currency; 422 (or 409 for the server's own postings) naming what is wrong."""
    lines = [
        LineInput.model_construct(
            account_id=p.account.id,
            debit=p.debit or None,
            credit=p.credit or None,
            description=p.description,
        )
        for p in postings
    ]
    accounts = {
        p.account.id: EntryAccount(p.account.code, p.account.currency, p.account.active)
        for p in postings
    }
    found, details = check_entry(lines, accounts, currency)
    if details:
        if conflict:
            raise Conflict(
                "The ledger refuses this posting: " + "; ".join(details.values()), details=details
            )
        raise ValidationFailed(details, message="The transaction cannot be posted")
    assert found is not None
    return found


def post_entry(
    session: Session,
    postings: Sequence[Posting],
    *,
    currency: str | None = None,
    entry_date: date | None = None,
    description: str | None = None,
    reference: str | None = None,
    source: Source = "manual",
    source_id: str | None = None,
    reverses_id: str | None = None,
    id: str | None = None,
    conflict: bool = False,
) -> Transaction:
    """Check and write one balanced transaction: its lines first, its header last."""
    currency = refuse_unless_valid(postings, currency, conflict=conflict)
    day = entry_date or today()
    tx_id = id or new_id()
    rows = [
        TransactionLine(
            id=new_id(),
            transaction_id=tx_id,
            position=i,
            account_id=p.account.id,
            debit=p.debit,
            credit=p.credit,
            description=p.description,
        )
        for i, p in enumerate(postings)
    ]
    session.add_all(rows)
    session.flush()  # the lines first: inserting the header checks them (deferred foreign key)
    tx = Transaction(
        id=tx_id,
        number=format_number(day.year, next_number(session, NUMBER_PREFIX, day.year)),
        entry_date=day,
        description=description,
        reference=reference,
        currency=currency,
        total=sum(p.debit for p in postings),
        source=source,
        source_id=source_id,
        reverses_id=reverses_id,
    )
    session.add(tx)
    session.flush()
    attributes.set_committed_value(tx, "lines", rows)
    for row, p in zip(rows, postings, strict=True):
        attributes.set_committed_value(row, "account", p.account)
        attributes.set_committed_value(row, "transaction", tx)
    return tx


def get(*, session: Session, actor: Principal | None, id: str) -> Transaction:  # noqa: ARG001
    tx = session.get(Transaction, id, options=[LOAD])
    if tx is None:
        raise NotFound("Transaction not found")
    return tx


def create(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    data: TransactionCreate,
    id: str | None = None,
) -> Transaction:
    """Post a manual entry (REST ``POST /transactions`` or a replica's pushed journal entry)."""
    accounts = by_refs(session, (line.account_id for line in data.lines))
    found = {
        line.account_id: EntryAccount(a.code, a.currency, a.active)
        for line in data.lines
        if (a := accounts.get(line.account_id)) is not None
    }
    _, details = check_entry(data.lines, found, data.currency)
    if details:
        raise ValidationFailed(details, message="The transaction cannot be posted")
    postings = [
        Posting(accounts[line.account_id], line.debit or 0, line.credit or 0, line.description)
        for line in data.lines
    ]
    return post_entry(
        session,
        postings,
        currency=data.currency,
        entry_date=data.date,
        description=data.description,
        reference=data.reference,
        id=id,
    )


def update(
    *,
    session: Session,
    actor: Principal | None,
    id: str,
    data: TransactionUpdate,  # noqa: ARG001 - the one signature of every module
) -> Transaction:
    """Never: a posted transaction is immutable (reverse it and post the right one)."""
    tx = get(session=session, actor=actor, id=id)
    raise Conflict(
        f"Transaction {tx.number} is posted and cannot change; reverse it instead",
        details={"id": "Posted transactions are immutable"},
    )


def delete(*, session: Session, actor: Principal | None, id: str) -> None:
    tx = get(session=session, actor=actor, id=id)
    raise Conflict(
        f"Transaction {tx.number} is posted and cannot be deleted; reverse it instead",
        details={"id": "Posted transactions are immutable"},
    )


def reversal_of(session: Session, id: str) -> Transaction | None:
    """The transaction that reverses ``id``, if any."""
    return session.scalar(sa.select(Transaction).where(Transaction.reverses_id == id))


def reverse(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every command
    id: str,
    args: ReverseTransaction,
) -> Transaction:
    """``POST /transactions/:id/reverse``: the opposite entry (debits and credits swapped), once."""
    original = session.get(Transaction, id, options=[LOAD], populate_existing=True)
    if original is None:
        raise NotFound("Transaction not found")
    done = reversal_of(session, original.id)
    if done is not None:
        raise Conflict(
            f"Transaction {original.number} is already reversed by {done.number}",
            details={"reversed_by_id": done.id},
        )
    postings = [
        Posting(line.account, debit=line.credit, credit=line.debit, description=line.description)
        for line in original.lines
    ]
    reversal = post_entry(
        session,
        postings,
        currency=original.currency,
        entry_date=args.date,
        description=args.description or f"Reversal of {original.number}",
        reference=original.reference,
        source="reversal",
        source_id=original.source_id,
        reverses_id=original.id,
        conflict=True,
    )
    # Replicas learn of the reversal on the original's row too (its reversed_by_id).
    note(session, original, action="reverse", fields={"reversed_by_id": (None, reversal.id)})
    return reversal
