"""Catalog categories on the desktop: a name, an optional parent (a tree), a description; no Qt.

Categories sync like every module (the server's ``catalog_category`` entity), so a
catalog item's category is picked from the replica, offline too, and a category made
here reaches the server as an ordinary create (the server refuses a parent that would
make a cycle, with its reason).
"""

from __future__ import annotations

from common.catalog import CATEGORY_ENTITY, CategoryCreate, CategoryUpdate
from desktop.core.kit.entity import QT_TRANSLATE_NOOP, Column, Entity, Field, Ref
from desktop.core.kit.projection import ListColumn, ListProjection, Lookup, text

C = "categories"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


PROJECTION = ListProjection(
    entity=CATEGORY_ENTITY,
    columns=(
        ListColumn("name", text("$.name")),
        ListColumn("parent_id", text("$.parent_id")),
        ListColumn("parent_name", lookup=Lookup(CATEGORY_ENTITY, "parent_id", text("$.name"))),
        ListColumn("description", text("$.description")),
    ),
    sort_keys=("name", "parent_name"),
    search=("name", "parent_name", "description"),
)

ENTITY = Entity(
    name=CATEGORY_ENTITY,
    context=C,
    label=_tr("Category"),
    plural=_tr("Categories"),
    count=_tr("%n category(ies)"),
    count_more=_tr("%1+ categories"),
    new_title=_tr("New category"),
    filter_hint=_tr("Filter by name, parent, description"),
    projection=PROJECTION,
    columns=(
        Column("name", _tr("Name"), width=200),
        Column("parent_name", _tr("Parent"), width=160),
        Column("description", _tr("Description"), sort=None, width=300),
    ),
    fields=(
        Field("name", _tr("Name"), required=True, live=True, example="Hardware"),
        Field("parent_id", _tr("Parent category"), "ref", ref=Ref(CATEGORY_ENTITY)),
        Field("description", _tr("Description"), "multiline"),
    ),
    create=CategoryCreate,
    update=CategoryUpdate,
    search_detail=("parent_name",),
    order=61,
)
