"""``/api/v1/customers``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from common.customers import (
    AddressRead,
    CustomerCreate,
    CustomerPage,
    CustomerRead,
    CustomerUpdate,
)
from server.customers import service
from server.customers.models import Customer, CustomerAddress
from server.deps import Principal, Require, SessionDep
from server.listing import MAX_LIMIT, PageNumber, PageRequest
from server.listing import sort_by as sort_by_query
from server.openapi import errors

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

Reader = Annotated[Principal, Require("customers:read")]
Writer = Annotated[Principal, Require("customers:write")]


def address_read(a: CustomerAddress) -> AddressRead:
    return AddressRead(
        id=a.id,
        type=a.type,  # the CHECK constraint keeps it billing|shipping
        street=a.street,
        city=a.city,
        region=a.region,
        postal_code=a.postal_code,
        country_id=a.country_id,
        country_code=a.country.code if a.country else None,
    )


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
        currency=c.currency,
        active=c.active,
        addresses=addresses,
        address=next((a for a in addresses if a.type == "billing"), None),
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


@router.get("", response_model=CustomerPage, responses=errors(401, 403, 422))
def list_customers(
    _: Reader,
    session: SessionDep,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    sort_by: Annotated[str | None, sort_by_query(service.CUSTOMER_SORTS)] = None,
    sort_order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    search: Annotated[str | None, Query(max_length=200)] = None,
    active: Annotated[bool | None, Query()] = None,
) -> CustomerPage:
    """Customers, a page at a time; search matches name, email, phone and company."""
    result = service.list_customers(
        session=session,
        page=PageRequest(
            page=page, limit=limit, sort_by=sort_by, sort_order=sort_order, search=search
        ),
        active=active,
    )
    return CustomerPage(
        items=[customer_read(c) for c in result.items],
        total=result.total,
        page=result.page,
        limit=result.limit,
        has_more=result.has_more,
    )


@router.get("/{customer_id}", response_model=CustomerRead, responses=errors(401, 403, 404))
def get_customer(customer_id: str, _: Reader, session: SessionDep) -> CustomerRead:
    """One customer with its addresses."""
    return customer_read(service.get_customer(session=session, customer_id=customer_id))


@router.post(
    "", response_model=CustomerRead, status_code=201, responses=errors(400, 401, 403, 409, 422)
)
def create_customer(data: CustomerCreate, _: Writer, session: SessionDep) -> CustomerRead:
    """Create a customer; addresses go in the ``addresses`` array; 409 if the email is taken."""
    return customer_read(service.create_customer(session=session, data=data))


@router.put(
    "/{customer_id}", response_model=CustomerRead, responses=errors(400, 401, 403, 404, 409, 422)
)
def update_customer(
    customer_id: str, data: CustomerUpdate, _: Writer, session: SessionDep
) -> CustomerRead:
    """Partial update: absent = unchanged, null = clear; ``address`` is the billing address."""
    return customer_read(
        service.update_customer(session=session, customer_id=customer_id, data=data)
    )


@router.patch(
    "/{customer_id}/activate", response_model=CustomerRead, responses=errors(401, 403, 404, 409)
)
def activate_customer(customer_id: str, _: Writer, session: SessionDep) -> CustomerRead:
    """Reactivate; 409 if already active."""
    return customer_read(service.set_active(session=session, customer_id=customer_id, active=True))


@router.patch(
    "/{customer_id}/deactivate", response_model=CustomerRead, responses=errors(401, 403, 404, 409)
)
def deactivate_customer(customer_id: str, _: Writer, session: SessionDep) -> CustomerRead:
    """Deactivate; 409 if already deactivated."""
    return customer_read(service.set_active(session=session, customer_id=customer_id, active=False))
