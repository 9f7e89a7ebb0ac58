"""The catalog on the desktop: items (SKU, name, category, price and currency, default tax
rate, status); no Qt.

An item's status is an ordinary field here (the server changes it by an edit,
not by a command), coloured in the list like a document's status; only an active
item is offered on a new document line. The category is picked from the synced
categories (desktop/core/categories.py); the list shows its name as the replica
has it now (a category made or renamed offline too) and filters by it.
"""

from __future__ import annotations

from common.catalog import CATEGORY_ENTITY, ITEM_ENTITY, ITEM_STATUSES, ItemCreate, ItemUpdate
from common.taxes import TAX_RATES
from desktop.core.kit.entity import (
    QT_TRANSLATE_NOOP,
    Choice,
    Column,
    Entity,
    Field,
    ListFilter,
    Ref,
)
from desktop.core.kit.projection import ListColumn, ListProjection, Lookup, integer, rank, text

C = "catalog"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


# Coloured from the palette as documents' statuses are: on sale, set aside, gone for good.
STATUS_CHOICES = (
    Choice("active", _tr("Active"), look="good"),
    Choice("inactive", _tr("Inactive"), look="muted"),
    Choice("discontinued", _tr("Discontinued"), look="warning"),
)
assert tuple(c.value for c in STATUS_CHOICES) == ITEM_STATUSES
# "" is no tax (the editor gives None for it); the rates' names are the table's.
TAX_CHOICES = (
    Choice("", QT_TRANSLATE_NOOP("kit", "No tax")),
    *(Choice(code, rate.name) for code, rate in TAX_RATES.items()),
)

PROJECTION = ListProjection(
    entity=ITEM_ENTITY,
    columns=(
        ListColumn("name", text("$.name")),
        ListColumn("sku", text("$.sku")),
        ListColumn("category_id", text("$.category_id")),
        ListColumn("category_name", lookup=Lookup(CATEGORY_ENTITY, "category_id", text("$.name"))),
        ListColumn("unit_price", integer("$.unit_price"), "integer"),
        ListColumn("currency", text("$.currency")),
        ListColumn("tax_rate", text("$.tax_rate")),
        ListColumn("status", "coalesce(json_extract({data}, '$.status'), 'active')"),
        ListColumn("status_rank", rank("$.status", ITEM_STATUSES), "integer"),
    ),
    sort_keys=("name", "sku", "category_name", "unit_price", "status_rank"),
    search=("name", "sku", "category_name", text("$.description")),
)

ENTITY = Entity(
    name=ITEM_ENTITY,
    context=C,
    label=_tr("Catalog item"),
    plural=_tr("Catalog"),
    count=_tr("%n item(s)"),
    count_more=_tr("%1+ items"),
    new_title=_tr("New catalog item"),
    filter_hint=_tr("Filter by name, SKU, category"),
    projection=PROJECTION,
    columns=(
        Column("name", _tr("Name"), width=200),
        Column("sku", _tr("SKU"), width=80),
        Column("category_name", _tr("Category"), width=110),
        Column("unit_price", _tr("Unit price"), "money", currency="currency", width=95),
        Column("tax_rate", _tr("Tax"), "choice", choices=TAX_CHOICES, sort=None, width=80),
        Column(
            "status", _tr("Status"), "choice", choices=STATUS_CHOICES, sort="status_rank", width=90
        ),
    ),
    fields=(
        Field("name", _tr("Name"), required=True, live=True, example="Sample item"),
        Field("sku", _tr("SKU"), required=True, live=True, example="SKU-100"),
        Field("description", _tr("Description"), "multiline"),
        Field("unit_price", _tr("Unit price"), "money", currency="currency", live=True, default=0),
        Field("currency", _tr("Currency"), "currency", beside="unit_price", live=True),
        Field("tax_rate", _tr("Tax rate"), "choice", choices=TAX_CHOICES),
        Field("status", _tr("Status"), "choice", choices=STATUS_CHOICES, default="active"),
        Field(
            "category_id",
            _tr("Category"),
            "ref",
            ref=Ref(CATEGORY_ENTITY, detail=("parent_name",)),
            placeholder=_tr("No category — type to search, or open the list"),
        ),
    ),
    create=ItemCreate,
    update=ItemUpdate,
    search_detail=("sku", "category_name"),
    filters=(
        ListFilter(
            "status",
            (
                (QT_TRANSLATE_NOOP("kit", "All"), None),
                *((c.label, c.value) for c in STATUS_CHOICES),
            ),
        ),
        ListFilter(
            "category_id",
            ref=Ref(CATEGORY_ENTITY, detail=("parent_name",)),
            label=_tr("Any category"),
        ),
    ),
    depends_on=frozenset({CATEGORY_ENTITY}),
    order=60,
)
