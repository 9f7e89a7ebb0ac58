"""Warehouses, stock records (one per catalog item and warehouse) and stock movements.

The database holds the stock rules too: a record's quantity and reserved
quantity are never negative and reserved never exceeds quantity; a warehouse's
``stock_total`` (kept equal to the sum of its records' quantities by the one
function that moves stock, ``stock.move``) is never negative nor over its
capacity. Movements are written once and never change.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.inventory import DOCUMENT_TYPES, MOVEMENT_KINDS
from server.catalog.models import Item
from server.db import Base, IdMixin, TimestampMixin, utcnow
from server.sync.models import SyncedMixin


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Warehouse(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "warehouses"
    __entity__ = "warehouse"

    name: Mapped[str] = mapped_column(sa.String(200))
    location: Mapped[str | None] = mapped_column(sa.String(200))
    capacity: Mapped[int | None] = mapped_column(sa.BigInteger)
    active: Mapped[bool] = mapped_column(default=True)
    stock_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_nonnegative"),
        sa.CheckConstraint("stock_total >= 0", name="stock_total_nonnegative"),
        sa.CheckConstraint(
            "capacity IS NULL OR stock_total <= capacity", name="stock_within_capacity"
        ),
        sa.Index("ix_warehouses_name_id", "name", "id"),
        sa.Index("ix_warehouses_created_at_id", "created_at", "id"),
    )


class Stock(IdMixin, TimestampMixin, SyncedMixin, Base):
    __tablename__ = "stock"
    __entity__ = "stock"

    item_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("catalog_items.id"))
    warehouse_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("warehouses.id"))
    quantity: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    low_stock_threshold: Mapped[int | None] = mapped_column(sa.BigInteger)

    item: Mapped[Item] = relationship(lazy="raise")
    warehouse: Mapped[Warehouse] = relationship(lazy="raise")

    __table_args__ = (
        sa.UniqueConstraint("warehouse_id", "item_id", name="uq_stock_warehouse_id_item_id"),
        sa.CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
        sa.CheckConstraint("reserved >= 0", name="reserved_nonnegative"),
        sa.CheckConstraint("reserved <= quantity", name="reserved_within_quantity"),
        sa.CheckConstraint(
            "low_stock_threshold IS NULL OR low_stock_threshold >= 0", name="threshold_nonnegative"
        ),
        sa.Index("ix_stock_item_id", "item_id"),
        sa.Index("ix_stock_quantity_id", "quantity", "id"),
        sa.Index("ix_stock_created_at_id", "created_at", "id"),
        sa.Index("ix_stock_updated_at_id", "updated_at", "id"),
    )


class StockMovement(IdMixin, SyncedMixin, Base):
    """One change of a stock record: written with the change, never changed after."""

    __tablename__ = "stock_movements"
    __entity__ = "stock_movement"

    stock_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("stock.id"))
    item_id: Mapped[str] = mapped_column(sa.String(36))
    warehouse_id: Mapped[str] = mapped_column(sa.String(36))
    kind: Mapped[str] = mapped_column(sa.String(12))
    quantity: Mapped[int] = mapped_column(sa.BigInteger)  # change of the quantity on hand
    reserved: Mapped[int] = mapped_column(sa.BigInteger)  # change of the reserved quantity
    quantity_after: Mapped[int] = mapped_column(sa.BigInteger)
    reserved_after: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    document_type: Mapped[str | None] = mapped_column(sa.String(20))
    document_id: Mapped[str | None] = mapped_column(sa.String(36))
    transfer_id: Mapped[str | None] = mapped_column(sa.String(36))
    actor_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({_in(MOVEMENT_KINDS)})", name="kind"),
        sa.CheckConstraint(
            f"document_type IS NULL OR document_type IN ({_in(DOCUMENT_TYPES)})",
            name="document_type",
        ),
        sa.CheckConstraint("quantity <> 0 OR reserved <> 0", name="moves_something"),
        sa.CheckConstraint(
            "quantity_after >= 0 AND reserved_after >= 0 AND reserved_after <= quantity_after",
            name="after_within_rules",
        ),
        sa.Index("ix_stock_movements_stock_id_created_at", "stock_id", "created_at"),
        sa.Index("ix_stock_movements_created_at_id", "created_at", "id"),
        sa.Index("ix_stock_movements_item_id", "item_id"),
        sa.Index("ix_stock_movements_warehouse_id", "warehouse_id"),
        sa.Index("ix_stock_movements_document_id", "document_id"),
        sa.Index("ix_stock_movements_transfer_id", "transfer_id"),
    )
