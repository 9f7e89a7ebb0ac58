"""Clients are customers (DESIGN.md): every read and write goes through the customers' module.

A lead form sends the Micro CRM fields; they become a customer with the
customers' own rules (email unique when given, phone in international form),
and a duplicate email is the customers' own conflict, naming the customer.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from common.clients import ClientQuery, CreateClientRequest
from common.customers import CustomerCreate
from common.validation import normalize_email, normalize_phone
from server import customers
from server.auth.principal import Principal
from server.customers.models import Customer
from server.errors import BadRequest
from server.kit.lists import list_page
from server.listing import PageResult
from server.micro_crm import DuplicateClient, validation_message


def list_clients(*, session: Session, query: ClientQuery) -> PageResult[Customer]:
    """Customers by name, ``limit`` from ``offset``; search matches name, email, company (and phone).

    The document allows any offset and any search text and answers them with a
    list (it has no 400 here): an offset past every row is an empty page, and text
    no field can hold (control characters, refused in every text input) matches nothing.
    """
    return list_page(session, customers.RESOURCE, query)


def create_client(
    *, session: Session, actor: Principal | None, data: CreateClientRequest
) -> Customer:
    """A new customer from a lead; 409 naming the existing one if the email is taken."""
    email: str | None = None
    if data.email is not None:
        try:
            email = normalize_email(data.email)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
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
            name=data.name, email=email, phone=phone, company=data.company, notes=data.notes
        )
    except ValidationError as exc:
        raise BadRequest(validation_message(exc.errors())) from None
    try:
        return customers.service.create(
            session=session, actor=actor, data=create, phone_display=raw_phone
        )
    except customers.service.EmailTaken as exc:
        raise DuplicateClient(exc.existing_id) from None
