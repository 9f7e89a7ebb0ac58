"""Warehouses: a name, a location, a capacity and an active flag changed by commands.

A new warehouse gets a stock record for every catalog item (``stock.open_records``).
Its capacity never drops below what it holds; it is never deleted (deactivate it).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.inventory import WarehouseCreate, WarehouseUpdate
from common.kit import NoArgs
from server.auth.principal import Principal
from server.errors import Conflict, NotFound
from server.inventory.models import Warehouse
from server.inventory.stock import open_records
from server.listing import substring_filter
from server.unit_of_work import note

SORTS = {"name": Warehouse.name, "created_at": Warehouse.created_at}


def search(session: Session, text: str) -> sa.ColumnElement[bool]:
    return substring_filter(session, (Warehouse.name, Warehouse.location), text)


def get(*, session: Session, actor: Principal | None, id: str) -> Warehouse:  # noqa: ARG001
    warehouse = session.get(Warehouse, id)
    if warehouse is None:
        raise NotFound("Warehouse not found")
    return warehouse


def _for_write(session: Session, id: str) -> Warehouse:
    session.flush()
    warehouse = session.get(Warehouse, id, with_for_update=True, populate_existing=True)
    if warehouse is None:
        raise NotFound("Warehouse not found")
    return warehouse


def create(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    data: WarehouseCreate,
    id: str | None = None,
) -> Warehouse:
    warehouse = Warehouse(**({"id": id} if id else {}), **data.model_dump(), stock_total=0)
    session.add(warehouse)
    session.flush()
    open_records(session, warehouse_id=warehouse.id)
    return warehouse


def update(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001
    id: str,
    data: WarehouseUpdate,
) -> Warehouse:
    """Partial update; a capacity below the units held is a 409 (the row is locked to compare)."""
    warehouse = _for_write(session, id)
    changes = data.changes()
    capacity = changes.get("capacity")
    if capacity is not None and capacity < warehouse.stock_total:
        raise Conflict(
            f"{warehouse.name} holds {warehouse.stock_total} units: "
            f"its capacity cannot be {capacity}",
            details={"capacity": f"At least {warehouse.stock_total}"},
        )
    for key, value in changes.items():
        setattr(warehouse, key, value)
    session.flush()
    return warehouse


def delete(*, session: Session, actor: Principal | None, id: str) -> None:
    warehouse = get(session=session, actor=actor, id=id)
    raise Conflict(
        f"{warehouse.name} cannot be deleted: deactivate it instead",
        details={"id": "Deactivate the warehouse instead"},
    )


def _set_active(session: Session, id: str, active: bool) -> Warehouse:
    warehouse = _for_write(session, id)
    if warehouse.active == active:
        raise Conflict(
            f"{warehouse.name} is already {'active' if active else 'inactive'}",
            details={"active": "Unchanged"},
        )
    warehouse.active = active
    note(session, warehouse, action="activate" if active else "deactivate")
    session.flush()
    return warehouse


def activate(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every command
    id: str,
    args: NoArgs,  # noqa: ARG001
) -> Warehouse:
    return _set_active(session, id, True)


def deactivate(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every command
    id: str,
    args: NoArgs,  # noqa: ARG001
) -> Warehouse:
    """No new reservations or transfers into it; what it holds stays until moved."""
    return _set_active(session, id, False)
