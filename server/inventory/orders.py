"""What an order's status does to stock (DESIGN.md, Domain rules).

An order that names a warehouse reserves its items' quantities there when it
is confirmed (409 when not enough is available), issues them (on hand and
reserved both go down) when it ships, and releases the reservation when a
confirmed order is cancelled. A shipped order that is cancelled moves nothing:
the goods have left; bringing them back is an adjustment. An order without a
warehouse (services, drop shipping) moves no stock.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from common.inventory import MovementKind
from server.auth.principal import Principal
from server.errors import Conflict, ValidationFailed
from server.inventory.models import Warehouse
from server.inventory.stock import Change, Document, move, record_for
from server.orders.models import Order


def check_warehouse(session: Session, warehouse_id: str | None) -> None:
    """An order may name an existing, active warehouse (or none)."""
    if warehouse_id is None:
        return
    warehouse = session.get(Warehouse, warehouse_id)
    if warehouse is None:
        raise ValidationFailed({"warehouse_id": "No such warehouse"})
    if not warehouse.active:
        raise Conflict(
            f"{warehouse.name} is inactive: it takes no new orders",
            details={"warehouse_id": "Inactive warehouse"},
        )


def follow_status(
    session: Session, actor: Principal | None, order: Order, current: str, target: str
) -> None:
    """Reserve, issue or release the order's quantities as its status moves."""
    if order.warehouse_id is None:
        return
    kind: MovementKind
    if target == "confirmed":
        check_warehouse(session, order.warehouse_id)
        kind, on_hand, reserved = "reserve", 0, 1
    elif target == "shipped":
        kind, on_hand, reserved = "issue", -1, -1
    elif target == "cancelled" and current == "confirmed":
        kind, on_hand, reserved = "release", 0, -1
    else:
        return
    per_item: dict[str, int] = {}
    for line in order.lines:
        if line.item_id is not None:
            per_item[line.item_id] = per_item.get(line.item_id, 0) + line.quantity
    changes = [
        Change(
            record_for(session, item_id, order.warehouse_id).id,
            kind,
            quantity=on_hand * units,
            reserved=reserved * units,
        )
        for item_id, units in sorted(per_item.items())
    ]
    if changes:
        move(session, actor, changes, document=Document("order", order.id))
