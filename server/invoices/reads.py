"""An invoice as REST and replicas read it: totals, tax per rate, payments, how it reads today."""

from __future__ import annotations

from common.addresses import AddressValues
from common.invoices import InvoiceRead, PaymentMethod, PaymentRead
from server.invoices.models import Invoice, Payment
from server.invoices.service import status_of
from server.kit.lines import document_totals, line_read


def payment_read(p: Payment) -> PaymentRead:
    method: PaymentMethod = p.method  # type: ignore[assignment]  # the CHECK constraint keeps it one
    return PaymentRead(
        id=p.id,
        amount=p.amount,
        currency=p.currency,
        method=method,
        reference=p.reference,
        paid_on=p.paid_on,
        created_at=p.created_at,
    )


def invoice_read(i: Invoice) -> InvoiceRead:
    taxes = document_totals(i.lines).taxes
    return InvoiceRead(
        id=i.id,
        number=i.number,
        customer_id=i.customer_id,
        customer_name=i.customer.name,
        status=status_of(i),
        currency=i.currency,
        issue_date=i.issue_date,
        due_date=i.due_date,
        notes=i.notes,
        lines=[line_read(r) for r in i.lines],
        taxes=list(taxes),
        subtotal=i.subtotal,
        tax_total=i.tax_total,
        total=i.total,
        amount_paid=i.amount_paid,
        balance_due=i.total - i.amount_paid,
        payments=[payment_read(p) for p in i.payments],
        order_id=i.order_id,
        billing_address=AddressValues(**i.billing_address) if i.billing_address else None,
        sent_at=i.sent_at,
        paid_at=i.paid_at,
        cancelled_at=i.cancelled_at,
        cancel_reason=i.cancel_reason,
        created_at=i.created_at,
        updated_at=i.updated_at,
    )
