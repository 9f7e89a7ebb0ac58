"""Catalog items and their categories (a tree)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.catalog import ITEM_STATUSES
from server.db import Base, IdMixin, TimestampMixin
from server.sync.models import SyncedMixin

_STATUS_LIST = ", ".join(f"'{s}'" for s in ITEM_STATUSES)


class Category(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "catalog_categories"
    __entity__ = "catalog_category"

    name: Mapped[str] = mapped_column(sa.String(200))
    parent_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("catalog_categories.id"), index=True
    )
    description: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        sa.Index("ix_catalog_categories_name_id", "name", "id"),
        sa.Index("ix_catalog_categories_created_at_id", "created_at", "id"),
    )


class Item(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "catalog_items"
    __entity__ = "catalog_item"

    sku: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    category_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("catalog_categories.id"), index=True
    )
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)  # cents
    currency: Mapped[str] = mapped_column(sa.String(3))
    tax_rate: Mapped[str | None] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(12))

    category: Mapped[Category | None] = relationship(lazy="raise")

    __table_args__ = (
        sa.CheckConstraint("unit_price >= 0", name="unit_price_nonnegative"),
        sa.CheckConstraint(f"status IN ({_STATUS_LIST})", name="status"),
        sa.Index("ix_catalog_items_name_id", "name", "id"),
        sa.Index("ix_catalog_items_sku_id", "sku", "id"),
        sa.Index("ix_catalog_items_unit_price_id", "unit_price", "id"),
        sa.Index("ix_catalog_items_created_at_id", "created_at", "id"),
        sa.Index("ix_catalog_items_status", "status"),
    )
