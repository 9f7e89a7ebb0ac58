"""``crm-server demo``'s inventory: warehouses with stock of the demo hardware, a transfer,
and orders that reserved, shipped and released stock, all through the services.

Runs after the demo catalog (``server/invoices/demo.py``); only into a database without
warehouses.
"""

from __future__ import annotations

import random

import sqlalchemy as sa

from common.inventory import AdjustStock, StockUpdate, TransferStock, WarehouseCreate
from common.orders import OrderCreate, OrderLineInput, SetOrderStatus
from server.catalog.models import Item
from server.context import AppContext
from server.customers.models import Customer
from server.inventory import stock, warehouses
from server.inventory.models import Stock, Warehouse
from server.orders import service as orders

SEED = 20261127
# name, location, capacity, low-stock threshold of its records
WAREHOUSES = (
    ("Main Warehouse", "New York, NY", 10_000, 10),
    ("Kyiv Depot", "Kyiv", 2_000, 5),
    ("Berlin Hub", "Berlin", None, None),
)
ORDER_PATHS = (
    ("pending", "confirmed"),  # reserved
    ("pending", "confirmed", "shipped"),  # issued
    ("pending", "confirmed", "cancelled"),  # reserved, then released
)


def fill_demo_inventory(ctx: AppContext, *, seed: int = SEED) -> dict[str, int]:
    """Three warehouses; stock of every active hardware item; a transfer; orders moving stock."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    made = {"warehouses": 0, "movements": 0, "orders": 0}
    with ctx.unit_of_work() as session:
        if session.scalar(sa.select(sa.func.count()).select_from(Warehouse)):
            raise RuntimeError(
                "the database already has warehouses; demo inventory goes only into none"
            )
        hardware = list(
            session.execute(
                sa.select(Item.id, Item.currency)
                .where(Item.sku.like("HW-%"), Item.status == "active")
                .order_by(Item.sku)
            )
        )
        places = []
        for name, location, capacity, threshold in WAREHOUSES:
            place = warehouses.create(
                session=session,
                actor=None,
                data=WarehouseCreate(name=name, location=location, capacity=capacity),
            )
            places.append((place, threshold))
            made["warehouses"] += 1
        for place, threshold in places:
            for item_id, _ in hardware:
                record = stock.record_for(session, item_id, place.id)
                if threshold is not None:
                    stock.update(
                        session=session,
                        actor=None,
                        id=record.id,
                        data=StockUpdate(low_stock_threshold=threshold),
                    )
                units = rng.choice((0, 3, 8, 25, 40, 60, 120))
                if units:
                    stock.adjust(
                        session=session,
                        actor=None,
                        id=record.id,
                        args=AdjustStock(quantity=units, reason="Opening count"),
                    )
                    made["movements"] += 1
        main, kyiv = places[0][0], places[1][0]
        usd = [i for i, currency in hardware if currency == "USD"]
        stocked = [i for i in usd if stock.record_for(session, i, main.id).quantity >= 2]
        if stocked:
            stock.transfer(
                session,
                None,
                TransferStock(
                    item_id=stocked[0],
                    from_warehouse_id=main.id,
                    to_warehouse_id=kyiv.id,
                    quantity=2,
                    reason="Restock the depot",
                ),
            )
            made["movements"] += 2
        buyers = list(
            session.scalars(
                sa.select(Customer.id)
                .where(Customer.active.is_(True), Customer.currency == "USD")
                .order_by(Customer.id)
                .limit(len(ORDER_PATHS))
            )
        )
        for n, customer_id in enumerate(buyers):
            in_stock = [
                s.item_id
                for s in session.scalars(
                    sa.select(Stock).where(
                        Stock.warehouse_id == main.id,
                        Stock.item_id.in_(usd),
                        Stock.quantity - Stock.reserved >= 2,
                    )
                )
            ]
            if not in_stock:
                break
            order = orders.create(
                session=session,
                actor=None,
                data=OrderCreate(
                    customer_id=customer_id,
                    warehouse_id=main.id,
                    lines=[OrderLineInput(item_id=rng.choice(in_stock), quantity=2)],
                    notes=f"Demo order from {main.name}",
                ),
            )
            for status in ORDER_PATHS[n]:
                orders.set_status(
                    session=session, actor=None, id=order.id, args=SetOrderStatus(status=status)
                )
            made["orders"] += 1
    return made
