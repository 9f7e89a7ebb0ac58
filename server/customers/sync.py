"""Customers on replicas: the REST shape, with the address keyed as an update sends it.

Money and status never merge automatically (``manual``): a concurrent change
keeps the server value until the user chooses. Text fields: the later push
wins and the overwritten value is kept in a conflict record.
"""

from __future__ import annotations

from common.sync import Row
from server.addresses import keyed_for_updates
from server.customers.models import Customer
from server.customers.reads import customer_read
from server.kit import SyncSpec
from server.kit.sync import row


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


SYNC = SyncSpec(
    serialize=serialize,
    merge_view=merge_view,
    policies={"credit_limit": "manual", "currency": "manual", "active": "manual"},
    nested=frozenset({"address"}),
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
