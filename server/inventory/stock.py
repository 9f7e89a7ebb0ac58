"""Stock: one record per catalog item and warehouse, changed only through :func:`move`.

Every change of a quantity (an adjustment, a transfer, an order's reservation,
issue or release) goes through :func:`move`, which

1. locks the stock records it changes (``SELECT ... FOR UPDATE``, in id order,
   so two writers never wait on each other in a cycle), then the warehouses
   whose ``stock_total`` changes (in id order too);
2. checks the rules on the locked values: quantity and reserved never below 0,
   reserved never over quantity (409 with what is available), a warehouse's
   total within its capacity (409);
3. writes the new values and one movement row per record (who, why, which
   document) in the caller's unit of work.

So concurrent adjustments of one record serialise on its row lock on
PostgreSQL (SQLite has one writer at a time) and each sees the other's result;
the CHECK constraints (``models.py``) refuse whatever a bug would let through.
Records are made eagerly (:func:`open_records`): with an item for every
warehouse, with a warehouse for every item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from common.ids import new_id
from common.inventory import (
    AdjustStock,
    MovementKind,
    StockCreate,
    StockUpdate,
    TransferFrom,
    TransferStock,
)
from server.auth.principal import Principal
from server.catalog.models import Item
from server.errors import BadRequest, Conflict, NotFound, ValidationFailed
from server.inventory.models import Stock, StockMovement, Warehouse
from server.unit_of_work import note

LOAD = (joinedload(Stock.item), joinedload(Stock.warehouse))
SORTS = {"quantity": Stock.quantity, "updated_at": Stock.updated_at, "created_at": Stock.created_at}
# Serialises the making of records (a new item against a new warehouse) across processes.
_OPEN_LOCK = 0x5354_4F43  # "STOC"


@dataclass(frozen=True)
class Change:
    """A change of one stock record: units on hand and units reserved (signed)."""

    stock_id: str
    kind: MovementKind
    quantity: int = 0
    reserved: int = 0


@dataclass(frozen=True)
class Document:
    """The document a movement belongs to (an order)."""

    type: str
    id: str


def low_filter(low: bool) -> sa.ColumnElement[bool]:
    is_low = sa.and_(
        Stock.low_stock_threshold.is_not(None),
        Stock.quantity - Stock.reserved <= Stock.low_stock_threshold,
    )
    return is_low if low else sa.not_(is_low)


# ---------------------------------------------------------------- the kit's service


def get(*, session: Session, actor: Principal | None, id: str) -> Stock:  # noqa: ARG001
    stock = session.get(Stock, id, options=list(LOAD))
    if stock is None:
        raise NotFound("Stock record not found")
    return stock


def create(
    *,
    session: Session,  # noqa: ARG001 - the one signature of every module
    actor: Principal | None,  # noqa: ARG001
    data: StockCreate,  # noqa: ARG001
    id: str | None = None,  # noqa: ARG001
) -> Stock:
    raise BadRequest(
        "Stock records are made by the server, one per catalog item and warehouse",
        details={"id": "Made by the server"},
    )


def update(*, session: Session, actor: Principal | None, id: str, data: StockUpdate) -> Stock:
    """Only the low-stock threshold; quantities move by commands."""
    stock = get(session=session, actor=actor, id=id)
    changes = data.changes()
    if "low_stock_threshold" in changes:
        stock.low_stock_threshold = changes["low_stock_threshold"]
    session.flush()
    return stock


def delete(*, session: Session, actor: Principal | None, id: str) -> None:
    get(session=session, actor=actor, id=id)
    raise Conflict(
        "Stock records are never deleted", details={"id": "A stock record stays with its item"}
    )


# ---------------------------------------------------------------- making records


def _serialise_opening(session: Session) -> None:
    """A new item and a new warehouse made at once must each see the other (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_OPEN_LOCK)))


def open_records(
    session: Session, *, item_id: str | None = None, warehouse_id: str | None = None
) -> None:
    """The stock records of a new item (in every warehouse) or a new warehouse (every item)."""
    _serialise_opening(session)
    if item_id is not None:
        pairs = [(item_id, w) for w in session.scalars(sa.select(Warehouse.id))]
    else:
        pairs = [(i, str(warehouse_id)) for i in session.scalars(sa.select(Item.id))]
    mine = Stock.item_id == item_id if item_id is not None else Stock.warehouse_id == warehouse_id
    have = {
        (i, w) for i, w in session.execute(sa.select(Stock.item_id, Stock.warehouse_id).where(mine))
    }
    session.add_all(
        Stock(item_id=i, warehouse_id=w, quantity=0, reserved=0)
        for i, w in pairs
        if (i, w) not in have
    )
    session.flush()


def record_for(session: Session, item_id: str, warehouse_id: str) -> Stock:
    """The stock record of an item in a warehouse (made now if it is missing)."""
    found = session.scalar(
        sa.select(Stock).where(Stock.item_id == item_id, Stock.warehouse_id == warehouse_id)
    )
    if found is not None:
        return found
    if session.get(Item, item_id) is None:
        raise ValidationFailed({"item_id": "No such catalog item"})
    if session.get(Warehouse, warehouse_id) is None:
        raise ValidationFailed({"warehouse_id": "No such warehouse"})
    open_records(session, item_id=item_id)
    made = session.scalar(
        sa.select(Stock).where(Stock.item_id == item_id, Stock.warehouse_id == warehouse_id)
    )
    assert made is not None
    return made


# ---------------------------------------------------------------- moving stock


def _short(stock: Stock, quantity: int, reserved: int, change: Change) -> Conflict:
    available = stock.quantity - stock.reserved
    place = f"{stock.item.sku} in {stock.warehouse.name}"
    if change.quantity < 0 and quantity < 0:
        text = f"only {stock.quantity} on hand"
    elif reserved > quantity:
        text = f"only {available} available ({stock.quantity} on hand, {stock.reserved} reserved)"
    else:
        text = f"only {stock.reserved} reserved"
    asked = abs(change.quantity) or abs(change.reserved)
    return Conflict(
        f"Not enough stock of {place}: {asked} needed, {text}",
        details={"quantity": f"{available} available", "available": str(available)},
    )


def move(
    session: Session,
    actor: Principal | None,
    changes: Sequence[Change],
    *,
    reason: str | None = None,
    document: Document | None = None,
    transfer_id: str | None = None,
) -> list[StockMovement]:
    """Apply ``changes`` together, or refuse them all (409); one movement per change."""
    ids = sorted({c.stock_id for c in changes})
    locked = {
        s.id: s
        for s in session.scalars(
            sa.select(Stock)
            .where(Stock.id.in_(ids))
            .options(*LOAD)
            .order_by(Stock.id)
            .with_for_update(of=Stock)
            .execution_options(populate_existing=True)
        ).unique()
    }
    missing = [i for i in ids if i not in locked]
    if missing:
        raise NotFound("Stock record not found", details={"stock_id": missing[0]})
    after = {i: (locked[i].quantity, locked[i].reserved) for i in ids}
    totals: dict[str, int] = {}
    for c in changes:
        stock = locked[c.stock_id]
        quantity, reserved = after[c.stock_id]
        quantity, reserved = quantity + c.quantity, reserved + c.reserved
        if quantity < 0 or reserved < 0 or reserved > quantity:
            raise _short(stock, quantity, reserved, c)
        after[c.stock_id] = (quantity, reserved)
        totals[stock.warehouse_id] = totals.get(stock.warehouse_id, 0) + c.quantity
    _check_capacity(session, {w: d for w, d in totals.items() if d != 0})
    actor_id = actor.id if actor is not None else None
    made: list[StockMovement] = []
    running = {i: (locked[i].quantity, locked[i].reserved) for i in ids}
    for c in changes:
        stock = locked[c.stock_id]
        quantity, reserved = running[c.stock_id]
        running[c.stock_id] = (quantity + c.quantity, reserved + c.reserved)
        made.append(
            StockMovement(
                stock_id=stock.id,
                item_id=stock.item_id,
                warehouse_id=stock.warehouse_id,
                kind=c.kind,
                quantity=c.quantity,
                reserved=c.reserved,
                quantity_after=running[c.stock_id][0],
                reserved_after=running[c.stock_id][1],
                reason=reason,
                document_type=document.type if document else None,
                document_id=document.id if document else None,
                transfer_id=transfer_id,
                actor_id=actor_id,
            )
        )
    for i in ids:
        locked[i].quantity, locked[i].reserved = after[i]
        note(session, locked[i], action=changes[0].kind)
    session.add_all(made)
    session.flush()
    return made


def _check_capacity(session: Session, deltas: dict[str, int]) -> None:
    """Lock the warehouses whose totals change (id order) and keep each within its capacity."""
    if not deltas:
        return
    warehouses = session.scalars(
        sa.select(Warehouse)
        .where(Warehouse.id.in_(sorted(deltas)))
        .order_by(Warehouse.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for warehouse in warehouses:
        total = warehouse.stock_total + deltas[warehouse.id]
        if (
            warehouse.capacity is not None
            and deltas[warehouse.id] > 0
            and total > warehouse.capacity
        ):
            room = max(warehouse.capacity - warehouse.stock_total, 0)
            raise Conflict(
                f"{warehouse.name} holds at most {warehouse.capacity} units: "
                f"room for {room}, {deltas[warehouse.id]} asked",
                details={"quantity": f"Room for {room}", "warehouse_id": warehouse.id},
            )
        warehouse.stock_total = total


# ---------------------------------------------------------------- commands


def adjust(*, session: Session, actor: Principal | None, id: str, args: AdjustStock) -> Stock:
    """``POST /stock/:id/adjust``: add or take away units, with a reason."""
    move(session, actor, [Change(id, "adjust", quantity=args.quantity)], reason=args.reason)
    return get(session=session, actor=actor, id=id)


def transfer(
    session: Session, actor: Principal | None, data: TransferStock
) -> tuple[Stock, Stock, list[StockMovement]]:
    """Move units of an item from one warehouse to another: both or neither."""
    if data.from_warehouse_id == data.to_warehouse_id:
        raise ValidationFailed({"to_warehouse_id": "Must be another warehouse than the source"})
    destination = session.get(Warehouse, data.to_warehouse_id)
    if destination is None:
        raise ValidationFailed({"to_warehouse_id": "No such warehouse"})
    if not destination.active:
        raise Conflict(
            f"{destination.name} is inactive: it takes no stock",
            details={"to_warehouse_id": "Inactive warehouse"},
        )
    if session.get(Warehouse, data.from_warehouse_id) is None:
        raise ValidationFailed({"from_warehouse_id": "No such warehouse"})
    source = record_for(session, data.item_id, data.from_warehouse_id)
    target = record_for(session, data.item_id, data.to_warehouse_id)
    transfer_id = new_id()
    made = move(
        session,
        actor,
        [
            Change(source.id, "transfer_out", quantity=-data.quantity),
            Change(target.id, "transfer_in", quantity=data.quantity),
        ],
        reason=data.reason,
        transfer_id=transfer_id,
    )
    return source, target, made


def transfer_from(
    *, session: Session, actor: Principal | None, id: str, args: TransferFrom
) -> Stock:
    """The sync command ``transfer`` of the source record."""
    source = get(session=session, actor=actor, id=id)
    transfer(
        session,
        actor,
        TransferStock(
            item_id=source.item_id,
            from_warehouse_id=source.warehouse_id,
            to_warehouse_id=args.to_warehouse_id,
            quantity=args.quantity,
            reason=args.reason,
        ),
    )
    return get(session=session, actor=actor, id=id)
