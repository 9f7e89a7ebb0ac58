"""The ledger (spec sections Accounts and Transactions): two kit modules, postings and reports.

Permissions ``accounting:read`` / ``accounting:write``. Accounts are a chart
(a tree by type) with an active flag; transactions are posted balanced and
never change (``reverse`` corrects one). ``postings.py`` books invoices and
payments; ``reports.py`` serves the reports ``common.ledger_reports`` computes.
"""

from __future__ import annotations

from common.kit import NoArgs
from common.ledger import (
    ACCOUNT_ENTITY,
    TRANSACTION_ENTITY,
    AccountCreate,
    AccountQuery,
    AccountRead,
    AccountUpdate,
    ReverseTransaction,
    TransactionCreate,
    TransactionQuery,
    TransactionRead,
    TransactionUpdate,
)
from server.kit import BASE_READ_ONLY, PAGE_LIMIT, Child, Command, ListSpec, Resource, SyncSpec
from server.ledger import transactions
from server.ledger.accounts import ACCOUNTS
from server.ledger.models import Account, Transaction, TransactionLine
from server.ledger.reads import account_read, transaction_read
from server.ledger.reports import router as reports_router
from server.ledger.settings import chart_router
from server.ledger.settings import router as settings_router

ACCOUNT = Resource[Account](
    entity=ACCOUNT_ENTITY,
    model=Account,
    path="/api/v1/accounts",
    permission="accounting",
    create=AccountCreate,
    update=AccountUpdate,
    read=account_read,
    read_schema=AccountRead,
    service=ACCOUNTS,
    listing=ListSpec(
        query=AccountQuery,
        sorts=ACCOUNTS.sorts,
        default_sort="code",
        filters={
            "type": Account.type.__eq__,
            "active": Account.active.__eq__,
            "currency": Account.currency.__eq__,
            "parent_id": Account.parent_id.__eq__,
        },
        search=ACCOUNTS.search,
    ),
    commands=(
        Command("activate", ACCOUNTS.activate, args=NoArgs, summary="Activate an account"),
        Command(
            "deactivate",
            ACCOUNTS.deactivate,
            args=NoArgs,
            summary="Deactivate an account: no new postings to it (it is never deleted)",
        ),
    ),
    rest=PAGE_LIMIT.but(update="PATCH"),
    sync=SyncSpec(
        policies={"type": "manual", "currency": "manual", "code": "manual"},
        read_only=BASE_READ_ONLY | {"active"},
    ),
    routers=(settings_router, chart_router, reports_router),
    tag="Accounts",
)

TRANSACTION = Resource[Transaction](
    entity=TRANSACTION_ENTITY,
    model=Transaction,
    path="/api/v1/transactions",
    permission="accounting",
    create=TransactionCreate,
    update=TransactionUpdate,
    read=transaction_read,
    read_schema=TransactionRead,
    service=transactions,
    listing=ListSpec(
        query=TransactionQuery,
        sorts=transactions.SORTS,
        default_sort="date",
        default_order="desc",
        filters={
            "account_id": transactions.account_filter,
            "from_date": Transaction.entry_date.__ge__,
            "to_date": Transaction.entry_date.__le__,
            "source": Transaction.source.__eq__,
            "source_id": Transaction.source_id.__eq__,
            "currency": Transaction.currency.__eq__,
        },
        search=transactions.search_filter,
    ),
    commands=(
        Command(
            "reverse",
            transactions.reverse,
            args=ReverseTransaction,
            http="POST",
            summary="Post the reversing transaction (debits and credits swapped); answers it. "
            "Once per transaction (409 after)",
        ),
    ),
    # Posted transactions are immutable: no update or delete route.
    rest=PAGE_LIMIT.but(update=None),
    sync=SyncSpec(
        read_only=BASE_READ_ONLY
        | {
            "number",
            "total",
            "source",
            "source_id",
            "reverses_id",
            "reversed_by_id",
            "created_at",
        }
    ),
    children=(Child(TransactionLine, transactions.LOAD),),
    tag="Transactions",
)
