"""A customer as REST and replicas read it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from common.customers import AddressRead, CurrencyAmount, CustomerRead
from server.addresses import address_fields
from server.customers.models import Customer, CustomerAddress
from server.sync.snapshot import CoreLoad, CoreRecord, records_with_countries, with_countries


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


_ADDRESS_TABLE = CustomerAddress.__table__
_ADDRESSES = with_countries(  # in the relationship's order
    _ADDRESS_TABLE,
    _ADDRESS_TABLE.c.customer_id,
    (_ADDRESS_TABLE.c.type, _ADDRESS_TABLE.c.id),
)


def with_addresses(session: Session, customers: list[CoreRecord]) -> list[CoreRecord]:
    """``c.addresses`` (and the addresses' countries) of a page of customers from Core rows."""
    by_id: dict[Any, CoreRecord] = {c.id: c for c in customers}
    for c in customers:
        c.addresses = []
    # One statement for the page's children.
    addresses = records_with_countries(session, _ADDRESSES, _ADDRESS_TABLE, list(by_id))
    for a in addresses:
        by_id[a.customer_id].addresses.append(a)
    return customers


# Snapshot and list pages read customers from Core rows (server/sync/snapshot.py).
CORE = CoreLoad(Customer.__table__, attach=with_addresses)
