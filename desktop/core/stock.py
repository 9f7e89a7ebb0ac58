"""Stock on the desktop: one record per catalog item and warehouse, made by the server; no Qt.

Quantities change only by the server's commands: ``adjust`` (a signed change with a
reason) and ``transfer`` (to another warehouse), asked in dialogs and checked with
the server's argument schemas before they are queued. A queued one shows as
"Adjusting…" until the pull brings the server's quantities; one the server refuses
(below zero, over capacity) leaves the outbox and the window tells the user why,
so the record shows the server's quantity again. The low-stock threshold is the
record's own (an edit); a record at or below it is flagged in the list. Its
movements are listed under the form.
"""

from __future__ import annotations

from common.inventory import (
    STOCK_ENTITY,
    AdjustStock,
    StockCreate,
    StockUpdate,
    TransferFrom,
)
from desktop.core.kit.entity import (
    QT_TRANSLATE_NOOP,
    Column,
    Command,
    Entity,
    Field,
    ListFilter,
    Ref,
    Related,
)
from desktop.core.kit.projection import ListColumn, ListProjection, Lookup, integer, text
from desktop.core.kit.status import State, Status

C = "stock"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


ADJUST = Command(
    "adjust",
    _tr("Adjust…"),
    _tr("Adjustment queued — the server checks it at the next sync"),
    pending=_tr("Adjusting…"),
    ask=(
        Field(
            "quantity",
            _tr("Change (+ adds, - takes away)"),
            "number",
            required=True,
            placeholder=_tr("e.g. 10 or -3"),
        ),
        Field("reason", _tr("Reason"), required=True, placeholder=_tr("Inventory count")),
    ),
    schema=AdjustStock,
)
TRANSFER = Command(
    "transfer",
    _tr("Transfer…"),
    _tr("Transfer queued — the server checks it at the next sync"),
    pending=_tr("Transferring…"),
    ask=(
        Field(
            "to_warehouse_id",
            _tr("To warehouse"),
            "ref",
            ref=Ref("warehouse", detail=("location",), filters={"active": True}),
            required=True,
        ),
        Field("quantity", _tr("Quantity"), "number", required=True),
        Field("reason", _tr("Reason")),
    ),
    schema=TransferFrom,
)

_AVAILABLE = f"({integer('$.quantity')} - {integer('$.reserved')})"
# Low: what is available is at or below the record's threshold (computed here, so an
# edited threshold shows at once).
LOW = Status(
    field="low",
    label=_tr("Stock level"),
    states=(State(False, _tr("OK")), State(True, _tr("Low stock"), look="warning")),
    commands=(),
    sql=(
        "CASE WHEN json_extract({data}, '$.low_stock_threshold') IS NOT NULL AND "
        f"{_AVAILABLE} <= json_extract({{data}}, '$.low_stock_threshold') THEN 1 ELSE 0 END"
    ),
    type="integer",
    width=85,
)

PROJECTION = ListProjection(
    entity=STOCK_ENTITY,
    columns=(
        ListColumn(
            "item_name",
            lookup=Lookup("catalog_item", "item_id", text("$.name")),
        ),
        ListColumn("item_id", text("$.item_id")),
        ListColumn("sku", lookup=Lookup("catalog_item", "item_id", text("$.sku"))),
        ListColumn("warehouse_id", text("$.warehouse_id")),
        ListColumn(
            "warehouse_name",
            lookup=Lookup("warehouse", "warehouse_id", text("$.name")),
        ),
        ListColumn("quantity", integer("$.quantity"), "integer"),
        ListColumn("reserved", integer("$.reserved"), "integer"),
        ListColumn("available", _AVAILABLE, "integer"),
        LOW.list_column,
    ),
    sort_keys=("item_name", "sku", "warehouse_name", "quantity", "available", "low"),
    search=("item_name", "sku", "warehouse_name"),
)

ENTITY = Entity(
    name=STOCK_ENTITY,
    context=C,
    label=_tr("Stock"),
    plural=_tr("Stock"),
    count=_tr("%n stock record(s)"),
    count_more=_tr("%1+ stock records"),
    new_title=_tr("Stock"),
    filter_hint=_tr("Filter by item, SKU, warehouse"),
    projection=PROJECTION,
    columns=(
        Column("item_name", _tr("Item"), width=170),
        Column("sku", _tr("SKU"), width=85),
        Column("warehouse_name", _tr("Warehouse"), width=120),
        Column("quantity", _tr("On hand"), "number", width=70),
        Column("reserved", _tr("Reserved"), "number", width=70),
        Column("available", _tr("Available"), "number", width=70),
        LOW.column,
    ),
    fields=(
        Field("item_name", _tr("Item"), read_only=True),
        Field("item_sku", _tr("SKU"), read_only=True),
        Field("warehouse_name", _tr("Warehouse"), read_only=True),
        Field("quantity", _tr("On hand"), "number", read_only=True),
        Field("reserved", _tr("Reserved"), "number", read_only=True),
        Field("available", _tr("Available"), "number", read_only=True),
        LOW.form_field,
        Field(
            "low_stock_threshold",
            _tr("Low-stock threshold"),
            "number",
            placeholder=_tr("None"),
            example=5,
        ),
    ),
    create=StockCreate,
    update=StockUpdate,
    title="item_name",
    search_detail=("warehouse_name", "sku"),
    filters=(
        LOW.list_filter,
        ListFilter(
            "warehouse_id",
            ref=Ref("warehouse", detail=("location",)),
            label=_tr("Any warehouse"),
        ),
    ),
    commands=(ADJUST, TRANSFER),
    status=LOW,
    depends_on=frozenset({"catalog_item", "warehouse"}),
    related=(
        Related(
            "stock_movement",
            via="stock_id",
            label=_tr("Movements"),
            columns=("kind", "quantity", "reserved", "document", "reason"),
        ),
    ),
    order=66,
    creatable=False,
)
