"""The journal on the desktop: transactions (journal entries) as a module declaration; no Qt.

A journal entry drafted here is the create body (``TransactionCreate``: date,
description, reference and its lines, each an account and a debit or a credit)
until the server posts it at the next sync and its row (numbered JE-<year>-<nnnn>)
is pulled. The form will not queue it until :func:`entry_problems` — the server's
own ``common.ledger.check_entry`` over the replica's accounts — finds nothing; the
server checks it again, and an entry it refuses (an account deactivated meanwhile)
leaves the replica and is told to the user with the reason. A queued or posted
entry never changes; ``reverse`` (with a confirmation) posts its reversal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from common.ledger import (
    SOURCES,
    TRANSACTION_ENTITY,
    EntryAccount,
    LineInput,
    ReverseTransaction,
    TransactionCreate,
    TransactionUpdate,
    check_entry,
)
from desktop.core.kit.entity import (
    QT_TRANSLATE_NOOP,
    Choice,
    Column,
    Command,
    Entity,
    Field,
    ListFilter,
    Record,
    Ref,
    get_path,
)
from desktop.core.kit.projection import ListColumn, ListProjection, text
from desktop.core.kit.status import State, Status

C = "journal"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


# ---------------------------------------------------------------- state and the reverse command

_STATE_SQL = (
    "CASE WHEN json_extract({data}, '$.number') IS NULL THEN 'queued' "
    "WHEN json_extract({data}, '$.reversed_by_id') IS NOT NULL THEN 'reversed' "
    "ELSE 'posted' END"
)


def state_of(record: Record) -> str:
    """queued (drafted here, posted at the next sync), posted, or reversed."""
    if not record.get("number"):
        return "queued"
    return "reversed" if record.get("reversed_by_id") else "posted"


REVERSE = Command(
    "reverse",
    _tr("Reverse…"),
    _tr("Reversal queued — the server posts it at the next sync"),
    pending=_tr("Reversing…"),
    sets=("state", "reversed"),
    confirm=_tr(
        "Reverse journal entry %1? A reversing entry with the debits and credits swapped "
        "is posted; this cannot be undone."
    ),
    schema=ReverseTransaction,
)

NOTHING = frozenset[str]()
STATE = Status(
    field="state",
    label=_tr("State"),
    states=(
        State(
            "queued",
            _tr("To post"),
            look="accent",
            editable=NOTHING,
            note=_tr("Posted by the server at the next sync; Undo takes it back until then"),
        ),
        State(
            "posted",
            _tr("Posted"),
            look="good",
            editable=NOTHING,
            note=_tr("A posted entry never changes: reverse it to correct it"),
        ),
        State(
            "reversed",
            _tr("Reversed"),
            look="muted",
            editable=NOTHING,
            note=_tr("Reversed: its reversing entry cancels it"),
        ),
    ),
    commands=(REVERSE,),
    sql=_STATE_SQL,
    transitions={"posted": frozenset({"reversed"})},
    width=80,
)

SOURCE_CHOICES = (
    Choice("manual", _tr("Manual")),
    Choice("invoice", _tr("Invoice")),
    Choice("payment", _tr("Payment")),
    Choice("reversal", _tr("Reversal")),
)
assert tuple(c.value for c in SOURCE_CHOICES) == SOURCES

# ---------------------------------------------------------------- the record


def _amount(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def totals(lines: Sequence[Mapping[str, Any]] | None) -> tuple[int, int]:
    """(debits, credits) of an entry's lines, in cents."""
    rows = list(lines or [])
    return sum(_amount(x.get("debit")) for x in rows), sum(_amount(x.get("credit")) for x in rows)


def read(record: Record) -> Record:
    """{field: value}: the state, and the total from the lines (a draft has none yet)."""
    values: Record = {f.name: get_path(record, f.path) for f in FIELDS}
    debits, _ = totals(record.get("lines"))
    values.update(state=state_of(record), total=record.get("total") or debits)
    return values


def _kept(line: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k in LineInput.model_fields and v not in (None, "")}


def to_create(values: Record) -> Record:
    """The form's values as ``TransactionCreate``: a line keeps only what the server takes;
    a line left empty is no line."""
    lines = [kept for line in values.get("lines") or [] if (kept := _kept(line))]
    out = {k: v for k, v in values.items() if v is not None and k != "lines"}
    return {**out, "lines": lines}


CHOOSE_ACCOUNT = _tr("Choose the account")


def problem_lines(problems: Mapping[str, str]) -> list[tuple[int | None, str]]:
    """Each problem as (the line's number from 1, or None for the entry, its source text)."""
    out: list[tuple[int | None, str]] = []
    for key, message in problems.items():
        parts = key.split(".")
        row = int(parts[1]) + 1 if len(parts) > 1 and parts[1].isdigit() else None
        out.append((row, message))
    return out


@dataclass(frozen=True)
class Balance:
    """What the entry form shows live under its lines."""

    debits: int
    credits: int

    @property
    def difference(self) -> int:
        return self.debits - self.credits

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits and self.debits > 0


def entry_problems(
    lines: Sequence[Mapping[str, Any]], accounts: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """What the server would refuse in these lines, by field (``lines``, ``lines.1.account_id``):
    the schema's rules, then ``check_entry`` over the accounts the replica has (id -> record)."""
    kept = to_create({"lines": lines})["lines"]
    try:
        body = TransactionCreate.model_validate({"lines": kept})
    except ValidationError as exc:
        out: dict[str, str] = {}
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ())]
            key = ".".join(loc[:3]) if len(loc) >= 3 else ".".join(loc[:2]) or "lines"
            missing = error.get("type") == "missing" and loc[-1:] == ["account_id"]
            message = CHOOSE_ACCOUNT if missing else str(error.get("msg", ""))
            out.setdefault(key, message.removeprefix("Value error, "))
        return out
    known = {
        line.account_id: (
            EntryAccount(str(a.get("code")), str(a.get("currency")), bool(a.get("active", True)))
            if (a := accounts.get(line.account_id)) is not None
            else None
        )
        for line in body.lines
    }
    _, details = check_entry(body.lines, known, None)
    return details


# ---------------------------------------------------------------- the declaration

# SQL over the record's lines (plain constants: S608 sees a query built from strings).
_TOTAL_SQL = (
    "coalesce(json_extract({data}, '$.total'), "
    "(SELECT coalesce(sum(json_extract(value, '$.debit')), 0) FROM json_each({data}, '$.lines')))"
)
_ACCOUNTS_SQL = (
    "coalesce((SELECT json_group_array(json_extract(value, '$.account_id')) "
    "FROM json_each({data}, '$.lines')), '[]')"
)
_ACCOUNT_NAMES_SQL = (
    "(SELECT group_concat(coalesce(json_extract(value, '$.account_code'), '') || ' ' || "
    "coalesce(json_extract(value, '$.account_name'), ''), ' ') FROM json_each({data}, '$.lines'))"
)
PROJECTION = ListProjection(
    entity=TRANSACTION_ENTITY,
    columns=(
        ListColumn("number", text("$.number")),
        ListColumn("date", text("$.date")),
        ListColumn("description", text("$.description")),
        ListColumn("reference", text("$.reference")),
        ListColumn("currency", text("$.currency")),
        ListColumn("total", _TOTAL_SQL, "integer"),
        ListColumn("source", "coalesce(json_extract({data}, '$.source'), 'manual')"),
        STATE.list_column,
        # The accounts of its lines (a JSON array): the account filter keeps an entry
        # any of whose lines is on the chosen account.
        ListColumn("accounts", _ACCOUNTS_SQL),
    ),
    sort_keys=("date", "number", "total", "state"),
    search=(
        "number",
        "description",
        "reference",
        _ACCOUNT_NAMES_SQL,
    ),
    members=("accounts",),
)

FIELDS: tuple[Field, ...] = (
    Field("number", _tr("Number"), read_only=True, empty=_tr("Draft")),
    STATE.form_field,
    Field("date", _tr("Date"), "date", create_only=True),
    Field("description", _tr("Description"), create_only=True, live=True),
    Field("reference", _tr("Reference"), create_only=True),
    Field(
        "lines",
        _tr("Lines"),
        "entries",
        currency="currency",
        ref=Ref("account", detail=("code", "currency"), filters={"active": True}),
        create_only=True,
    ),
    Field("currency", _tr("Currency"), read_only=True),
    Field("total", _tr("Total"), "money", currency="currency", read_only=True),
    Field("source", _tr("Source"), "choice", choices=SOURCE_CHOICES, read_only=True),
)

ENTITY = Entity(
    name=TRANSACTION_ENTITY,
    context=C,
    label=_tr("Journal entry"),
    plural=_tr("Journal"),
    count=_tr("%n entry(s)"),
    count_more=_tr("%1+ entries"),
    new_title=_tr("New journal entry"),
    untitled=_tr("Journal entry to post"),
    filter_hint=_tr("Filter by number, description, account"),
    projection=PROJECTION,
    columns=(
        Column("number", _tr("Number"), width=105, empty=_tr("Draft")),
        Column("date", _tr("Date"), "date", width=80),
        Column("description", _tr("Description"), width=200),
        Column("total", _tr("Total"), "money", currency="currency", width=95),
        STATE.column,
        Column("source", _tr("Source"), "choice", choices=SOURCE_CHOICES, sort=None, width=75),
    ),
    fields=FIELDS,
    create=TransactionCreate,
    update=TransactionUpdate,
    title="number",
    search_detail=("description",),
    filters=(
        ListFilter("accounts", ref=Ref("account", detail=("code",)), label=_tr("Any account")),
        ListFilter("date", dates=True, label=_tr("Date")),
    ),
    commands=(REVERSE,),
    status=STATE,
    depends_on=frozenset({"account"}),
    read=read,
    to_create=to_create,
    order=91,
    permission="accounting",
)
