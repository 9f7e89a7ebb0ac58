"""The chart of accounts on the desktop: the module's declaration; no Qt.

An account has a unique code, a name, one of five types, an optional parent of
the same type (the page shows the chart as a tree), a currency and an active
flag changed by the server's ``activate``/``deactivate`` commands (an account is
never deleted). The form checks what it can with the server's own schemas
(``common.ledger``) and, beyond them, that a parent has the account's type
(:func:`parent_problem`); the server decides the rest (a type or currency that
postings pin) and a refusal comes back with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from common.ledger import ACCOUNT_ENTITY, ACCOUNT_TYPES, AccountCreate, AccountUpdate
from desktop.core.kit.entity import (
    QT_TRANSLATE_NOOP,
    Choice,
    Column,
    Entity,
    Field,
    ListFilter,
    Ref,
)
from desktop.core.kit.parties import ACTIVE
from desktop.core.kit.projection import ListColumn, ListProjection, rank, text

C = "accounts"  # the translation context
PERMISSION = "accounting"  # pages need accounting:read, edits accounting:write


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


TYPE_CHOICES = (
    Choice("asset", _tr("Asset")),
    Choice("liability", _tr("Liability")),
    Choice("equity", _tr("Equity")),
    Choice("revenue", _tr("Revenue")),
    Choice("expense", _tr("Expense")),
)
assert tuple(c.value for c in TYPE_CHOICES) == ACCOUNT_TYPES

PROJECTION = ListProjection(
    entity=ACCOUNT_ENTITY,
    columns=(
        ListColumn("name", text("$.name")),
        ListColumn("code", text("$.code")),
        ListColumn("type", text("$.type")),
        ListColumn("type_rank", rank("$.type", ACCOUNT_TYPES), "integer"),
        ListColumn("parent_id", text("$.parent_id")),
        ListColumn("currency", text("$.currency")),
        ACTIVE.list_column,
    ),
    sort_keys=("name", "code", "type_rank", "currency", "active"),
    search=("code", "name", text("$.description")),
)

FIELDS: tuple[Field, ...] = (
    Field("code", _tr("Code"), required=True, live=True, missing=_tr("Give the account a code"),
          placeholder=_tr("e.g. 1010"), example="1010"),
    Field("name", _tr("Name"), required=True, live=True, missing=_tr("Give the account a name")),
    Field("type", _tr("Type"), "choice", choices=TYPE_CHOICES, default="asset"),
    Field(
        "parent_id",
        _tr("Parent account"),
        "ref",
        ref=Ref(ACCOUNT_ENTITY, detail=("code", "type")),
        placeholder=_tr("None: a top-level account"),
    ),
    Field("currency", _tr("Currency"), "currency", default="USD"),
    Field("description", _tr("Description"), "multiline"),
    ACTIVE.form_field,
)  # fmt: skip

ENTITY = Entity(
    name=ACCOUNT_ENTITY,
    context=C,
    label=_tr("Account"),
    plural=_tr("Chart of accounts"),
    count=_tr("%n account(s)"),
    count_more=_tr("%1+ accounts"),
    new_title=_tr("New account"),
    filter_hint=_tr("Filter by code, name"),
    projection=PROJECTION,
    columns=(
        Column("name", _tr("Name"), width=200),
        Column("code", _tr("Code"), width=80),
        Column("type", _tr("Type"), "choice", choices=TYPE_CHOICES, sort="type_rank", width=90),
        Column("currency", _tr("Currency"), width=70),
        ACTIVE.column,
    ),
    fields=FIELDS,
    create=AccountCreate,
    update=AccountUpdate,
    search_detail=("code", "type"),
    filters=(
        ListFilter(
            "type",
            (
                (QT_TRANSLATE_NOOP("kit", "All"), None),
                *((c.label, c.value) for c in TYPE_CHOICES),
            ),
        ),
        ACTIVE.list_filter,
    ),
    commands=ACTIVE.commands,
    status=ACTIVE,
    order=90,
    permission=PERMISSION,
)

PARENT_TYPE = _tr("The parent account must be of the same type (%1)")
PARENT_SELF = _tr("An account cannot be its own parent or its descendant's")


def parent_problem(
    values: Mapping[str, Any], record_id: str | None, accounts: Mapping[str, Mapping[str, Any]]
) -> tuple[str, str] | None:
    """Why the form's parent cannot be saved (source text, the type it must have), or None.

    ``accounts`` maps every account's id to its record (the replica's). The server
    refuses the same (a parent of another type, a cycle) with a 422.
    """
    parent_id = values.get("parent_id")
    if not parent_id:
        return None
    seen: set[str] = set()
    cursor: str | None = str(parent_id)
    while cursor and cursor not in seen:
        if cursor == record_id:
            return PARENT_SELF, ""
        seen.add(cursor)
        cursor = (accounts.get(cursor) or {}).get("parent_id")
    parent = accounts.get(str(parent_id))
    if parent is not None and parent.get("type") != values.get("type"):
        return PARENT_TYPE, str(values.get("type") or "")
    return None
