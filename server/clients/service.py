"""Clients are customers (DESIGN.md): every write goes through the customers' service.

A lead form sends the Micro CRM fields; they become a customer with the
customers' own rules (email required and unique, phone in international form).
"""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from common.api import has_control_characters
from common.clients import CreateClientRequest
from common.customers import CustomerCreate
from common.validation import normalize_email, normalize_phone
from server.customers import service as customers
from server.customers.models import Customer
from server.errors import BadRequest
from server.listing import MAX_LIMIT, MAX_PAGE, PageRequest, PageResult
from server.micro_crm import DuplicateClient, validation_message

MAX_OFFSET = MAX_PAGE * MAX_LIMIT


def list_clients(
    *, session: Session, limit: int, offset: int, search: str | None
) -> PageResult[Customer]:
    """Customers by name, ``limit`` from ``offset``; search matches name, email, company (and phone).

    The document allows any offset and any search text and answers them with a
    list (it has no 400 here): an offset past every row is an empty page, and text
    no field can hold (control characters, refused in every text input) matches nothing.
    """
    if search is not None and has_control_characters(search):
        return PageResult(items=[], total=0, page=1, limit=limit)
    return customers.list_customers(
        session=session,
        page=PageRequest(limit=limit, offset=min(offset, MAX_OFFSET), search=search),
    )


def create_client(*, session: Session, data: CreateClientRequest) -> Customer:
    """A new customer from a lead; 409 naming the existing one if the email is taken."""
    email: str | None = None
    if data.email is not None:
        try:
            email = normalize_email(data.email)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        existing = session.scalar(sa.select(Customer.id).where(Customer.email == email))
        if existing is not None:
            raise DuplicateClient(existing)
    # A lead form's phone is kept even when it is not a dialable number (the
    # document's own example "+1 555-0123" is too short): shown as typed, no E.164.
    phone: str | None = data.phone
    raw_phone: str | None = None
    if data.phone is not None and data.phone.strip():
        try:
            normalize_phone(data.phone)
        except ValueError:
            phone, raw_phone = None, data.phone.strip()[:40]
    try:
        create = CustomerCreate(
            name=data.name,
            email=email,
            phone=phone,
            company=data.company,
            notes=data.notes,
        )
    except ValidationError as exc:
        raise BadRequest(validation_message(exc.errors())) from None
    customer = customers.create_customer(session=session, data=create)
    if raw_phone is not None:
        customer.phone_display = raw_phone
        session.flush()
    return customer
