"""Invoices on the desktop: the module's declaration, its status and commands, its PDF; no Qt.

A draft made here (offline or not) is the create body (``InvoiceCreate``: the
customer, due date, notes, currency and lines) until the server's row is
pulled: it has no number yet (shown as "Draft") and its totals are computed
here from its lines with the server's arithmetic (kit/documents.py). The
status moves only by the server's commands: ``send``, ``payments`` (a dialog
with the balance due filled in) and ``cancel``; a queued one shows as the
status to come, and one the server refuses leaves the outbox and is told to
the user with the server's reason (the window's rejections). A sent invoice
past its due date reads ``overdue``, here as on the server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from common.documents import Company, render_invoice
from common.invoices import (
    ENTITY as ENTITY_NAME,
)
from common.invoices import (
    PAYABLE,
    PAYMENT_METHODS,
    TRANSITIONS,
    CancelInvoice,
    InvoiceCreate,
    InvoiceRead,
    InvoiceUpdate,
    RecordPayment,
    shown_status,
)
from common.lines import line_amounts
from desktop.core.customers import billing_address
from desktop.core.kit.documents import basis_points, document_totals, total_sql
from desktop.core.kit.entity import (
    QT_TRANSLATE_NOOP,
    Choice,
    Column,
    Command,
    Entity,
    Field,
    ListFilter,
    Record,
    RecordLookup,
    Ref,
    get_path,
)
from desktop.core.kit.projection import ListColumn, ListProjection, Lookup, text
from desktop.core.kit.status import State, Status

C = "invoices"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


def today() -> date:
    return datetime.now(UTC).date()


# ---------------------------------------------------------------- status and commands

_ISSUED = frozenset({"notes", "due_date"})
_SHOWN_STATUS_SQL = (
    "CASE WHEN coalesce(json_extract({data}, '$.status'), 'draft') = 'sent' "
    "AND json_extract({data}, '$.due_date') < date('now') THEN 'overdue' "
    "ELSE coalesce(json_extract({data}, '$.status'), 'draft') END"
)


def _payment_prefill(record: Record) -> Record:
    """The payment dialog starts at the balance due, in the invoice's currency, today."""
    values = read(record)
    return {
        "amount": values.get("balance_due"),
        "currency": values.get("currency"),
        "method": "bank_transfer",
        "paid_on": today().isoformat(),
    }


METHOD_CHOICES = (
    Choice("bank_transfer", _tr("Bank transfer")),
    Choice("card", _tr("Card")),
    Choice("cash", _tr("Cash")),
    Choice("cheque", _tr("Cheque")),
    Choice("other", _tr("Other")),
)
assert tuple(c.value for c in METHOD_CHOICES) == PAYMENT_METHODS

SEND = Command(
    "send",
    _tr("Send"),
    _tr("Sending — the server numbers it at the next sync"),
    pending=_tr("Sending…"),
    sets=("status", "sent"),
    confirm=_tr("Send invoice %1? Once sent, its customer and lines can no longer change."),
)
PAY = Command(
    "payments",
    _tr("Record payment"),
    _tr("Payment recorded — the server confirms it at the next sync"),
    pending=_tr("Recording payment…"),
    ask=(
        Field("amount", _tr("Amount"), "money", currency="currency", required=True, live=True),
        Field("currency", _tr("Currency"), read_only=True),
        Field("method", _tr("Method"), "choice", choices=METHOD_CHOICES),
        Field("reference", _tr("Reference")),
        Field("paid_on", _tr("Paid on"), "date"),
    ),
    prefill=_payment_prefill,
    schema=RecordPayment,
    offered_in=PAYABLE,
    new_id="id",
)
CANCEL = Command(
    "cancel",
    _tr("Cancel invoice"),
    _tr("Cancellation — the server confirms it at the next sync"),
    pending=_tr("Cancelling…"),
    sets=("status", "cancelled"),
    confirm=_tr("Cancel invoice %1? A cancelled invoice cannot be sent or paid again."),
    schema=CancelInvoice,
)

STATUS = Status(
    field="status",
    label=_tr("Status"),
    states=(
        State("draft", _tr("Draft"), look="muted"),
        State(
            "sent",
            _tr("Sent"),
            look="accent",
            editable=_ISSUED,
            note=_tr("Sent: only the due date and the notes can change"),
        ),
        State(
            "overdue",
            _tr("Overdue"),
            look="warning",
            editable=_ISSUED,
            note=_tr("Overdue: only the due date and the notes can change"),
        ),
        State(
            "paid",
            _tr("Paid"),
            look="good",
            editable=frozenset({"notes"}),
            note=_tr("Paid: only the notes can change"),
        ),
        State(
            "cancelled",
            _tr("Cancelled"),
            look="muted",
            editable=frozenset({"notes"}),
            note=_tr("Cancelled: only the notes can change"),
        ),
    ),
    commands=(SEND, CANCEL),
    sql=_SHOWN_STATUS_SQL,
    transitions=TRANSITIONS,
    width=85,
)


# ---------------------------------------------------------------- the record


def read(record: Record) -> Record:
    """{field: value} of an invoice in either shape; totals from its lines (as the server's)."""
    values: Record = {f.name: get_path(record, f.path) for f in FIELDS}
    lines = record.get("lines") or []
    sums = document_totals(lines)
    paid = int(record.get("amount_paid") or 0)
    values.update(
        status=shown_status(record.get("status") or "draft", _day(record.get("due_date")), today()),
        subtotal=sums.subtotal,
        tax_total=sums.tax_total,
        total=sums.total,
        amount_paid=paid,
        balance_due=sums.total - paid,
    )
    return values


def with_queued(record: Record, commands: Sequence[tuple[str, Mapping[str, Any]]]) -> Record:
    """The invoice with the payments recorded here and not yet sent: listed with the others
    (marked ``pending``), counted in what is paid, so the balance shows what is left."""
    waiting = [
        {**args, "paid_on": args.get("paid_on") or today().isoformat(), "pending": True}
        for name, args in commands
        if name == PAY.wire
    ]
    if not waiting:
        return record
    paid = int(record.get("amount_paid") or 0) + sum(int(p.get("amount") or 0) for p in waiting)
    return {**record, "payments": [*(record.get("payments") or []), *waiting], "amount_paid": paid}


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def as_read(record: Record, customer: Record | None) -> InvoiceRead:
    """The record as the server's read (``InvoiceRead``), for the renderer: a draft made
    here gets its amounts from its lines and its customer's name and billing address
    from the replica."""
    values = read(record)
    now = datetime.now(UTC)
    lines = []
    for n, line in enumerate(record.get("lines") or []):
        bp = basis_points(line)
        amounts = line_amounts(int(line.get("quantity") or 0), int(line.get("unit_price") or 0), bp)
        lines.append(
            {
                "id": line.get("id") or f"line-{n}",
                "position": n,
                "item_id": line.get("item_id"),
                "sku": line.get("sku"),
                "description": line.get("description"),
                "quantity": line.get("quantity") or 0,
                "unit_price": line.get("unit_price") or 0,
                "tax_rate": line.get("tax_rate"),
                "tax_basis_points": bp if line.get("tax_rate") else 0,
                "subtotal": amounts.subtotal,
                "tax": amounts.tax if line.get("tax_rate") else 0,
                "total": amounts.total if line.get("tax_rate") else amounts.subtotal,
            }
        )
    address = record.get("billing_address")
    if address is None and customer is not None:
        a = billing_address(customer)
        if any(a.values()):
            address = {
                **{k: a.get(k) for k in ("street", "city", "region", "postal_code")},
                "country_id": None,
                "country_code": a.get("country"),
            }
    data = {
        "id": record["id"],
        "number": record.get("number"),
        "customer_id": record.get("customer_id") or "",
        "customer_name": record.get("customer_name") or (customer or {}).get("name") or "",
        "status": values["status"],
        "currency": record.get("currency") or (customer or {}).get("currency") or "USD",
        "issue_date": record.get("issue_date"),
        "due_date": record.get("due_date"),
        "notes": record.get("notes"),
        "lines": lines,
        "taxes": [t.model_dump() for t in document_totals(record.get("lines")).taxes],
        "subtotal": values["subtotal"],
        "tax_total": values["tax_total"],
        "total": values["total"],
        "amount_paid": values["amount_paid"],
        "balance_due": values["balance_due"],
        "payments": record.get("payments") or [],
        "order_id": record.get("order_id"),
        "billing_address": address,
        "sent_at": record.get("sent_at"),
        "paid_at": record.get("paid_at"),
        "cancelled_at": record.get("cancelled_at"),
        "cancel_reason": record.get("cancel_reason"),
        "created_at": record.get("created_at") or now,
        "updated_at": record.get("updated_at") or now,
    }
    return InvoiceRead.model_validate(data)


def pdf(record: Record, lookup: RecordLookup, company: Company, locale: str) -> bytes:
    """The invoice printed by the server's own renderer (``common.documents``)."""
    customer = lookup("customer", str(record.get("customer_id") or ""))
    return render_invoice(as_read(record, customer), company, locale=locale)


# ---------------------------------------------------------------- the declaration

PROJECTION = ListProjection(
    entity=ENTITY_NAME,
    columns=(
        ListColumn("number", text("$.number")),
        ListColumn("customer_id", text("$.customer_id")),
        ListColumn(
            "customer_name",
            lookup=Lookup("customer", "customer_id", text("$.name")),
        ),
        STATUS.list_column,
        ListColumn("issue_date", text("$.issue_date")),
        ListColumn("due_date", text("$.due_date")),
        ListColumn("currency", text("$.currency")),
        ListColumn("total", total_sql(), "integer"),
        ListColumn(
            "balance_due",
            f"{total_sql()} - coalesce(json_extract({{data}}, '$.amount_paid'), 0)",
            "integer",
        ),
        ListColumn("notes", text("$.notes")),
    ),
    sort_keys=("number", "customer_name", "status", "issue_date", "due_date", "total"),
    search=("number", "customer_name", "notes"),
)

FIELDS: tuple[Field, ...] = (
    Field("number", _tr("Number"), read_only=True, empty=_tr("Draft")),
    Field(
        "customer_id",
        _tr("Customer"),
        "ref",
        ref=Ref("customer", detail=("email", "city"), filters={"active": True}),
        required=True,
        missing=_tr("Choose the customer"),
    ),
    STATUS.form_field,
    # A new document is in its customer's currency (as the server makes it when none is
    # sent), unless the user picks another; its catalog lines must then be priced in it.
    Field(
        "currency",
        _tr("Currency"),
        "currency",
        create_only=True,
        follows="customer_id",
        follow_column="currency",
    ),
    Field("issue_date", _tr("Issue date"), "date", read_only=True),
    Field("due_date", _tr("Due date"), "date"),
    Field(
        "lines",
        _tr("Lines"),
        "lines",
        currency="currency",
        ref=Ref("catalog_item", detail=("sku",), filters={"status": "active"}),
    ),
    Field("notes", _tr("Notes"), "multiline"),
    Field(
        "payments",
        _tr("Payments"),
        "table",
        read_only=True,
        columns=(
            Column("paid_on", _tr("Date"), "date", width=90),
            Column("amount", _tr("Amount"), "money", currency="currency", width=110),
            Column("method", _tr("Method"), "choice", choices=METHOD_CHOICES, width=110),
            Column("reference", _tr("Reference"), width=140),
        ),
        empty=_tr("No payments yet"),
    ),
    Field("amount_paid", _tr("Paid"), "money", currency="currency", read_only=True),
    Field("balance_due", _tr("Balance due"), "money", currency="currency", read_only=True),
    Field("subtotal", _tr("Subtotal"), "money", currency="currency", in_form=False),
    Field("total", _tr("Total"), "money", currency="currency", in_form=False),
)

ENTITY = Entity(
    name=ENTITY_NAME,
    context=C,
    label=_tr("Invoice"),
    plural=_tr("Invoices"),
    count=_tr("%n invoice(s)"),
    count_more=_tr("%1+ invoices"),
    new_title=_tr("New invoice"),
    untitled=_tr("Draft invoice"),
    filter_hint=_tr("Filter by number, customer, notes"),
    projection=PROJECTION,
    columns=(
        Column("number", _tr("Number"), width=100, empty=_tr("Draft")),
        Column("customer_name", _tr("Customer"), width=130),
        STATUS.column,
        Column("total", _tr("Total"), "money", currency="currency", width=95),
        Column(
            "balance_due", _tr("Balance due"), "money", currency="currency", sort=None, width=95
        ),
        Column("issue_date", _tr("Issued"), "date", width=75),
        Column("due_date", _tr("Due"), "date", width=75),
    ),
    fields=FIELDS,
    create=InvoiceCreate,
    update=InvoiceUpdate,
    title="number",
    search_detail=("customer_name",),
    filters=(
        STATUS.list_filter,
        ListFilter(
            "customer_id", ref=Ref("customer", detail=("email", "city")), label=_tr("Any customer")
        ),
        ListFilter("issue_date", dates=True, label=_tr("Issued")),
    ),
    commands=(SEND, PAY, CANCEL),
    status=STATUS,
    depends_on=frozenset({"customer", "catalog_item"}),
    read=read,
    queued=with_queued,
    order=80,
    document=pdf,
)
