"""Accounts and transactions as REST and replicas read them."""

from __future__ import annotations

from common.ledger import AccountRead, AccountType, LineRead, Source, TransactionRead
from server.ledger.models import Account, Transaction


def account_read(a: Account) -> AccountRead:
    kind: AccountType = a.type  # type: ignore[assignment]  # the CHECK constraint keeps it one
    return AccountRead(
        id=a.id,
        code=a.code,
        name=a.name,
        type=kind,
        parent_id=a.parent_id,
        currency=a.currency,
        description=a.description,
        active=a.active,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


def transaction_read(t: Transaction) -> TransactionRead:
    source: Source = t.source  # type: ignore[assignment]  # the CHECK constraint keeps it one
    return TransactionRead(
        id=t.id,
        number=t.number,
        date=t.entry_date,
        description=t.description,
        reference=t.reference,
        currency=t.currency,
        total=t.total,
        source=source,
        source_id=t.source_id,
        reverses_id=t.reverses_id,
        reversed_by_id=t.reversed_by_id,  # type: ignore[attr-defined]  # a column_property
        lines=[
            LineRead(
                id=line.id,
                position=line.position,
                account_id=line.account_id,
                account_code=line.account.code,
                account_name=line.account.name,
                debit=line.debit,
                credit=line.credit,
                description=line.description,
            )
            for line in t.lines
        ],
        created_at=t.created_at,
    )
