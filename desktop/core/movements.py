"""Stock movements on the desktop: the history of every stock change, read-only; no Qt.

Each movement says what changed (on hand and reserved, signed), what it left,
why, and which document moved it (an order: shown by its customer).
"""

from __future__ import annotations

from common.inventory import MOVEMENT_ENTITY, MOVEMENT_KINDS, MovementCreate, MovementUpdate
from desktop.core.kit.entity import QT_TRANSLATE_NOOP, Choice, Column, Entity, Field, ListFilter
from desktop.core.kit.projection import ListColumn, ListProjection, Lookup, integer, text

C = "movements"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


KIND_CHOICES = (
    Choice("adjust", _tr("Adjustment")),
    Choice("transfer_out", _tr("Transfer out")),
    Choice("transfer_in", _tr("Transfer in")),
    Choice("reserve", _tr("Reserved")),
    Choice("release", _tr("Released")),
    Choice("issue", _tr("Shipped")),
)
assert tuple(c.value for c in KIND_CHOICES) == MOVEMENT_KINDS

PROJECTION = ListProjection(
    entity=MOVEMENT_ENTITY,
    columns=(
        ListColumn("item_name", lookup=Lookup("catalog_item", "item_id", text("$.name"))),
        ListColumn("item_id", text("$.item_id")),
        ListColumn("stock_id", text("$.stock_id")),
        ListColumn("warehouse_id", text("$.warehouse_id")),
        ListColumn("warehouse_name", lookup=Lookup("warehouse", "warehouse_id", text("$.name"))),
        ListColumn("kind", text("$.kind")),
        ListColumn("quantity", integer("$.quantity"), "integer"),
        ListColumn("reserved", integer("$.reserved"), "integer"),
        ListColumn("quantity_after", integer("$.quantity_after"), "integer"),
        ListColumn("document_id", text("$.document_id")),
        ListColumn("document", lookup=Lookup("order", "document_id", text("$.customer_name"))),
        ListColumn("reason", text("$.reason")),
        ListColumn("created", text("$.created_at")),
    ),
    sort_keys=("created", "item_name", "warehouse_name", "kind", "quantity"),
    search=("item_name", "warehouse_name", "reason", "document"),
)

ENTITY = Entity(
    name=MOVEMENT_ENTITY,
    context=C,
    label=_tr("Stock movement"),
    plural=_tr("Stock movements"),
    count=_tr("%n movement(s)"),
    count_more=_tr("%1+ movements"),
    new_title=_tr("Stock movement"),
    filter_hint=_tr("Filter by item, warehouse, reason, customer"),
    projection=PROJECTION,
    columns=(
        Column("item_name", _tr("Item"), width=160),
        Column("warehouse_name", _tr("Warehouse"), width=120),
        Column("kind", _tr("Movement"), "choice", choices=KIND_CHOICES, width=95),
        Column("quantity", _tr("On hand ±"), "number", width=70),
        Column("reserved", _tr("Reserved ±"), "number", width=70),
        Column("quantity_after", _tr("On hand after"), "number", width=80),
        Column("document", _tr("Order of"), width=120),
        Column("reason", _tr("Reason"), width=140),
        Column("created", _tr("When"), "date", width=80),
    ),
    fields=(
        Field("item_name", _tr("Item"), read_only=True),
        Field("kind", _tr("Movement"), "choice", choices=KIND_CHOICES, read_only=True),
        Field("quantity", _tr("On hand ±"), "number", read_only=True),
        Field("reserved", _tr("Reserved ±"), "number", read_only=True),
        Field("quantity_after", _tr("On hand after"), "number", read_only=True),
        Field("reserved_after", _tr("Reserved after"), "number", read_only=True),
        Field("reason", _tr("Reason"), read_only=True),
        Field("document_type", _tr("Document"), read_only=True),
        Field("document_id", _tr("Document id"), read_only=True),
        Field("created_at", _tr("When"), "date", read_only=True),
    ),
    create=MovementCreate,
    update=MovementUpdate,
    title="item_name",
    search_detail=("warehouse_name", "kind"),
    filters=(
        ListFilter(
            "kind",
            (
                (QT_TRANSLATE_NOOP("kit", "All"), None),
                *((c.label, c.value) for c in KIND_CHOICES),
            ),
        ),
    ),
    depends_on=frozenset({"catalog_item", "warehouse", "order"}),
    order=68,
    creatable=False,
)
