"""Orders: lines from the catalog, the status table, "invoice this order" (the kit's ``CrudService``).

Rules (DESIGN.md, Domain rules): an inactive customer gets no new order; lines
are catalog items (active ones on a new line; the unit price defaults to the
item's) and change only in draft; totals come from the lines (``kit.lines``);
the server numbers an order when it creates it (``ORD-<year>-<nnn>``, gapless per
year, ``kit.numbering``), whoever made the draft; the status moves only by the ``status`` command along
``common.orders.TRANSITIONS`` (checked in :func:`set_status`); confirming needs
a line; a confirmed (or later) order can be invoiced once: the ``invoice``
command makes a draft invoice of its lines through the invoices' service.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from common.invoices import InvoiceCreate
from common.orders import (
    FINAL,
    INVOICEABLE,
    NUMBER_PREFIX,
    InvoiceOrder,
    OrderCreate,
    OrderStatus,
    OrderUpdate,
    SetOrderStatus,
    ShippingAddress,
    can_move,
    format_number,
)
from server.auth.principal import Principal
from server.catalog.service import resolve_lines
from server.countries.service import address_country
from server.customers.models import Customer
from server.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from server.inventory import orders as stock
from server.invoices import service as invoices
from server.invoices.models import Invoice
from server.kit.lines import LineValues, refuse_locked, set_lines
from server.kit.numbering import next_number
from server.listing import substring_filter
from server.orders.models import Order, OrderLine
from server.unit_of_work import note

LOAD = (
    joinedload(Order.customer),
    joinedload(Order.country),
    selectinload(Order.lines),
)
SORTS = {"created_at": Order.created_at, "number": Order.number, "total": Order.total}
# What may change after draft: the notes always, the address until the goods leave.
EDITABLE_WHEN: dict[OrderStatus, frozenset[str]] = {
    "pending": frozenset({"notes", "shipping_address", "warehouse_id"}),
    "confirmed": frozenset({"notes", "shipping_address"}),
    "shipped": frozenset({"notes"}),
    "delivered": frozenset({"notes"}),
    "cancelled": frozenset({"notes"}),
}


def search_filter(session: Session, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring of the number or the notes."""
    return substring_filter(session, (Order.number, Order.notes), text)


def get(*, session: Session, actor: Principal | None, id: str) -> Order:  # noqa: ARG001
    order = session.get(Order, id, options=list(LOAD))
    if order is None:
        raise NotFound("Order not found")
    return order


def _for_write(session: Session, id: str) -> Order:
    session.flush()
    order = session.get(
        Order, id, options=list(LOAD), with_for_update={"of": Order}, populate_existing=True
    )
    if order is None:
        raise NotFound("Order not found")
    return order


def status_of(order: Order) -> OrderStatus:
    status: OrderStatus = order.status  # type: ignore[assignment]  # the CHECK constraint keeps it one
    return status


def live_invoice(session: Session, order: Order) -> Invoice | None:
    """The invoice made from this order, unless it was cancelled (then it may be invoiced again)."""
    if order.invoice_id is None:
        return None
    made = session.get(Invoice, order.invoice_id)
    return made if made is not None and made.status != "cancelled" else None


def _customer(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise ValidationFailed({"customer_id": "No such customer"})
    if not customer.active:
        raise Conflict(
            f"{customer.name} is inactive: an inactive customer gets no new order",
            details={"customer_id": "Inactive customer"},
        )
    return customer


def _set_address(session: Session, order: Order, address: ShippingAddress | None) -> None:
    country = None
    if address is not None and address.country is not None:
        try:
            country = address_country(session, address.country)
        except ValueError as exc:
            raise ValidationFailed({"shipping_address.country": str(exc)}) from None
    order.street = address.street if address else None
    order.city = address.city if address else None
    order.region = address.region if address else None
    order.postal_code = address.postal_code if address else None
    order.country_id = country.id if country else None
    order.country = country


def create(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    data: OrderCreate,
    id: str | None = None,
) -> Order:
    """A draft order for an active customer; a replica passes the id it made offline."""
    customer = _customer(session, data.customer_id)
    sent = next((line.currency for line in data.lines if line.currency is not None), None)
    currency = data.currency or sent or customer.currency
    values = resolve_lines(session, data.lines, currency, active_items=True)
    year = datetime.now(UTC).year
    order = Order(
        **({"id": id} if id else {}),
        number=format_number(year, next_number(session, NUMBER_PREFIX, year)),
        customer_id=customer.id,
        customer=customer,
        status="draft",
        currency=currency,
        notes=data.notes,
        lines=[],
        warehouse_id=data.warehouse_id,
    )
    stock.check_warehouse(session, data.warehouse_id)
    _set_address(session, order, data.shipping_address)
    session.add(order)
    set_lines(session, order, order.lines, values, OrderLine)
    session.flush()
    return order


def update(*, session: Session, actor: Principal | None, id: str, data: OrderUpdate) -> Order:  # noqa: ARG001
    """Partial update: a draft changes freely; later only its notes (and address until shipped)."""
    order = _for_write(session, id)
    changes = data.changes()
    status = status_of(order)
    refuse_locked(changes, status, EDITABLE_WHEN, kind="order", what="The order")
    if "customer_id" in changes and changes["customer_id"] != order.customer_id:
        customer = _customer(session, changes["customer_id"])
        order.customer_id = customer.id
        order.customer = customer
    if "lines" in changes:
        assert data.lines is not None  # required: the schema refuses null
        values = resolve_lines(session, data.lines, order.currency, active_items=True)
        set_lines(session, order, order.lines, values, OrderLine)
    if "shipping_address" in changes:
        _set_address(session, order, data.shipping_address)
    if "notes" in changes:
        order.notes = changes["notes"]
    if "warehouse_id" in changes and changes["warehouse_id"] != order.warehouse_id:
        stock.check_warehouse(session, changes["warehouse_id"])
        order.warehouse_id = changes["warehouse_id"]
    session.flush()
    return order


def set_status(
    *,
    session: Session,
    actor: Principal | None,
    id: str,
    args: SetOrderStatus,
) -> Order:
    """``PATCH /orders/:id/status``: one step along the table; confirming needs a line."""
    order = _for_write(session, id)
    current, target = status_of(order), args.status
    if not can_move(current, target):
        final = " (final)" if current in FINAL else ""
        raise InvalidTransition(
            f"The order is {current}{final}: it cannot become {target}",
            details={"status": f"Not allowed from {current}"},
        )
    if target == "confirmed" and not order.lines:
        raise InvalidTransition(
            "An order without lines cannot be confirmed", details={"lines": "Add a line first"}
        )
    stock.follow_status(session, actor, order, current, target)  # reserve, issue, release
    order.status = target
    note(session, order, action=f"status:{target}")
    session.flush()
    return order


def invoice(*, session: Session, actor: Principal | None, id: str, args: InvoiceOrder) -> Order:
    """A draft invoice of the order's lines (its prices and tax rates as they stand)."""
    order = _for_write(session, id)
    status = status_of(order)
    if status not in INVOICEABLE:
        raise InvalidTransition(
            f"The order is {status}: only a confirmed, shipped or delivered order is invoiced",
            details={"status": f"Not invoiceable while {status}"},
        )
    existing = live_invoice(session, order)
    if existing is not None:
        raise Conflict(
            f"The order already has invoice {existing.number}",
            details={"invoice_id": existing.id},
        )
    if args.invoice_id is not None and session.get(Invoice, args.invoice_id) is not None:
        raise Conflict("An invoice with this id exists", details={"invoice_id": "Already exists"})
    lines = [
        LineValues(
            id=None,
            item_id=r.item_id,
            sku=r.sku,
            description=r.description,
            quantity=r.quantity,
            unit_price=r.unit_price,
            tax_rate=r.tax_rate,
            tax_basis_points=r.tax_basis_points,
        )
        for r in order.lines
    ]
    made = invoices.create(
        session=session,
        actor=actor,
        data=InvoiceCreate(
            customer_id=order.customer_id, due_date=args.due_date, currency=order.currency
        ),
        id=args.invoice_id,
        order_id=order.id,
        lines=lines,
    )
    order.invoice_id = made.id
    note(session, order, action="invoice")
    session.flush()
    return order


def delete(*, session: Session, actor: Principal | None, id: str) -> None:  # noqa: ARG001
    """Only a draft order is deleted (later ones are cancelled)."""
    order = _for_write(session, id)
    if order.status != "draft":
        raise InvalidTransition(
            f"The order is {order.status}: only a draft can be deleted; cancel it instead",
            details={"status": "Not a draft"},
        )
    for line in list(order.lines):
        session.delete(line)
    session.delete(order)
    session.flush()
