"""Customers on replicas: the REST shape, pushed edits through the same service.

Money and status never merge automatically (``manual``): a concurrent change
keeps the server value until the user chooses. Text fields: the later push
wins and the overwritten value is kept in a conflict record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from common.customers import CustomerCreate, CustomerUpdate
from common.ids import is_uuid
from common.sync import Row
from server.customers import service
from server.customers.models import Customer
from server.customers.router import customer_read
from server.deps import Principal
from server.errors import ValidationFailed
from server.sync.registry import EntitySpec, register


def serialize(c: Customer) -> Row:
    data: Row = customer_read(c).model_dump(mode="json")
    data["version"] = c.version
    address = data.get("address")
    if isinstance(address, dict):
        # The key an update uses (AddressUpdate.country), so a replica can send what it saw.
        address["country"] = address.get("country_code")
    return data


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


def _create(session: Session, _p: Principal, entity_id: str, data: Row) -> Customer:
    if not is_uuid(entity_id):
        raise ValidationFailed({"id": "Must be a UUID (the replica makes a UUIDv7)"})
    return service.create_customer(
        session=session, data=CustomerCreate.model_validate(data), customer_id=entity_id
    )


def _update(session: Session, _p: Principal, obj: Any, changes: Row) -> Customer:
    return service.update_customer(
        session=session, customer_id=obj.id, data=CustomerUpdate.model_validate(changes)
    )


def _delete(session: Session, _p: Principal, obj: Any) -> None:
    service.delete_customer(session=session, customer_id=obj.id)


def _activate(session: Session, _p: Principal, obj: Any, _args: Row) -> Customer:
    return service.set_active(session=session, customer_id=obj.id, active=True)


def _deactivate(session: Session, _p: Principal, obj: Any, _args: Row) -> Customer:
    return service.set_active(session=session, customer_id=obj.id, active=False)


SPEC = register(
    EntitySpec(
        entity="customer",
        model=Customer,
        serialize=serialize,
        merge_view=merge_view,
        create_schema=CustomerCreate,
        update_schema=CustomerUpdate,
        load_options=(service.LOAD,),
        read_permission="customers:read",
        write_permission="customers:write",
        create=_create,
        update=_update,
        delete=_delete,
        commands={"activate": _activate, "deactivate": _deactivate},
        policies={"credit_limit": "manual", "currency": "manual", "active": "manual"},
        nested=frozenset({"address"}),
        read_only=frozenset(
            {
                "id",
                "version",
                "created_at",
                "updated_at",
                "total_purchases",
                "addresses",
                "phone_display",
            }
        ),
    )
)
