"""Customers on replicas: the REST shape, with the address keyed as an update sends it.

Money and status never merge automatically (``manual``): a concurrent change
keeps the server value until the user chooses. Text fields: the later push
wins and the overwritten value is kept in a conflict record.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.sync import Row
from server.addresses import keyed_for_updates
from server.customers.models import Customer, CustomerAddress
from server.customers.reads import customer_read
from server.kit import SyncSpec
from server.kit.sync import row
from server.sync.snapshot import attach_countries, core_records


def serialize(c: Customer) -> Row:
    return keyed_for_updates(row(customer_read, c))


def merge_view(c: Customer) -> Row:
    """The customer as an update's ``base`` describes it: address keyed like AddressUpdate."""
    data = serialize(c)
    billing = c.billing_address
    data["address"] = (
        None
        if billing is None
        else {
            "street": billing.street,
            "city": billing.city,
            "region": billing.region,
            "postal_code": billing.postal_code,
            "country": billing.country.code if billing.country else None,
        }
    )
    return data


def snapshot_load(session: Session, where: sa.ColumnElement[bool], limit: int) -> list[Any]:
    """Customers with their addresses (and the addresses' countries) from Core rows."""
    customers = core_records(session, Customer.__table__, where, limit=limit)
    by_id = {c.id: c for c in customers}
    for c in customers:
        c.addresses = []
    if by_id:
        table = CustomerAddress.__table__
        addresses = core_records(
            session,
            table,
            table.c.customer_id.in_(list(by_id)),
            order_by=(table.c.type, table.c.id),  # the relationship's order
        )
        attach_countries(session, addresses)
        for a in addresses:
            by_id[a.customer_id].addresses.append(a)
    return customers


SYNC = SyncSpec(
    serialize=serialize,
    merge_view=merge_view,
    policies={"credit_limit": "manual", "currency": "manual", "active": "manual"},
    nested=frozenset({"address"}),
    snapshot_load=snapshot_load,
    read_only=frozenset(
        {
            "id",
            "version",
            "created_at",
            "updated_at",
            "total_purchases",
            "purchases",
            "addresses",
            "phone_display",
        }
    ),
)
