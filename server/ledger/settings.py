"""``/api/v1/accounting/posting-accounts``: which account each automatic posting uses.

Roles: receivable, revenue, tax_payable, cash, bank. Without a setting, a role
uses the starter chart's account of that code (``DEFAULT_POSTING_CODES``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from sqlalchemy.orm import Session

from common.api import DataList
from common.ledger import (
    DEFAULT_POSTING_CODES,
    POSTING_ROLES,
    STARTER_CHART,
    AccountType,
    LoadStarterChart,
    PostingAccountRead,
    PostingRole,
    SetPostingAccount,
    StarterChartLoaded,
)
from server.deps import Principal, Require, SessionDep
from server.errors import ValidationFailed
from server.ledger import postings
from server.ledger.accounts import by_refs
from server.ledger.models import Account, PostingAccount
from server.openapi import errors

ROLE_TYPES: dict[PostingRole, AccountType] = {
    "receivable": "asset",
    "revenue": "revenue",
    "tax_payable": "liability",
    "cash": "asset",
    "bank": "asset",
}
router = APIRouter(prefix="/api/v1/accounting/posting-accounts", tags=["Accounts"])
Reader = Annotated[Principal, Require("accounting:read")]
Writer = Annotated[Principal, Require("accounting:write")]


def _read(session: Session, role: PostingRole) -> PostingAccountRead:
    setting = session.get(PostingAccount, role)
    account = session.get(Account, setting.account_id) if setting is not None else None
    if account is None:
        code = DEFAULT_POSTING_CODES[role]
        account = by_refs(session, [code]).get(code)
        return PostingAccountRead(
            role=role,
            account_id=account.id if account else None,
            code=code,
            name=account.name if account else None,
            default=True,
        )
    return PostingAccountRead(
        role=role, account_id=account.id, code=account.code, name=account.name, default=False
    )


@router.get("", response_model=DataList[PostingAccountRead], responses=errors(401, 403))
def list_posting_accounts(_: Reader, session: SessionDep) -> DataList[PostingAccountRead]:
    """Each role's account."""
    return DataList[PostingAccountRead](data=[_read(session, r) for r in POSTING_ROLES])


@router.put("/{role}", response_model=PostingAccountRead, responses=errors(401, 403, 422))
def set_posting_account(
    role: PostingRole, data: SetPostingAccount, _: Writer, session: SessionDep
) -> PostingAccountRead:
    """Post ``role`` to this account (id or code) from now on."""
    account = by_refs(session, [data.account_id]).get(data.account_id)
    if account is None:
        raise ValidationFailed({"account_id": "No account with this id or code"})
    if account.type != ROLE_TYPES[role]:
        raise ValidationFailed(
            {
                "account_id": f"The {role} account must be of type {ROLE_TYPES[role]}, not {account.type}"
            }
        )
    setting = session.get(PostingAccount, role)
    if setting is None:
        session.add(PostingAccount(role=role, account_id=account.id))
    else:
        setting.account_id = account.id
    session.flush()
    return _read(session, role)


chart_router = APIRouter(prefix="/api/v1/accounting", tags=["Accounts"])


@chart_router.post(
    "/starter-chart",
    response_model=StarterChartLoaded,
    responses=errors(401, 403, 422),
)
def load_starter_chart(
    data: LoadStarterChart, _: Writer, session: SessionDep
) -> StarterChartLoaded:
    """Add the starter chart's accounts that are missing (by code), in ``currency``."""
    made = postings.load_starter_chart(session, data.currency)
    return StarterChartLoaded(created=made, accounts=len(STARTER_CHART))
