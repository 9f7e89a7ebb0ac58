"""Contracts on the desktop: the module's declaration, its lifecycle commands, its terms; no Qt.

Replicas hold a contract flat (``common.contracts.ContractRow``): a draft made
here is the create body (``ContractCreate``) until the server's row is pulled,
and an edit sends ``ContractUpdate``'s flat fields, terms included (the form's
Payment terms and Delivery terms boxes are the terms editors). The party is a
customer, supplier, partner or employee, picked from all four lists. The
status moves only by the server's commands: Submit for approval, Activate
(signed when the user clicks), Terminate (with a reason), Renew (to a later end
date); a refused one leaves the outbox and the window tells the user the
server's reason. An active contract ending within 30 days reads "Active — ends
soon", highlighted, in the list and the form, as the server's job will expire or
renew it once its end date has passed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from common.contracts import (
    ENTITY as ENTITY_NAME,
)
from common.contracts import (
    EXPIRING_DAYS,
    TRANSITIONS,
    ContractCreate,
    ContractUpdate,
    RenewContract,
    TerminateContract,
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
    Related,
    get_path,
)
from desktop.core.kit.projection import ListColumn, ListProjection, Lookup, integer, text
from desktop.core.kit.status import State, Status

C = "contracts"  # the translation context
PARTIES = ("customer", "supplier", "partner", "employee")


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


# ---------------------------------------------------------------- status and commands

EXPIRING = "expiring"  # how an active contract ending within EXPIRING_DAYS reads here
_SHOWN_STATUS_SQL = (
    "CASE WHEN coalesce(json_extract({data}, '$.status'), 'draft') = 'active' "
    f"AND json_extract({{data}}, '$.end_date') <= date('now', '+{EXPIRING_DAYS} days') "
    f"THEN '{EXPIRING}' ELSE coalesce(json_extract({{data}}, '$.status'), 'draft') END"
)
_TERMS = frozenset(
    {
        "payment_type",
        "credit_days",
        "penalty_rate",
        "discount_rate",
        "payment_currency",
        "delivery_type",
        "estimated_days",
        "shipping_cost",
        "insurance",
        "shipping_currency",
        "auto_renewal",
        "renewal_period_days",
        "max_renewals",
    }
)
_SHOWN_TRANSITIONS: dict[Any, frozenset[Any]] = {**TRANSITIONS, EXPIRING: TRANSITIONS["active"]}


def _renew_prefill(record: Record) -> Record:
    """The renewal dialog proposes one more renewal period (or a year) after the end date."""
    end = _day(record.get("end_date")) or date.today()
    days = record.get("renewal_period_days") or 365
    return {"new_end_date": (end + timedelta(days=int(days))).isoformat()}


SUBMIT = Command(
    "submit",
    _tr("Submit for approval"),
    _tr("Submitted — the server confirms it at the next sync"),
    pending=_tr("Submitting…"),
    sets=("status", "pending_approval"),
)
ACTIVATE = Command(
    "activate",
    _tr("Activate"),
    _tr("Activated — the server checks it at the next sync"),
    pending=_tr("Activating…"),
    sets=("status", "active"),
    confirm=_tr("Activate contract with %1? It counts as signed now."),
    now="signed_at",
)
TERMINATE = Command(
    "terminate",
    _tr("Terminate"),
    _tr("Termination — the server confirms it at the next sync"),
    pending=_tr("Terminating…"),
    sets=("status", "terminated"),
    ask=(Field("reason", _tr("Reason"), required=True, missing=_tr("Give the reason")),),
    schema=TerminateContract,
)
RENEW = Command(
    "renew",
    _tr("Renew"),
    _tr("Renewal — the server confirms it at the next sync"),
    pending=_tr("Renewing…"),
    ask=(Field("new_end_date", _tr("New end date"), "date", required=True),),
    prefill=_renew_prefill,
    schema=RenewContract,
    offered_in=frozenset({"active", EXPIRING}),
)

_ACTIVE_NOTE = _tr("Active: only its terms and renewal settings can change")
STATUS = Status(
    field="status",
    label=_tr("Status"),
    states=(
        State("draft", _tr("Draft"), look="muted"),
        State("pending_approval", _tr("Pending approval"), look="accent"),
        State("active", _tr("Active"), look="good", editable=_TERMS, note=_ACTIVE_NOTE),
        State(
            EXPIRING,
            _tr("Ending soon"),
            look="warning",
            editable=_TERMS,
            note=_tr("Active, ending within 30 days: renew it, or it expires"),
        ),
        State("expired", _tr("Expired"), look="muted", locked=_tr("Expired: it no longer changes")),
        State(
            "terminated",
            _tr("Terminated"),
            look="muted",
            locked=_tr("Terminated: it no longer changes"),
        ),
    ),
    commands=(SUBMIT, ACTIVATE, TERMINATE),
    sql=_SHOWN_STATUS_SQL,
    transitions=_SHOWN_TRANSITIONS,
    width=130,
)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def shown_status(status: str, end_date: date | None, today: date) -> str:
    """How a contract reads today: active and ending within 30 days is ``expiring``."""
    if (
        status == "active"
        and end_date is not None
        and end_date <= today + timedelta(days=EXPIRING_DAYS)
    ):
        return EXPIRING
    return status


# ---------------------------------------------------------------- the record

TYPE_CHOICES = (
    Choice("supply", _tr("Supply")),
    Choice("service", _tr("Service")),
    Choice("employment", _tr("Employment")),
    Choice("partnership", _tr("Partnership")),
    Choice("lease", _tr("Lease")),
    Choice("license", _tr("License")),
)
PAYMENT_CHOICES = (
    Choice("prepaid", _tr("Prepaid")),
    Choice("postpaid", _tr("Postpaid")),
    Choice("credit", _tr("Credit")),
)
DELIVERY_CHOICES = (
    Choice("delivery", _tr("Delivery")),
    Choice("pickup", _tr("Pickup")),
    Choice("digital", _tr("Digital")),
)

FIELDS: tuple[Field, ...] = (
    Field("party_name", _tr("Party"), read_only=True, in_form=False),
    Field(
        "party_id",
        _tr("Party"),
        "ref",
        ref=Ref(PARTIES[0], detail=("email", "city"), also=PARTIES[1:]),
        required=True,
        missing=_tr("Choose the customer, supplier, partner or employee"),
    ),
    Field(
        "contract_type",
        _tr("Type"),
        "choice",
        choices=TYPE_CHOICES,
        default="supply",
        required=True,
    ),
    STATUS.form_field,
    Field(
        "start_date",
        _tr("Starts"),
        "date",
        required=True,
        group="validity",
        default=lambda: date.today().isoformat(),
    ),
    Field(
        "end_date",
        _tr("Ends"),
        "date",
        required=True,
        group="validity",
        default=lambda: (date.today() + timedelta(days=364)).isoformat(),
    ),
    Field("credit_limit", _tr("Credit limit"), "money", currency="currency", default=0),
    Field("currency", _tr("Currency"), "currency"),
    Field(
        "payment_type",
        _tr("Payment"),
        "choice",
        choices=PAYMENT_CHOICES,
        default="prepaid",
        required=True,
        group="payment",
    ),
    Field("credit_days", _tr("Credit days"), "number", group="payment", example=30),
    Field("penalty_rate", _tr("Penalty rate"), "rate", group="payment"),
    Field("discount_rate", _tr("Discount rate"), "rate", group="payment"),
    Field("payment_currency", _tr("Payment currency"), "currency", group="payment"),
    Field(
        "delivery_type",
        _tr("Delivery"),
        "choice",
        choices=DELIVERY_CHOICES,
        default="delivery",
        required=True,
        group="delivery",
    ),
    Field("estimated_days", _tr("Estimated days"), "number", group="delivery"),
    Field(
        "shipping_cost",
        _tr("Shipping cost"),
        "money",
        currency="shipping_currency",
        default=0,
        group="delivery",
    ),
    Field("insurance", _tr("Insured"), "bool", default=False, group="delivery"),
    Field("shipping_currency", _tr("Shipping currency"), "currency", group="delivery"),
    Field("auto_renewal", _tr("Renews itself"), "bool", default=False, group="renewal"),
    Field("renewal_period_days", _tr("Renewal period (days)"), "number", group="renewal"),
    Field("max_renewals", _tr("At most renewals"), "number", group="renewal"),
    Field("renewal_count", _tr("Renewed"), "number", read_only=True, group="renewal"),
    Field("signed_at", _tr("Signed"), "date", read_only=True),
    Field("termination_reason", _tr("Termination reason"), read_only=True),
)


def read(record: Record) -> Record:
    """{field: value} of a contract (flat in either shape); the status as it reads today."""
    values: Record = {f.name: get_path(record, f.path) for f in FIELDS}
    values["status"] = shown_status(
        record.get("status") or "draft", _day(record.get("end_date")), date.today()
    )
    return values


PROJECTION = ListProjection(
    entity=ENTITY_NAME,
    columns=(
        ListColumn("party_id", text("$.party_id")),
        ListColumn("party_name", lookup=Lookup(PARTIES, "party_id", text("$.name"))),
        ListColumn("contract_type", text("$.contract_type")),
        STATUS.list_column,
        ListColumn("start_date", text("$.start_date")),
        ListColumn("end_date", text("$.end_date")),
        ListColumn("currency", text("$.currency")),
        ListColumn("credit_limit", integer("$.credit_limit"), "integer"),
        ListColumn("payment_type", text("$.payment_type")),
    ),
    sort_keys=("party_name", "contract_type", "status", "start_date", "end_date", "credit_limit"),
    search=("party_name", "contract_type", "payment_type"),
)

ENTITY = Entity(
    name=ENTITY_NAME,
    context=C,
    label=_tr("Contract"),
    plural=_tr("Contracts"),
    count=_tr("%n contract(s)"),
    count_more=_tr("%1+ contracts"),
    new_title=_tr("New contract"),
    untitled=_tr("Contract"),
    filter_hint=_tr("Filter by party, type, payment"),
    projection=PROJECTION,
    columns=(
        Column("party_name", _tr("Party"), width=170),
        Column("contract_type", _tr("Type"), "choice", choices=TYPE_CHOICES, width=90),
        STATUS.column,
        Column("start_date", _tr("Starts"), "date", width=80),
        Column("end_date", _tr("Ends"), "date", width=80),
        Column("credit_limit", _tr("Credit limit"), "money", currency="currency", width=110),
    ),
    fields=FIELDS,
    create=ContractCreate,
    update=ContractUpdate,
    title="party_name",
    search_detail=("contract_type", "end_date"),
    groups={
        "validity": _tr("Validity period"),
        "payment": _tr("Payment terms"),
        "delivery": _tr("Delivery terms"),
        "renewal": _tr("Renewal"),
    },
    filters=(
        STATUS.list_filter,
        ListFilter(
            "contract_type",
            ((_tr("Any type"), None), *((c.label, c.value) for c in TYPE_CHOICES)),
        ),
        ListFilter(
            "party_id",
            ref=Ref(PARTIES[0], detail=("email", "city"), also=PARTIES[1:]),
            label=_tr("Any party"),
        ),
    ),
    commands=(SUBMIT, ACTIVATE, TERMINATE, RENEW),
    status=STATUS,
    depends_on=frozenset(PARTIES),
    read=read,
    order=85,
)

RELATED = Related(
    ENTITY_NAME,
    "party_id",
    _tr("Contracts"),
    ("contract_type", "status", "end_date", "credit_limit"),
)
