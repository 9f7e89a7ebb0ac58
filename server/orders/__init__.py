"""Orders (spec section Orders): the module's declaration."""

from __future__ import annotations

from common.orders import (
    ENTITY,
    InvoiceOrder,
    OrderCreate,
    OrderQuery,
    OrderRead,
    OrderUpdate,
    SetOrderStatus,
)
from server.catalog.models import Item
from server.customers.models import Customer
from server.kit import Child, Command, ListSpec, Ref, Resource, RestShape
from server.orders import service
from server.orders.models import Order, OrderLine
from server.orders.reads import order_read
from server.orders.sync import SYNC

RESOURCE = Resource[Order](
    entity=ENTITY,
    model=Order,
    path="/api/v1/orders",
    permission="orders",
    create=OrderCreate,
    update=OrderUpdate,
    read=order_read,
    read_schema=OrderRead,
    service=service,
    listing=ListSpec(
        query=OrderQuery,
        sorts=service.SORTS,
        default_sort="created_at",
        default_order="desc",
        filters={"status": Order.status.__eq__, "customer_id": Order.customer_id.__eq__},
        search=service.search_filter,
    ),
    commands=(
        Command(
            "status",
            service.set_status,
            args=SetOrderStatus,
            summary="Move along draft -> pending -> confirmed -> shipped -> delivered, or cancel; 409 if the table forbids it",
        ),
        Command(
            "invoice",
            service.invoice,
            args=InvoiceOrder,
            http="POST",
            summary="Make a draft invoice of the order's lines (confirmed or later, once)",
        ),
    ),
    rest=RestShape("page", update="PATCH"),
    sync=SYNC,
    references=(
        Ref(
            Order.customer_id,
            Customer,
            "A customer with orders cannot be deleted",
            ("orders", "This customer has orders"),
        ),
        Ref(
            OrderLine.item_id,
            Item,
            "A catalog item on an order cannot be deleted; discontinue it instead",
            ("orders", "This item is on orders"),
        ),
    ),
    children=(Child(OrderLine, service.LOAD[2]),),
    load=(service.LOAD[0], service.LOAD[1]),
    tag="Orders",
)
