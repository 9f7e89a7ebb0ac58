"""Warehouses on the desktop: name, location, capacity, the units held, active flag; no Qt.

``active`` changes only by the server's ``activate``/``deactivate`` commands (the
customers' flag, ``kit/parties.ACTIVE``); ``stock_total`` is the server's sum of the
warehouse's stock, shown beside its capacity.
"""

from __future__ import annotations

from common.inventory import WAREHOUSE_ENTITY, WarehouseCreate, WarehouseUpdate
from desktop.core.kit.entity import QT_TRANSLATE_NOOP, Column, Entity, Field
from desktop.core.kit.parties import ACTIVE
from desktop.core.kit.projection import ListColumn, ListProjection, integer, text

C = "warehouses"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


PROJECTION = ListProjection(
    entity=WAREHOUSE_ENTITY,
    columns=(
        ListColumn("name", text("$.name")),
        ListColumn("location", text("$.location")),
        # Text: none is '' (unlimited); the kit's number display reads it back.
        ListColumn("capacity", "coalesce(json_extract({data}, '$.capacity'), '')"),
        ListColumn("stock_total", integer("$.stock_total"), "integer"),
        ACTIVE.list_column,
    ),
    sort_keys=("name", "location", "stock_total", "active"),
    search=("name", "location"),
)

ENTITY = Entity(
    name=WAREHOUSE_ENTITY,
    context=C,
    label=_tr("Warehouse"),
    plural=_tr("Warehouses"),
    count=_tr("%n warehouse(s)"),
    count_more=_tr("%1+ warehouses"),
    new_title=_tr("New warehouse"),
    filter_hint=_tr("Filter by name, location"),
    projection=PROJECTION,
    columns=(
        Column("name", _tr("Name"), width=180),
        Column("location", _tr("Location"), width=150),
        Column("stock_total", _tr("Units held"), "number", width=90),
        Column("capacity", _tr("Capacity"), "number", sort=None, width=90, empty=_tr("Unlimited")),
        ACTIVE.column,
    ),
    fields=(
        Field("name", _tr("Name"), required=True, live=True, example="Main Warehouse"),
        Field("location", _tr("Location"), placeholder=_tr("City, region")),
        Field("capacity", _tr("Capacity"), "number", placeholder=_tr("Unlimited"), example=500),
        Field("stock_total", _tr("Units held"), "number", read_only=True),
        ACTIVE.form_field,
    ),
    create=WarehouseCreate,
    update=WarehouseUpdate,
    search_detail=("location",),
    filters=(ACTIVE.list_filter,),
    commands=ACTIVE.commands,
    status=ACTIVE,
    order=64,
)
