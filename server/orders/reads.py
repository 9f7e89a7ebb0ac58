"""An order as REST and replicas read it."""

from __future__ import annotations

from common.addresses import AddressValues
from common.orders import OrderRead
from server.addresses import address_fields
from server.kit.lines import document_totals, line_read
from server.orders.models import Order
from server.orders.service import status_of


def order_read(o: Order) -> OrderRead:
    address = address_fields(o)
    return OrderRead(
        id=o.id,
        number=o.number,
        customer_id=o.customer_id,
        customer_name=o.customer.name,
        status=status_of(o),
        currency=o.currency,
        shipping_address=(
            AddressValues(**address) if any(v is not None for v in address.values()) else None
        ),
        notes=o.notes,
        lines=[line_read(r) for r in o.lines],
        taxes=list(document_totals(o.lines).taxes),
        subtotal=o.subtotal,
        tax_total=o.tax_total,
        total=o.total,
        invoice_id=o.invoice_id,
        warehouse_id=o.warehouse_id,
        created_at=o.created_at,
        updated_at=o.updated_at,
    )
