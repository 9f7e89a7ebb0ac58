"""The catalog (spec section Catalog): items and categories, two kit modules under ``/catalog``."""

from __future__ import annotations

from common.catalog import (
    CATEGORY_ENTITY,
    ITEM_ENTITY,
    CategoryCreate,
    CategoryQuery,
    CategoryRead,
    CategoryUpdate,
    ItemCreate,
    ItemQuery,
    ItemRead,
    ItemUpdate,
)
from server.catalog.models import Category, Item
from server.catalog.reads import category_read, item_read
from server.catalog.service import CATEGORIES, ITEMS
from server.kit import BASE_READ_ONLY, PAGE_LIMIT, ListSpec, Ref, Resource, SyncSpec

CATEGORY = Resource[Category](
    entity=CATEGORY_ENTITY,
    model=Category,
    path="/api/v1/catalog/categories",
    permission="catalog",
    create=CategoryCreate,
    update=CategoryUpdate,
    read=category_read,
    read_schema=CategoryRead,
    service=CATEGORIES,
    listing=ListSpec(
        query=CategoryQuery,
        sorts=CATEGORIES.sorts,
        default_sort="name",
        filters={"parent_id": Category.parent_id.__eq__},
        search=CATEGORIES.search,
    ),
    rest=PAGE_LIMIT.but(update="PATCH"),
    references=(
        Ref(
            Category.parent_id,
            Category,
            "A category with sub-categories cannot be deleted",
            ("categories", "This category has sub-categories"),
        ),
    ),
    tag="Catalog",
)

ITEM = Resource[Item](
    entity=ITEM_ENTITY,
    model=Item,
    path="/api/v1/catalog/items",
    permission="catalog",
    create=ItemCreate,
    update=ItemUpdate,
    read=item_read,
    read_schema=ItemRead,
    service=ITEMS,
    listing=ListSpec(
        query=ItemQuery,
        sorts=ITEMS.sorts,
        default_sort="name",
        filters={"category_id": Item.category_id.__eq__, "status": Item.status.__eq__},
        search=ITEMS.search,
    ),
    rest=PAGE_LIMIT.but(update="PATCH"),
    # A price, its currency and the status are never merged automatically.
    sync=SyncSpec(
        policies={"unit_price": "manual", "currency": "manual", "status": "manual"},
        read_only=BASE_READ_ONLY | {"category_name"},
    ),
    references=(
        Ref(
            Item.category_id,
            Category,
            "A category with items cannot be deleted; move its items first",
            ("items", "This category has items"),
        ),
    ),
    load=(ITEMS.load,),
    tag="Catalog",
)
