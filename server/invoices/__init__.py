"""Invoices (spec section Invoices): the module's declaration."""

from __future__ import annotations

from common.invoices import (
    ENTITY,
    CancelInvoice,
    InvoiceCreate,
    InvoiceLineInput,
    InvoiceQuery,
    InvoiceRead,
    InvoiceUpdate,
    RecordPayment,
)
from server.catalog.models import Item
from server.customers.models import Customer
from server.invoices import service
from server.invoices.models import Invoice, InvoiceLine, Payment
from server.invoices.pdf import company_router
from server.invoices.pdf import router as pdf_router
from server.invoices.reads import invoice_read
from server.invoices.sync import SYNC
from server.kit import Child, Command, ListSpec, Ref, Resource, RestShape

RESOURCE = Resource[Invoice](
    entity=ENTITY,
    model=Invoice,
    path="/api/v1/invoices",
    permission="invoices",
    create=InvoiceCreate,
    update=InvoiceUpdate,
    read=invoice_read,
    read_schema=InvoiceRead,
    service=service,
    listing=ListSpec(
        query=InvoiceQuery,
        sorts=service.SORTS,
        default_sort="created_at",
        default_order="desc",
        filters={
            "status": service.status_filter,
            "customer_id": Invoice.customer_id.__eq__,
            "from_date": Invoice.issue_date.__ge__,
            "to_date": Invoice.issue_date.__le__,
        },
        search=service.search_filter,
    ),
    commands=(
        Command(
            "lines",
            service.add_line,
            args=InvoiceLineInput,
            http="POST",
            summary="Add a line (draft only; 409 otherwise)",
        ),
        Command("send", service.send, http="POST", summary="draft -> sent; needs a line"),
        Command(
            "payments",
            service.record_payment,
            args=RecordPayment,
            http="POST",
            summary="Record a payment: > 0, the invoice's currency, at most the balance due; "
            "the one reaching the total makes it paid",
        ),
        Command(
            "cancel",
            service.cancel,
            args=CancelInvoice,
            http="POST",
            summary="Cancel; refused (409) once anything is paid",
        ),
    ),
    rest=RestShape("page", update="PATCH"),
    sync=SYNC,
    references=(
        Ref(
            Invoice.customer_id,
            Customer,
            "A customer with invoices cannot be deleted",
            ("invoices", "This customer has invoices"),
        ),
        Ref(
            InvoiceLine.item_id,
            Item,
            "A catalog item on an invoice cannot be deleted; discontinue it instead",
            ("invoices", "This item is on invoices"),
        ),
    ),
    children=(Child(InvoiceLine, service.LOAD[1]), Child(Payment, service.LOAD[2])),
    load=(service.LOAD[0],),
    routers=(pdf_router, company_router),
    tag="Invoices",
)
