"""The ledger (spec sections Accounts and Transactions): a chart of accounts and balanced entries.

An account has a unique ``code``, a name, a ``type`` (asset, liability, equity,
revenue, expense), an optional parent of the same type (a tree), a currency and
an ``active`` flag changed by the ``activate``/``deactivate`` commands; an account
with postings is never deleted. A transaction has at least two lines, each a
debit or a credit (one of them, > 0, integer cents); its debits equal its
credits; every account is active and in the transaction's currency. A line's
``account_id`` takes an account's id or its code (the spec's example uses codes
``1010`` and ``4000``). A posted transaction never changes: a correction is a
reversing transaction (``POST /transactions/:id/reverse``).

These rules are checked by :func:`check_entry` on the desktop's journal entry
form and by the server's service alike, and again by the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from common.api import Page, PageQuery, Strict
from common.kit import PartialUpdate, clean_text
from common.lines import check_currency
from common.rules import CURRENCY, NAME, NOT_BLANK, not_null
from common.validation import normalize_currency, normalize_name

AccountType = Literal["asset", "liability", "equity", "revenue", "expense"]
ACCOUNT_TYPES: tuple[AccountType, ...] = ("asset", "liability", "equity", "revenue", "expense")
# Accounts whose balance is debits - credits; the others' is credits - debits.
DEBIT_NORMAL: frozenset[AccountType] = frozenset({"asset", "expense"})
ACCOUNT_ENTITY = "account"
TRANSACTION_ENTITY = "transaction"
NUMBER_PREFIX = "JE"  # journal entries: JE-<year>-<nnnn>, gapless per year
CODE_LIMIT = 20
DESCRIPTION_LIMIT = 500
MAX_LINES = 200
MAX_AMOUNT = 10**15  # cents; the sum of MAX_LINES of them stays far inside 64 bits
Source = Literal["manual", "invoice", "payment", "reversal"]
SOURCES: tuple[Source, ...] = ("manual", "invoice", "payment", "reversal")


def format_number(year: int, n: int) -> str:
    """``JE-2026-0001``: at least four digits."""
    return f"{NUMBER_PREFIX}-{year}-{n:04d}"


def check_code(value: str | None) -> str | None:
    """An account code: stripped, not blank ("1010", "1200-EUR")."""
    if value is None:
        return None
    code = value.strip()
    if not code:
        raise ValueError("Code is required")
    return code


CODE_SCHEMA: dict[str, Any] = {
    "pattern": NOT_BLANK,
    "description": "Unique account code, e.g. 1010 (compared without surrounding white space)",
    "examples": ["1010"],
}

# ---------------------------------------------------------------- accounts


class AccountCreate(Strict):
    """``POST /accounts`` (the spec's example; ``parent_id`` optional, of the same type)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "1010", "name": "Cash", "type": "asset"}]},
    )

    code: str = Field(max_length=CODE_LIMIT, json_schema_extra=CODE_SCHEMA)
    name: str = Field(max_length=200, json_schema_extra=NAME)
    type: AccountType
    parent_id: str | None = Field(
        default=None, max_length=36, description="The parent account (same type): a tree"
    )
    currency: str = Field(default="USD", json_schema_extra=CURRENCY)
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)
    active: StrictBool = True

    _code = field_validator("code")(check_code)
    _name = field_validator("name")(normalize_name)
    _currency = field_validator("currency")(normalize_currency)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)


class AccountUpdate(PartialUpdate):
    """``PATCH /accounts/:id``: absent = unchanged, null = clear (description, parent).

    ``type`` and ``currency`` change only while the account has no postings and
    no sub-accounts (409 otherwise); ``active`` only by activate/deactivate.
    """

    __required__ = frozenset({"code", "name", "type", "currency"})

    code: str | None = Field(
        default=None, max_length=CODE_LIMIT, json_schema_extra=not_null(CODE_SCHEMA)
    )
    name: str | None = Field(default=None, max_length=200, json_schema_extra=not_null(NAME))
    type: AccountType | None = Field(default=None, json_schema_extra=not_null())
    parent_id: str | None = Field(default=None, max_length=36)
    currency: str | None = Field(default=None, json_schema_extra=not_null(CURRENCY))
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)

    _code = field_validator("code")(check_code)
    _currency = field_validator("currency")(check_currency)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return normalize_name(v) if v is not None else None

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)


class AccountRead(BaseModel):
    id: str
    code: str
    name: str
    type: AccountType
    parent_id: str | None
    currency: str
    description: str | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class AccountQuery(PageQuery):
    """``GET /accounts``: ``type`` and ``active`` filters; search in code and name; by code."""

    sort_by: str | None = Field(default=None, description="code, name or created_at")
    type: AccountType | None = None
    active: bool | None = None
    currency: str | None = Field(default=None, json_schema_extra=CURRENCY)
    parent_id: str | None = Field(default=None, max_length=36)

    _currency = field_validator("currency")(check_currency)


AccountPage = Page[AccountRead]

# ---------------------------------------------------------------- transactions


class LineInput(Strict):
    """A transaction line: an account (id or code) and a debit or a credit (one, > 0, cents)."""

    account_id: str = Field(
        max_length=36,
        description="The account's id or its code (the spec's example: \"1010\")",
        examples=["1010"],
        json_schema_extra={"pattern": NOT_BLANK},
    )
    debit: StrictInt | None = Field(default=None, gt=0, le=MAX_AMOUNT, description="Cents")
    credit: StrictInt | None = Field(default=None, gt=0, le=MAX_AMOUNT, description="Cents")
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)

    @field_validator("account_id")
    @classmethod
    def _account(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("An account id or code is required")
        return v.strip()

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)


class TransactionCreate(Strict):
    """``POST /transactions`` (the spec's example): posts it at once, or refuses it (422).

    A replica posts a journal entry drafted offline by pushing the same body as a
    ``create`` of entity ``transaction``; the server validates it the same way.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "description": "Invoice payment",
                    "lines": [
                        {"account_id": "1010", "debit": 10000},
                        {"account_id": "4000", "credit": 10000},
                    ],
                }
            ]
        },
    )

    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)
    date: dt.date | None = Field(
        default=None, description="The entry date; defaults to today (UTC)"
    )
    currency: str | None = Field(
        default=None,
        json_schema_extra={**CURRENCY, "description": "Defaults to the first line's account's"},
    )
    reference: str | None = Field(default=None, max_length=100)
    lines: list[LineInput] = Field(max_length=MAX_LINES)

    _currency = field_validator("currency")(check_currency)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)

    @field_validator("reference")
    @classmethod
    def _reference(cls, v: str | None) -> str | None:
        return clean_text(v, 100)


class TransactionUpdate(PartialUpdate):
    """Posted transactions are immutable: every update is refused (409); reverse instead."""

    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)


class ReverseTransaction(Strict):
    """``POST /transactions/:id/reverse``: the reversing entry's date and description."""

    date: dt.date | None = Field(default=None, description="Defaults to today (UTC)")
    description: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return clean_text(v, DESCRIPTION_LIMIT)


class LineRead(BaseModel):
    id: str
    position: int
    account_id: str
    account_code: str
    account_name: str
    debit: int = Field(description="Cents; 0 on a credit line")
    credit: int = Field(description="Cents; 0 on a debit line")
    description: str | None


class TransactionRead(BaseModel):
    id: str
    number: str = Field(description="JE-<year>-<nnnn>, gapless per year")
    date: dt.date
    description: str | None
    reference: str | None
    currency: str
    total: int = Field(description="Cents: the total of the debits (= of the credits)")
    source: Source = Field(description="manual, or the document that posted it")
    source_id: str | None = Field(description="The invoice (invoice, payment) it comes from")
    reverses_id: str | None = Field(description="The transaction this one reverses")
    reversed_by_id: str | None = Field(description="The transaction that reverses this one")
    lines: list[LineRead]
    created_at: dt.datetime


class TransactionQuery(PageQuery):
    """``GET /transactions``: ``account_id`` (id or code), ``from_date``/``to_date`` (inclusive)."""

    sort_by: str | None = Field(default=None, description="date, number or created_at")
    sort_order: Literal["asc", "desc"] = "desc"
    account_id: str | None = Field(default=None, max_length=36)
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    source: Source | None = None
    source_id: str | None = Field(default=None, max_length=36)
    currency: str | None = Field(default=None, json_schema_extra=CURRENCY)

    _currency = field_validator("currency")(check_currency)


TransactionPage = Page[TransactionRead]

# ---------------------------------------------------------------- the rules, shared


@dataclass(frozen=True)
class EntryAccount:
    """What the rules need to know of an account."""

    code: str
    currency: str
    active: bool


def line_amounts(line: LineInput) -> tuple[int, int]:
    return line.debit or 0, line.credit or 0


def check_entry(
    lines: Iterable[LineInput],
    accounts: Mapping[str, EntryAccount | None],
    currency: str | None,
) -> tuple[str | None, dict[str, str]]:
    """The currency of the entry and what is wrong with it, by field (empty: it may be posted).

    ``accounts`` maps each line's ``account_id`` as sent to the account it names
    (None: no such account). The desktop's journal form shows the same details
    the server refuses with.
    """
    rows = list(lines)
    details: dict[str, str] = {}
    if len(rows) < 2:
        details["lines"] = "A transaction needs at least two lines"
    debits = credits = 0
    for i, line in enumerate(rows):
        debit, credit = line_amounts(line)
        if (debit > 0) == (credit > 0):
            details[f"lines.{i}"] = "A line is either a debit or a credit (one of them, > 0)"
        debits += debit
        credits += credit
        account = accounts.get(line.account_id)
        if account is None:
            details[f"lines.{i}.account_id"] = f"No account with this id or code: {line.account_id}"
            continue
        if currency is None:
            currency = account.currency
        if not account.active:
            details[f"lines.{i}.account_id"] = f"Account {account.code} is inactive"
        elif account.currency != currency:
            details[f"lines.{i}.account_id"] = (
                f"Account {account.code} is in {account.currency}, the transaction in {currency}"
            )
    if debits != credits and "lines" not in details:
        details["lines"] = (
            f"Debits ({debits}) must equal credits ({credits}): the difference is "
            f"{debits - credits} cents"
        )
    return currency, details


def signed_balance(account_type: AccountType, debit: int, credit: int) -> int:
    """The balance on the account's normal side: debits - credits for assets and expenses."""
    return debit - credit if account_type in DEBIT_NORMAL else credit - debit


# ---------------------------------------------------------------- the starter chart

PostingRole = Literal["receivable", "revenue", "tax_payable", "cash", "bank"]
POSTING_ROLES: tuple[PostingRole, ...] = ("receivable", "revenue", "tax_payable", "cash", "bank")


@dataclass(frozen=True)
class ChartAccount:
    code: str
    name: str
    type: AccountType
    parent: str | None = None  # the parent's code
    role: PostingRole | None = None  # automatic postings use it by default


# A small business's chart: the posting accounts' defaults are marked with their role.
STARTER_CHART: tuple[ChartAccount, ...] = (
    ChartAccount("1000", "Assets", "asset"),
    ChartAccount("1010", "Cash", "asset", "1000", "cash"),
    ChartAccount("1020", "Bank", "asset", "1000", "bank"),
    ChartAccount("1200", "Accounts receivable", "asset", "1000", "receivable"),
    ChartAccount("2000", "Liabilities", "liability"),
    ChartAccount("2010", "Accounts payable", "liability", "2000"),
    ChartAccount("2200", "Sales tax payable", "liability", "2000", "tax_payable"),
    ChartAccount("3000", "Equity", "equity"),
    ChartAccount("3010", "Owner's equity", "equity", "3000"),
    ChartAccount("3200", "Retained earnings", "equity", "3000"),
    ChartAccount("4000", "Sales revenue", "revenue", None, "revenue"),
    ChartAccount("4900", "Other income", "revenue"),
    ChartAccount("5000", "Expenses", "expense"),
    ChartAccount("5010", "Cost of goods sold", "expense", "5000"),
    ChartAccount("5100", "Rent", "expense", "5000"),
    ChartAccount("5200", "Salaries and wages", "expense", "5000"),
    ChartAccount("5300", "Office supplies", "expense", "5000"),
    ChartAccount("5900", "Bank fees", "expense", "5000"),
)
DEFAULT_POSTING_CODES: dict[PostingRole, str] = {
    a.role: a.code for a in STARTER_CHART if a.role is not None
}


def chart_account(code: str) -> ChartAccount:
    return next(a for a in STARTER_CHART if a.code == code)


def foreign_code(code: str, currency: str) -> str:
    """The code of an account's sub-account for another currency: ``1200-EUR``."""
    return f"{code}-{currency}"


class PostingAccountRead(BaseModel):
    """The account automatic postings use for a role (before any per-currency sub-account)."""

    role: PostingRole
    account_id: str | None = Field(description="None: not created yet (the default code is used)")
    code: str
    name: str | None
    default: bool = Field(description="True when no setting names it (the starter chart's)")


class SetPostingAccount(Strict):
    """``PUT /accounting/posting-accounts/{role}``: the account's id or code."""

    account_id: str = Field(
        max_length=36, examples=["1020"], json_schema_extra={"pattern": NOT_BLANK}
    )


class LoadStarterChart(Strict):
    """``POST /accounting/starter-chart``: the currency of the accounts it adds."""

    currency: str = Field(default="USD", json_schema_extra=CURRENCY)

    _currency = field_validator("currency")(normalize_currency)


class StarterChartLoaded(BaseModel):
    created: int = Field(description="Accounts added (those missing by code)")
    accounts: int = Field(description="Accounts in the starter chart")
