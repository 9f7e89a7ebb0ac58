"""Orders on the desktop: the module's declaration, its status moves and "Invoice this order"; no Qt.

A draft made here is the create body (``OrderCreate``) until the server's row
is pulled: it has no number yet (shown as "Draft"; the server numbers it
``ORD-<year>-<nnn>`` when it gets it); its total is computed here from its lines (kit/documents.py). The
status moves only by the server's ``status`` command along
``common.orders.TRANSITIONS`` (each move is a declared command with its
target as fixed arguments: Submit, Confirm, Ship, Mark delivered, Cancel); an
order from confirmed on can be invoiced (the ``invoice`` command names the new
draft invoice's id, made here). The shipping address is sent whole. The warehouse
(chosen until the order is confirmed) is where confirming reserves its items.
"""

from __future__ import annotations

from typing import Any

from common.orders import (
    ENTITY as ENTITY_NAME,
)
from common.orders import (
    INVOICEABLE,
    TRANSITIONS,
    InvoiceOrder,
    OrderCreate,
    OrderUpdate,
)
from desktop.core.kit.documents import document_totals, total_sql
from desktop.core.kit.entity import (
    QT_TRANSLATE_NOOP,
    Column,
    Command,
    Entity,
    Field,
    ListFilter,
    Record,
    Ref,
    get_path,
)
from desktop.core.kit.parties import address_fields
from desktop.core.kit.projection import ListColumn, ListProjection, Lookup, text
from desktop.core.kit.status import State, Status

C = "orders"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


def _move(
    name: str, label: str, target: str, done: str, pending: str, confirm: str = ""
) -> Command:
    return Command(
        name,
        label,
        done,
        pending=pending,
        sets=("status", target),
        server="status",
        args={"status": target},
        confirm=confirm,
    )


COMMANDS = (
    _move(
        "submit",
        _tr("Submit"),
        "pending",
        _tr("Submitted — the server confirms it at the next sync"),
        _tr("Submitting…"),
    ),
    _move(
        "confirm",
        _tr("Confirm"),
        "confirmed",
        _tr("Confirmed — the server checks it at the next sync"),
        _tr("Confirming…"),
    ),
    _move(
        "ship",
        _tr("Ship"),
        "shipped",
        _tr("Shipped — the server confirms it at the next sync"),
        _tr("Shipping…"),
    ),
    _move(
        "deliver",
        _tr("Mark delivered"),
        "delivered",
        _tr("Delivered — the server confirms it at the next sync"),
        _tr("Delivering…"),
    ),
    _move(
        "cancel",
        _tr("Cancel order"),
        "cancelled",
        _tr("Cancellation — the server confirms it at the next sync"),
        _tr("Cancelling…"),
        confirm=_tr("Cancel the order %1? A cancelled order cannot be moved on again."),
    ),
)
INVOICE = Command(
    "invoice",
    _tr("Invoice this order"),
    _tr("A draft invoice of its lines — the server makes it at the next sync"),
    pending=_tr("Invoicing…"),
    schema=InvoiceOrder,
    offered_in=INVOICEABLE,
    new_id="invoice_id",
    confirm=_tr("Make a draft invoice of the order %1's lines?"),
)

_ADDRESS = frozenset(
    f"shipping_address.{n}" for n in ("street", "city", "region", "postal_code", "country")
)
STATUS = Status(
    field="status",
    label=_tr("Status"),
    states=(
        State("draft", _tr("Draft"), look="muted"),
        State(
            "pending",
            _tr("Pending"),
            look="accent",
            editable=_ADDRESS | {"notes", "warehouse_id"},
            note=_tr("Submitted: only the warehouse, the shipping address and notes can change"),
        ),
        State(
            "confirmed",
            _tr("Confirmed"),
            look="accent",
            editable=_ADDRESS | {"notes"},
            note=_tr("Confirmed: only the shipping address and notes can change"),
        ),
        State(
            "shipped",
            _tr("Shipped"),
            look="accent",
            editable=frozenset({"notes"}),
            note=_tr("Shipped: only the notes can change"),
        ),
        State(
            "delivered",
            _tr("Delivered"),
            look="good",
            editable=frozenset({"notes"}),
            note=_tr("Delivered: only the notes can change"),
        ),
        State(
            "cancelled",
            _tr("Cancelled"),
            look="muted",
            editable=frozenset({"notes"}),
            note=_tr("Cancelled: only the notes can change"),
        ),
    ),
    commands=COMMANDS,
    sql="coalesce(json_extract({data}, '$.status'), 'draft')",
    transitions=TRANSITIONS,
    width=95,
)


def read(record: Record) -> Record:
    """{field: value} of an order in either shape (a pulled address has ``country_code``)."""
    values: Record = {f.name: get_path(record, f.path) for f in FIELDS}
    address: Any = record.get("shipping_address")
    if isinstance(address, dict):
        values["shipping_address.region"] = address.get("region") or address.get("state")
        values["shipping_address.country"] = address.get("country") or address.get("country_code")
    sums = document_totals(record.get("lines"))
    values.update(status=record.get("status") or "draft", total=sums.total)
    return values


def to_create(values: Record) -> Record:
    """Form values -> ``OrderCreate``: no shipping address when none of it was typed."""
    data: Record = {k: v for k, v in values.items() if "." not in k and v is not None}
    address = {
        k.removeprefix("shipping_address."): v
        for k, v in values.items()
        if k.startswith("shipping_address.")
    }
    if any(v is not None for v in address.values()):
        data["shipping_address"] = address
    return data


PROJECTION = ListProjection(
    entity=ENTITY_NAME,
    columns=(
        ListColumn("number", text("$.number")),
        ListColumn(
            "customer_name",
            lookup=Lookup("customer", "customer_id", text("$.name")),
        ),
        ListColumn("customer_id", text("$.customer_id")),
        STATUS.list_column,
        ListColumn("created", text("$.created_at")),
        ListColumn("currency", text("$.currency")),
        ListColumn("total", total_sql(), "integer"),
        ListColumn("city", text("$.shipping_address.city")),
        ListColumn("notes", text("$.notes")),
    ),
    sort_keys=("number", "customer_name", "status", "created", "total"),
    search=("number", "customer_name", "city", "notes"),
)

FIELDS: tuple[Field, ...] = (
    Field("number", _tr("Number"), read_only=True, empty=_tr("Draft")),
    Field("customer_name", _tr("Customer"), read_only=True, in_form=False),
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
    # Reserves on confirm, issues on ship, releases on cancel; none: no stock moves.
    Field(
        "warehouse_id",
        _tr("Warehouse"),
        "ref",
        ref=Ref("warehouse", detail=("location",), filters={"active": True}),
        placeholder=_tr("None: no stock moves"),
    ),
    Field(
        "lines",
        _tr("Lines"),
        "lines",
        currency="currency",
        ref=Ref("catalog_item", detail=("sku",), filters={"status": "active"}),
    ),
    Field("notes", _tr("Notes"), "multiline"),
    *(
        Field(
            f.name.replace("address.", "shipping_address."),
            f.label,
            f.kind,
            ref=f.ref,
            group="shipping",
        )
        for f in address_fields()
    ),
    Field("total", _tr("Total"), "money", currency="currency", in_form=False),
)

ENTITY = Entity(
    name=ENTITY_NAME,
    context=C,
    label=_tr("Order"),
    plural=_tr("Orders"),
    count=_tr("%n order(s)"),
    count_more=_tr("%1+ orders"),
    new_title=_tr("New order"),
    untitled=_tr("Draft order"),
    filter_hint=_tr("Filter by number, customer, city, notes"),
    projection=PROJECTION,
    columns=(
        Column("number", _tr("Number"), width=100, empty=_tr("Draft")),
        Column("customer_name", _tr("Customer"), width=150),
        STATUS.column,
        Column("total", _tr("Total"), "money", currency="currency", width=95),
        Column("city", _tr("Ships to"), width=100),
        Column("created", _tr("Created"), "date", width=80),
    ),
    fields=FIELDS,
    create=OrderCreate,
    update=OrderUpdate,
    title="number",
    search_detail=("customer_name", "city"),
    groups={"shipping": _tr("Shipping address")},
    whole=frozenset({"shipping_address"}),
    filters=(
        STATUS.list_filter,
        ListFilter(
            "customer_id", ref=Ref("customer", detail=("email", "city")), label=_tr("Any customer")
        ),
    ),
    commands=(*COMMANDS, INVOICE),
    status=STATUS,
    depends_on=frozenset({"customer", "catalog_item", "warehouse"}),
    read=read,
    to_create=to_create,
    order=70,
)
