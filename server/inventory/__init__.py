"""Inventory (spec sections Warehouses and Stock): three kit modules under ``inventory:read/write``.

``WAREHOUSE`` (``/api/v1/warehouses``: list, create, get, partial update,
activate/deactivate), ``STOCK`` (``/api/v1/stock``: one record per item and
warehouse, made by the server; the low-stock threshold is its only edit;
``POST /stock/:id/adjust``, the sync command ``transfer`` of the source record
and ``POST /stock/transfer``) and ``MOVEMENT`` (``/api/v1/stock/movements``:
read-only, written by every stock change). Quantities move only through
``stock.move``; orders reserve, issue and release through ``orders.py``.
"""

from __future__ import annotations

from common.inventory import (
    MOVEMENT_ENTITY,
    STOCK_ENTITY,
    WAREHOUSE_ENTITY,
    AdjustStock,
    MovementCreate,
    MovementQuery,
    MovementRead,
    MovementUpdate,
    StockCreate,
    StockQuery,
    StockRead,
    StockUpdate,
    TransferFrom,
    WarehouseCreate,
    WarehouseQuery,
    WarehouseRead,
    WarehouseUpdate,
)
from common.kit import NoArgs
from server.catalog.models import Item
from server.inventory import movements, stock, warehouses
from server.inventory.models import Stock, StockMovement, Warehouse
from server.inventory.reads import movement_read, stock_read, warehouse_read
from server.inventory.router import router as transfer_router
from server.kit import BASE_READ_ONLY, PAGE_LIMIT, Command, ListSpec, Ref, Resource, SyncSpec

WAREHOUSE = Resource[Warehouse](
    entity=WAREHOUSE_ENTITY,
    model=Warehouse,
    path="/api/v1/warehouses",
    permission="inventory",
    create=WarehouseCreate,
    update=WarehouseUpdate,
    read=warehouse_read,
    read_schema=WarehouseRead,
    service=warehouses,
    listing=ListSpec(
        query=WarehouseQuery,
        sorts=warehouses.SORTS,
        default_sort="name",
        filters={"active": Warehouse.active.__eq__},
        search=warehouses.search,
    ),
    commands=(
        Command("activate", warehouses.activate, args=NoArgs, summary="Activate a warehouse"),
        Command(
            "deactivate",
            warehouses.deactivate,
            args=NoArgs,
            summary="Deactivate a warehouse: no new orders or transfers into it",
        ),
    ),
    rest=PAGE_LIMIT.but(update="PATCH"),
    sync=SyncSpec(
        policies={"capacity": "manual"}, read_only=BASE_READ_ONLY | {"active", "stock_total"}
    ),
    tag="Warehouses",
)

# Listed before STOCK: its list route, /stock/movements, must come before /stock/{id}.
MOVEMENT = Resource[StockMovement](
    entity=MOVEMENT_ENTITY,
    model=StockMovement,
    path="/api/v1/stock/movements",
    permission="inventory",
    create=MovementCreate,
    update=MovementUpdate,
    read=movement_read,
    read_schema=MovementRead,
    service=movements,
    listing=ListSpec(
        query=MovementQuery,
        sorts=movements.SORTS,
        default_sort="created_at",
        default_order="desc",
        filters={
            "stock_id": StockMovement.stock_id.__eq__,
            "item_id": StockMovement.item_id.__eq__,
            "warehouse_id": StockMovement.warehouse_id.__eq__,
            "kind": StockMovement.kind.__eq__,
            "document_id": StockMovement.document_id.__eq__,
            "transfer_id": StockMovement.transfer_id.__eq__,
        },
    ),
    rest=PAGE_LIMIT.but(create=False, update=None),
    tag="Stock",
)

STOCK = Resource[Stock](
    entity=STOCK_ENTITY,
    model=Stock,
    path="/api/v1/stock",
    permission="inventory",
    create=StockCreate,
    update=StockUpdate,
    read=stock_read,
    read_schema=StockRead,
    service=stock,
    listing=ListSpec(
        query=StockQuery,
        sorts=stock.SORTS,
        default_sort="created_at",
        filters={
            "warehouse_id": Stock.warehouse_id.__eq__,
            "item_id": Stock.item_id.__eq__,
            "low": stock.low_filter,
        },
    ),
    commands=(
        Command(
            "adjust",
            stock.adjust,
            args=AdjustStock,
            http="POST",
            summary="Add (quantity > 0) or take away (< 0) units with a reason; 409 below what "
            "is reserved or over the warehouse's capacity",
        ),
        Command(
            "transfer",
            stock.transfer_from,
            args=TransferFrom,
            http=None,
            summary="Sync command of the source record (REST: POST /stock/transfer)",
        ),
    ),
    rest=PAGE_LIMIT.but(create=False, update="PATCH"),
    sync=SyncSpec(
        read_only=BASE_READ_ONLY
        | {
            "item_id",
            "item_sku",
            "item_name",
            "warehouse_id",
            "warehouse_name",
            "quantity",
            "reserved",
            "available",
            "low",
        }
    ),
    references=(
        Ref(
            Stock.item_id,
            Item,
            "A catalog item with stock records cannot be deleted; discontinue it instead",
            ("stock", "This item has stock records"),
        ),
    ),
    load=stock.LOAD,
    routers=(transfer_router,),
    tag="Stock",
)
