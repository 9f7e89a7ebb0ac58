"""``crm-server demo``'s ledger: the starter chart and a few everyday entries, through the services.

The demo's invoices and payments (``server/invoices/demo.py``) then post to it
automatically, as sending and paying do.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from common.ledger import LineInput, TransactionCreate
from server.context import AppContext
from server.ledger import postings, transactions

CURRENCY = "USD"
# (days ago, description, debit code, credit code, cents)
ENTRIES = (
    (90, "Owner's capital paid in", "1020", "3010", 5_000_000),
    (60, "Office rent", "5100", "1020", 180_000),
    (45, "Office supplies", "5300", "1010", 12_550),
    (30, "Office rent", "5100", "1020", 180_000),
    (20, "Salaries", "5200", "1020", 950_000),
    (10, "Bank fees", "5900", "1020", 2_500),
    (5, "Cash withdrawn for the till", "1010", "1020", 50_000),
)


def load_chart(session: Session, currency: str = CURRENCY) -> int:
    """The starter chart (the accounts missing by code); how many were added."""
    return postings.load_starter_chart(session, currency)


def fill_demo_ledger(ctx: AppContext) -> dict[str, int]:
    """The starter chart in USD and a few months of rent, salaries and such."""
    made = {"accounts": 0, "transactions": 0}
    with ctx.unit_of_work() as session:
        made["accounts"] = load_chart(session)
        today = transactions.today()
        for days, text, debit, credit, cents in ENTRIES:
            transactions.create(
                session=session,
                actor=None,
                data=TransactionCreate(
                    description=text,
                    date=today - timedelta(days=days),
                    lines=[
                        LineInput(account_id=debit, debit=cents),
                        LineInput(account_id=credit, credit=cents),
                    ],
                ),
            )
            made["transactions"] += 1
    return made
