"""Warehouses, stock records and movements as REST and replicas read them."""

from __future__ import annotations

from common.inventory import (
    DocumentType,
    MovementKind,
    MovementRead,
    StockRead,
    WarehouseRead,
    is_low,
)
from server.inventory.models import Stock, StockMovement, Warehouse


def warehouse_read(w: Warehouse) -> WarehouseRead:
    return WarehouseRead(
        id=w.id,
        name=w.name,
        location=w.location,
        capacity=w.capacity,
        active=w.active,
        stock_total=w.stock_total,
        created_at=w.created_at,
        updated_at=w.updated_at,
    )


def stock_read(s: Stock) -> StockRead:
    return StockRead(
        id=s.id,
        item_id=s.item_id,
        item_sku=s.item.sku,
        item_name=s.item.name,
        warehouse_id=s.warehouse_id,
        warehouse_name=s.warehouse.name,
        quantity=s.quantity,
        reserved=s.reserved,
        available=s.quantity - s.reserved,
        low_stock_threshold=s.low_stock_threshold,
        low=is_low(s.quantity, s.reserved, s.low_stock_threshold),
        created_at=s.created_at,
        updated_at=s.updated_at,
    )


def movement_read(m: StockMovement) -> MovementRead:
    kind: MovementKind = m.kind  # type: ignore[assignment]  # the CHECK constraint keeps it one
    document: DocumentType | None = m.document_type  # type: ignore[assignment]
    return MovementRead(
        id=m.id,
        stock_id=m.stock_id,
        item_id=m.item_id,
        warehouse_id=m.warehouse_id,
        kind=kind,
        quantity=m.quantity,
        reserved=m.reserved,
        quantity_after=m.quantity_after,
        reserved_after=m.reserved_after,
        reason=m.reason,
        document_type=document,
        document_id=m.document_id,
        transfer_id=m.transfer_id,
        actor_id=m.actor_id,
        created_at=m.created_at,
    )
