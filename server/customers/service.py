"""Customers: create, read, partial update, activation, delete (the kit's ``CrudService``).

Every write goes through here (REST, sync pushes, Micro CRM clients, the demo
command), so the rules live in one place: email unique, money integer cents
>= 0, countries resolved from a code or an id, ``total_purchases`` never taken
from a client.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from common.addresses import AddressUpdate
from common.customers import AddressCreate, CustomerCreate, CustomerUpdate
from common.kit import NoArgs, phone_pair
from server.auth.principal import Principal
from server.countries.models import Country
from server.countries.service import address_country
from server.customers.models import Customer, CustomerAddress
from server.db import utcnow
from server.errors import Conflict, NotFound, ValidationFailed
from server.listing import search_clause, substring_filter
from server.unit_of_work import note

SORTS = {
    "name": Customer.name,
    "email": Customer.email,
    "created_at": Customer.created_at,
    "credit_limit": Customer.credit_limit,
    "total_purchases": Customer.total_purchases,
}
SEARCH_COLUMNS = (Customer.name, Customer.email, Customer.phone, Customer.company)
ADDRESS_FIELDS = ("street", "city", "region", "postal_code")
# A page's addresses and their countries in one statement (selectin, then a join).
LOAD = selectinload(Customer.addresses).joinedload(CustomerAddress.country)
# SQLite: customers_fts (migration 0005) is an FTS5 trigram index over these columns.
# A trigram index cannot answer a term shorter than three characters; such a term
# matches most of the table anyway, so scanning it costs little more.
FTS_MIN_CHARS = 3


def search_filter(session: Session, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring of name, email, phone or company: the same rows on both backends."""
    term = text.strip()
    if session.get_bind().dialect.name != "sqlite":
        return search_clause(SEARCH_COLUMNS, term)  # lower() LIKE, on pg_trgm GIN indexes
    if len(term) < FTS_MIN_CHARS:
        return substring_filter(session, SEARCH_COLUMNS, term)
    # One FTS5 phrase: the trigram tokenizer turns it into consecutive trigrams, so it
    # matches exactly the rows with the term as a substring of one column, case-folded.
    # Inside double quotes nothing is query syntax (AND, NEAR, *, :, ^); a quote doubles.
    phrase = '"' + term.replace('"', '""') + '"'
    matches: sa.Select[Any] = (
        sa.select(sa.literal_column("rowid"))
        .select_from(sa.table("customers_fts"))
        .where(sa.text("customers_fts MATCH :fts_phrase").bindparams(fts_phrase=phrase))
    )
    return sa.literal_column("customers.rowid").in_(matches)


def get(*, session: Session, actor: Principal | None, id: str) -> Customer:  # noqa: ARG001
    customer = session.get(Customer, id, options=[LOAD])
    if customer is None:
        raise NotFound("Customer not found")
    return customer


class EmailTaken(Conflict):
    """409: another customer has this email; ``existing_id`` names it (Micro CRM's ``existingId``)."""

    def __init__(self, existing_id: str) -> None:
        super().__init__(
            "Another customer already has this email", details={"email": "Already in use"}
        )
        self.existing_id = existing_id


def _ensure_email_free(session: Session, email: str, except_id: str | None = None) -> None:
    stmt = sa.select(Customer.id).where(Customer.email == email)
    if except_id is not None:
        stmt = stmt.where(Customer.id != except_id)
    existing = session.scalar(stmt)
    if existing is not None:
        raise EmailTaken(existing)


def _new_address(session: Session, data: AddressCreate) -> CustomerAddress:
    country = address_country(session, data.country)
    return CustomerAddress(
        type=data.type,
        street=data.street,
        city=data.city,
        region=data.region,
        postal_code=data.postal_code,
        country_id=country.id if country else None,
        country=country,
    )


def create(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    data: CustomerCreate,
    id: str | None = None,
    phone_display: str | None = None,
) -> Customer:
    """Create a customer; a replica passes the UUIDv7 it made offline as ``id``.

    ``phone_display`` keeps a lead's number as typed when it is no number at all
    (Micro CRM clients); otherwise it is derived from ``data.phone``.
    """
    addresses: list[CustomerAddress] = []
    details: dict[str, str] = {}
    for i, a in enumerate(data.addresses):
        try:
            addresses.append(_new_address(session, a))
        except ValueError as exc:
            details[f"addresses.{i}.country"] = str(exc)
    if details:
        raise ValidationFailed(details)
    if data.email is not None:
        _ensure_email_free(session, data.email)
    phone, display = phone_pair(data.phone)
    customer = Customer(
        **({"id": id} if id else {}),
        name=data.name,
        email=data.email,
        phone=phone,
        phone_display=display if phone is not None else phone_display,
        tax_id=data.tax_id,
        website=data.website,
        social_media=data.social_media,
        company=data.company,
        notes=data.notes,
        credit_limit=data.credit_limit,
        total_purchases=0,
        purchases=[],
        currency=data.currency,
        active=True,
        addresses=addresses,
    )
    session.add(customer)
    session.flush()
    return customer


def _address_snapshot(a: CustomerAddress | None) -> dict[str, Any] | None:
    if a is None:
        return None
    snap: dict[str, Any] = {f: getattr(a, f) for f in ADDRESS_FIELDS}
    snap["country_id"] = a.country_id
    return snap


def _update_billing(session: Session, customer: Customer, data: AddressUpdate | None) -> None:
    """Apply the ``address`` sub-object to the billing address (null removes it)."""
    billing = customer.billing_address
    before = _address_snapshot(billing)
    if data is None:
        if billing is None:
            return
        # An explicit delete, so the unit of work sees it (orphan deletes are invisible to it).
        customer.addresses.remove(billing)
        session.delete(billing)
        after = None
    else:
        changes = data.changes()
        country: Country | None = None
        if changes.get("country") is not None:
            try:
                country = address_country(session, changes["country"])
            except ValueError as exc:
                raise ValidationFailed({"address.country": str(exc)}) from None
        if billing is None:
            billing = CustomerAddress(type="billing", country=None)
            customer.addresses.append(billing)
        for key, value in changes.items():
            if key == "country":
                billing.country_id = country.id if country else None
                billing.country = country
            else:
                setattr(billing, key, value)
        after = _address_snapshot(billing)
    fields = {
        f"address.{k}": ((before or {}).get(k), (after or {}).get(k))
        for k in (*ADDRESS_FIELDS, "country_id")
        if (before or {}).get(k) != (after or {}).get(k)
    }
    if fields or (before is None) != (after is None):
        # The customer's own audit and change log show the address edit too.
        customer.updated_at = utcnow()
        note(session, customer, fields=fields)


def update(*, session: Session, actor: Principal | None, id: str, data: CustomerUpdate) -> Customer:
    customer = get(session=session, actor=actor, id=id)
    changes = data.provided()
    changes.pop("total_purchases", None)  # refused by the schema; never written from a client
    if "address" in changes:
        changes.pop("address")
        _update_billing(session, customer, data.address)
    email = changes.get("email")
    if isinstance(email, str) and email != customer.email:
        _ensure_email_free(session, email, except_id=customer.id)
    if "phone" in changes:
        customer.phone, customer.phone_display = phone_pair(changes.pop("phone"))  # type: ignore[arg-type]
    for key, value in changes.items():
        setattr(customer, key, value)
    if "currency" in changes:  # total_purchases is what was paid in the customer's currency
        customer.total_purchases = purchases_in(customer.purchases, customer.currency)
    session.flush()
    return customer


def purchases_in(purchases: list[dict[str, Any]] | None, currency: str) -> int:
    """The amount paid in ``currency`` of a customer's per-currency ``purchases``."""
    return next((int(p["amount"]) for p in purchases or () if p["currency"] == currency), 0)


def _set_active(session: Session, actor: Principal | None, id: str, active: bool) -> Customer:
    customer = get(session=session, actor=actor, id=id)
    if customer.active == active:
        raise Conflict(
            "Customer is already active" if active else "Customer is already deactivated"
        )
    customer.active = active
    session.flush()
    note(session, customer, action="activate" if active else "deactivate")
    return customer


def activate(*, session: Session, actor: Principal | None, id: str, args: NoArgs) -> Customer:  # noqa: ARG001
    """Reactivate; 409 if already active."""
    return _set_active(session, actor, id, True)


def deactivate(*, session: Session, actor: Principal | None, id: str, args: NoArgs) -> Customer:  # noqa: ARG001
    """Deactivate; 409 if already deactivated."""
    return _set_active(session, actor, id, False)


def delete(*, session: Session, actor: Principal | None, id: str) -> None:
    """Remove a customer and its addresses (replicas get a tombstone)."""
    customer = get(session=session, actor=actor, id=id)
    for address in list(customer.addresses):
        session.delete(address)
    session.delete(customer)
    session.flush()
