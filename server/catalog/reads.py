"""Catalog records as REST and replicas read them."""

from __future__ import annotations

from common.catalog import CategoryRead, ItemRead, ItemStatus
from server.catalog.models import Category, Item


def category_read(c: Category) -> CategoryRead:
    return CategoryRead(
        id=c.id,
        name=c.name,
        parent_id=c.parent_id,
        description=c.description,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


def item_read(i: Item) -> ItemRead:
    status: ItemStatus = i.status  # type: ignore[assignment]  # the CHECK constraint keeps it one
    return ItemRead(
        id=i.id,
        sku=i.sku,
        name=i.name,
        description=i.description,
        category_id=i.category_id,
        category_name=i.category.name if i.category else None,
        unit_price=i.unit_price,
        currency=i.currency,
        tax_rate=i.tax_rate,
        status=status,
        created_at=i.created_at,
        updated_at=i.updated_at,
    )
