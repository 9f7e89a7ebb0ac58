"""A customer as REST and replicas read it."""

from __future__ import annotations

from common.customers import AddressRead, CurrencyAmount, CustomerRead
from server.addresses import address_fields
from server.customers.models import Customer, CustomerAddress


def address_read(a: CustomerAddress) -> AddressRead:
    # The CHECK constraint keeps the type billing|shipping.
    return AddressRead(id=a.id, type=a.type, **address_fields(a))


def customer_read(c: Customer) -> CustomerRead:
    addresses = [address_read(a) for a in c.addresses]
    return CustomerRead(
        id=c.id,
        name=c.name,
        email=c.email,
        phone=c.phone,
        phone_display=c.phone_display,
        tax_id=c.tax_id,
        website=c.website,
        social_media=dict(c.social_media) if c.social_media is not None else None,
        company=c.company,
        notes=c.notes,
        credit_limit=c.credit_limit,
        total_purchases=c.total_purchases,
        purchases=[CurrencyAmount(**p) for p in c.purchases or ()],
        currency=c.currency,
        active=c.active,
        addresses=addresses,
        address=next((a for a in addresses if a.type == "billing"), None),
        created_at=c.created_at,
        updated_at=c.updated_at,
    )
