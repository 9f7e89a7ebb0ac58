"""Invoices: numbering, lines, sending, payments, cancelling (the kit's ``CrudService`` + commands).

Every write comes through here (REST, sync pushes, "invoice this order", the
demo), so the rules hold everywhere (DESIGN.md, Domain rules):

- the server numbers an invoice when it creates it: ``INV-<year>-<nnn>``, gapless
  per year (``kit.numbering``), whoever made the draft;
- totals come from the lines (``kit.lines``), which change only in draft;
- status changes only by the commands, each checked against
  ``common.invoices.TRANSITIONS`` in :func:`_move`; a refusal is a 409
  (wrong state) or a 422 (bad input) and changes nothing;
- a payment is > 0, in the invoice's currency, never more than the balance due,
  not on a draft, cancelled or paid invoice; the one that reaches the total makes
  it ``paid``; the customer's ``total_purchases`` follows (:func:`count_purchases`);
- sending, a payment and cancelling a sent invoice post to the ledger in the same
  unit of work (``server.ledger.postings``);
- invoices are never deleted (a gap in the numbers would follow); cancel instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from common.addresses import AddressValues
from common.documents.invoice_pdf import money
from common.ids import new_id
from common.invoices import (
    NUMBER_PREFIX,
    PAYABLE,
    CancelInvoice,
    InvoiceCreate,
    InvoiceLineInput,
    InvoiceStatus,
    InvoiceUpdate,
    RecordPayment,
    can_move,
    format_number,
    shown_status,
)
from common.kit import NoArgs
from server.addresses import address_fields
from server.auth.principal import Principal
from server.catalog.service import resolve_lines
from server.customers.models import Customer, CustomerAddress
from server.customers.service import purchases_in
from server.db import utcnow
from server.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from server.invoices.models import Invoice, InvoiceLine, Payment
from server.kit.lines import LineValues, refuse_locked, set_lines
from server.kit.numbering import next_number
from server.ledger import postings
from server.listing import substring_filter
from server.notifications.service import creator_of, notify
from server.unit_of_work import note

LOAD = (
    joinedload(Invoice.customer),
    selectinload(Invoice.lines),
    selectinload(Invoice.payments),
)
SORTS = {
    "created_at": Invoice.created_at,
    "number": Invoice.number,
    "due_date": Invoice.due_date,
    "total": Invoice.total,
}
# What may still change once an invoice is no longer a draft.
EDITABLE_WHEN: dict[InvoiceStatus, frozenset[str]] = {
    "sent": frozenset({"notes", "due_date"}),
    "overdue": frozenset({"notes", "due_date"}),
    "paid": frozenset({"notes"}),
    "cancelled": frozenset({"notes"}),
}


def today() -> date:
    """The server's date (UTC): numbering year, issue date, what is overdue."""
    return datetime.now(UTC).date()


def status_of(invoice: Invoice) -> InvoiceStatus:
    """How the invoice reads now: a sent one past its due date is overdue."""
    stored: InvoiceStatus = invoice.status  # type: ignore[assignment]  # CHECK keeps it one
    return shown_status(stored, invoice.due_date, today())


def status_filter(value: InvoiceStatus) -> sa.ColumnElement[bool]:
    """The list's ``status`` filter, by how invoices read today (overdue included)."""
    past_due = sa.and_(Invoice.due_date.is_not(None), Invoice.due_date < today())
    if value == "overdue":
        return sa.and_(Invoice.status == "sent", past_due)
    if value == "sent":
        return sa.and_(Invoice.status == "sent", sa.not_(past_due))
    return Invoice.status == value


def search_filter(session: Session, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring of the number or the notes."""
    return substring_filter(session, (Invoice.number, Invoice.notes), text)


def get(*, session: Session, actor: Principal | None, id: str) -> Invoice:  # noqa: ARG001
    invoice = session.get(Invoice, id, options=list(LOAD))
    if invoice is None:
        raise NotFound("Invoice not found")
    return invoice


def _for_write(session: Session, id: str) -> Invoice:
    """The invoice, its row locked until commit (PostgreSQL: a concurrent payment waits)."""
    session.flush()
    invoice = session.get(
        Invoice,
        id,
        options=list(LOAD),
        with_for_update={"of": Invoice},
        populate_existing=True,
    )
    if invoice is None:
        raise NotFound("Invoice not found")
    return invoice


def _customer(session: Session, customer_id: str) -> Customer:
    customer = session.get(
        Customer,
        customer_id,
        options=[selectinload(Customer.addresses).selectinload(CustomerAddress.country)],
        populate_existing=True,  # already loaded without its addresses (an invoice's customer)
    )
    if customer is None:
        raise ValidationFailed({"customer_id": "No such customer"})
    return customer


def billing_of(customer: Customer) -> dict[str, Any] | None:
    """The customer's billing address as an invoice keeps it (AddressValues)."""
    billing = customer.billing_address
    if billing is None:
        return None
    return AddressValues(**address_fields(billing)).model_dump(mode="json")


def _currency(data_currency: str | None, lines: list[InvoiceLineInput], customer: Customer) -> str:
    if data_currency is not None:
        return data_currency
    sent = next((line.currency for line in lines if line.currency is not None), None)
    return sent or customer.currency


def create(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    data: InvoiceCreate,
    id: str | None = None,
    order_id: str | None = None,
    lines: list[LineValues] | None = None,
) -> Invoice:
    """A draft, numbered now; a replica passes the id it made offline.

    ``order_id`` and resolved ``lines``: an invoice made from an order's lines.
    """
    customer = _customer(session, data.customer_id)
    currency = _currency(data.currency, data.lines, customer)
    values = lines if lines is not None else resolve_lines(session, data.lines, currency)
    day = today()
    number = format_number(day.year, next_number(session, NUMBER_PREFIX, day.year))
    invoice = Invoice(
        **({"id": id} if id else {}),
        number=number,
        customer_id=customer.id,
        customer=customer,
        order_id=order_id,
        status="draft",
        currency=currency,
        issue_date=day,
        due_date=data.due_date,
        notes=data.notes,
        amount_paid=0,
        billing_address=billing_of(customer),
        lines=[],
        payments=[],
    )
    session.add(invoice)
    set_lines(session, invoice, invoice.lines, values, InvoiceLine)
    session.flush()
    return invoice


def _refuse_unless_draft(invoice: Invoice, what: str) -> None:
    if invoice.status != "draft":
        raise InvalidTransition(
            f"{what} only in a draft; invoice {invoice.number} is {status_of(invoice)}",
            details={"status": status_of(invoice)},
        )


def update(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    id: str,
    data: InvoiceUpdate,
) -> Invoice:
    """Partial update: a draft changes freely; an issued invoice only its notes (and due date)."""
    invoice = _for_write(session, id)
    changes = data.changes()
    status = status_of(invoice)
    refuse_locked(changes, status, EDITABLE_WHEN, kind="invoice", what=f"Invoice {invoice.number}")
    if "customer_id" in changes and changes["customer_id"] != invoice.customer_id:
        customer = _customer(session, changes["customer_id"])
        invoice.customer_id = customer.id
        invoice.customer = customer
        invoice.billing_address = billing_of(customer)
    if "lines" in changes:
        assert data.lines is not None  # required: the schema refuses null
        values = resolve_lines(session, data.lines, invoice.currency)
        set_lines(session, invoice, invoice.lines, values, InvoiceLine)
    for key in ("due_date", "notes"):
        if key in changes:
            setattr(invoice, key, changes[key])
    session.flush()
    return invoice


def add_line(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every command
    id: str,
    args: InvoiceLineInput,
) -> Invoice:
    """``POST /invoices/:id/lines``: one more line, in a draft only."""
    invoice = _for_write(session, id)
    _refuse_unless_draft(invoice, "Lines can be added")
    (value,) = resolve_lines(session, [args], invoice.currency, field="")
    current = [
        LineValues(
            id=r.id,
            item_id=r.item_id,
            sku=r.sku,
            description=r.description,
            quantity=r.quantity,
            unit_price=r.unit_price,
            tax_rate=r.tax_rate,
            tax_basis_points=r.tax_basis_points,
        )
        for r in invoice.lines
    ]
    set_lines(session, invoice, invoice.lines, [*current, value], InvoiceLine)
    session.flush()
    return invoice


def _move(session: Session, invoice: Invoice, target: InvoiceStatus, action: str) -> None:
    """Enter ``target``: checked against the transition table, noted as the command's action."""
    current = status_of(invoice)
    if not can_move(current, target):
        raise InvalidTransition(
            f"Invoice {invoice.number} is {current}: it cannot become {target}",
            details={"status": f"Not allowed from {current}"},
        )
    invoice.status = "sent" if target == "overdue" else target
    note(session, invoice, action=action)


def send(*, session: Session, actor: Principal | None, id: str, args: NoArgs) -> Invoice:  # noqa: ARG001
    """Draft -> sent; needs at least one line. The billing address is frozen as it is now."""
    invoice = _for_write(session, id)
    if invoice.status == "draft" and not invoice.lines:
        raise InvalidTransition(
            "An invoice without lines cannot be sent", details={"lines": "Add a line first"}
        )
    _move(session, invoice, "sent", "send")
    invoice.sent_at = utcnow()
    invoice.billing_address = billing_of(_customer(session, invoice.customer_id))
    session.flush()
    postings.invoice_sent(session, invoice)  # the same unit of work: both or neither
    return invoice


def record_payment(
    *,
    session: Session,
    actor: Principal | None,
    id: str,
    args: RecordPayment,
) -> Invoice:
    """A payment: partial ones keep the status, the one reaching the total makes it paid."""
    invoice = _for_write(session, id)
    status = status_of(invoice)
    if status not in PAYABLE:
        raise InvalidTransition(
            f"Invoice {invoice.number} is {status}: no payment can be recorded",
            details={"status": f"Payments only on sent or overdue invoices, not {status}"},
        )
    if args.currency != invoice.currency:
        raise ValidationFailed(
            {"currency": f"The invoice is in {invoice.currency}, not {args.currency}"}
        )
    balance = invoice.total - invoice.amount_paid
    if args.amount > balance:
        raise ValidationFailed(
            {"amount": f"More than the balance due ({balance} cents); overpayment is refused"}
        )
    if args.id is not None and session.get(Payment, args.id) is not None:
        raise Conflict("A payment with this id exists", details={"id": "Already recorded"})
    payment = Payment(
        id=args.id or new_id(),  # named now: the audit note below carries it
        amount=args.amount,
        currency=args.currency,
        method=args.method,
        reference=args.reference,
        paid_on=args.paid_on or today(),
    )
    invoice.payments.append(payment)
    invoice.amount_paid += args.amount
    note(
        session,
        invoice,
        action="payment",
        fields={"payments": (None, {"id": payment.id, "amount": args.amount})},
    )
    if invoice.amount_paid == invoice.total:
        _move(session, invoice, "paid", "payment")
        invoice.paid_at = utcnow()
    session.flush()
    postings.payment_received(session, invoice, payment)
    count_purchases(session, invoice.customer_id)
    notify(
        session,
        user_id=creator_of(session, "invoice", invoice.id),
        kind="payment_received",
        title=f"Payment on invoice {invoice.number}",
        body=(
            f"{money(args.amount, args.currency)} received on invoice {invoice.number}; "
            f"{money(invoice.total - invoice.amount_paid, invoice.currency)} still due."
        ),
        record=("invoice", invoice.id),
        actor_id=actor.id if actor else None,
    )
    return invoice


def count_purchases(session: Session, customer_id: str) -> None:
    """The customer's ``purchases`` (paid per currency) and ``total_purchases`` (the part in
    the customer's own currency; nothing is converted: there are no exchange rates).

    The customer row is locked first, so two payments of one customer committing
    at once each count the other's (PostgreSQL; SQLite has one writer anyway).
    """
    customer = session.get(
        Customer, customer_id, with_for_update={"of": Customer}, populate_existing=True
    )
    assert customer is not None  # an invoice's customer is never deleted (declared Ref)
    paid = session.execute(
        sa.select(Payment.currency, sa.func.sum(Payment.amount))
        .join(Invoice, Payment.invoice_id == Invoice.id)
        .where(Invoice.customer_id == customer_id)
        .group_by(Payment.currency)
        .order_by(Payment.currency)
    ).all()
    purchases = [{"currency": c, "amount": int(a)} for c, a in paid]
    if customer.purchases != purchases:
        customer.purchases = purchases
        customer.total_purchases = purchases_in(purchases, customer.currency)
        session.flush()


def cancel(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    id: str,
    args: CancelInvoice,
) -> Invoice:
    """Cancel a draft or an unpaid issued invoice; refused once anything is paid."""
    invoice = _for_write(session, id)
    if invoice.amount_paid > 0 and invoice.status != "cancelled":
        raise InvalidTransition(
            f"Invoice {invoice.number} is {'paid' if invoice.status == 'paid' else 'partly paid'}: "
            "it cannot be cancelled",
            details={"amount_paid": f"{invoice.amount_paid} cents already paid"},
        )
    _move(session, invoice, "cancelled", "cancel")
    invoice.cancelled_at = utcnow()
    invoice.cancel_reason = args.reason
    session.flush()
    postings.invoice_cancelled(session, invoice)  # reverses the posting of a sent invoice
    return invoice


def delete(*, session: Session, actor: Principal | None, id: str) -> None:
    """Never: numbers are gapless, so an invoice stays (cancel it instead)."""
    invoice = get(session=session, actor=actor, id=id)
    raise Conflict(
        f"Invoice {invoice.number} cannot be deleted: invoice numbers have no gaps; cancel it",
        details={"id": "Cancel the invoice instead"},
    )
