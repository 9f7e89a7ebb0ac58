"""Customers: create, read, list, partial update, activation.

Every write goes through here (REST, sync pushes, the demo command), so the
rules live in one place: email unique, money integer cents >= 0, countries
resolved from a code or an id, ``total_purchases`` never taken from a client.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from common.customers import AddressCreate, AddressUpdate, CustomerCreate, CustomerUpdate
from common.validation import normalize_phone
from server.countries.models import Country
from server.countries.service import find_country
from server.customers.models import Customer, CustomerAddress
from server.db import utcnow
from server.errors import Conflict, NotFound, ValidationFailed
from server.listing import PageRequest, PageResult, like_pattern, paginate, search_clause
from server.unit_of_work import note

CUSTOMER_SORTS = {
    "name": Customer.name,
    "email": Customer.email,
    "created_at": Customer.created_at,
    "credit_limit": Customer.credit_limit,
    "total_purchases": Customer.total_purchases,
}
SEARCH_COLUMNS = (Customer.name, Customer.email, Customer.phone, Customer.company)
ADDRESS_FIELDS = ("street", "city", "region", "postal_code")
LOAD = selectinload(Customer.addresses).selectinload(CustomerAddress.country)
# SQLite: customers_fts (migration 0005) is an FTS5 trigram index over these columns.
# A trigram index cannot answer a term shorter than three characters; such a term
# matches most of the table anyway, so scanning it costs little more.
FTS_MIN_CHARS = 3


@cache
def _upper_forms() -> dict[str, str]:
    """Each lowercase character and the single characters that lower() maps to it."""
    forms: dict[str, str] = {}
    for code in range(0x10000):  # the Basic Multilingual Plane: every script in common use
        ch = chr(code)
        low = ch.lower()
        if low != ch and len(low) == 1:
            forms[low] = forms.get(low, "") + ch
    return forms


def _glob_pattern(term: str) -> str:
    """A case-blind GLOB pattern for ``term`` anywhere: ``öK*`` -> ``*[öÖ][kK…][*]*``.

    SQLite's lower() and LIKE fold ASCII only; a character class per letter
    folds as PostgreSQL's lower() does (``Ö``, ``Ї``, ``ẞ``).
    """
    forms = _upper_forms()
    parts = []
    for ch in term.lower():
        variants = forms.get(ch, "")
        if variants:
            parts.append(f"[{ch}{variants}]")  # letters only: nothing special inside a class
        elif ch in "*?[":
            parts.append(f"[{ch}]")
        else:
            parts.append(ch)
    return "*" + "".join(parts) + "*"


def _search_filter(session: Session, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring of name, email, phone or company: the same rows on both backends."""
    term = text.strip()
    if session.get_bind().dialect.name != "sqlite":
        return search_clause(SEARCH_COLUMNS, term)  # lower() LIKE, on pg_trgm GIN indexes
    if len(term) < FTS_MIN_CHARS:
        if term.isascii():
            # SQLite's LIKE folds ASCII case itself: lower() would only triple the cost.
            pattern = like_pattern(term)
            return sa.or_(*(c.like(pattern, escape="\\") for c in SEARCH_COLUMNS))
        return sa.or_(
            *(c.op("GLOB", is_comparison=True)(_glob_pattern(term)) for c in SEARCH_COLUMNS)
        )
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


def get_customer(*, session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id, options=[LOAD])
    if customer is None:
        raise NotFound("Customer not found")
    return customer


def list_customers(
    *, session: Session, page: PageRequest, active: bool | None = None
) -> PageResult[Customer]:
    """A page of customers; search is a case-insensitive substring of name/email/phone/company."""
    filters: list[sa.ColumnElement[bool]] = []
    if active is not None:
        filters.append(Customer.active.is_(active))
    sortable: dict[str, Any] = dict(CUSTOMER_SORTS)
    if page.search and page.search.strip():
        filters.append(_search_filter(session, page.search))
        # With a search, walking the sort index and filtering row by row can read most
        # of the table before it finds a page of matches (all "summit"s sort late).
        # coalesce(c, c) sorts the same but hides the index, so the database collects
        # the matches first (trigram bitmap on PostgreSQL) and sorts only those.
        sortable = {k: sa.func.coalesce(c, c) for k, c in CUSTOMER_SORTS.items()}
    return paginate(
        session,
        sa.select(Customer).options(LOAD),
        page,
        sortable=sortable,
        default_sort="name",
        tiebreak=Customer.id,
        filters=filters,
    )


def _resolve_country(session: Session, ref: str | None) -> Country | None:
    """The country a code or id names; ``ValueError`` if there is none or it is inactive."""
    if ref is None:
        return None
    country = find_country(session=session, ref=ref)
    if country is None:
        raise ValueError(f"Unknown country: {ref!r} (ISO 3166-1 alpha-2 code or country id)")
    if not country.is_active:
        raise ValueError(f"Country {country.code} is not active")
    return country


def _ensure_email_free(session: Session, email: str, except_id: str | None = None) -> None:
    stmt = sa.select(Customer.id).where(Customer.email == email)
    if except_id is not None:
        stmt = stmt.where(Customer.id != except_id)
    existing = session.scalar(stmt)
    if existing is not None:
        raise Conflict(
            "Another customer already has this email", details={"email": "Already in use"}
        )


def _phone_pair(e164: str | None) -> tuple[str | None, str | None]:
    if e164 is None:
        return None, None
    return normalize_phone(e164)


def _new_address(session: Session, data: AddressCreate) -> CustomerAddress:
    country = _resolve_country(session, data.country)
    return CustomerAddress(
        type=data.type,
        street=data.street,
        city=data.city,
        region=data.region,
        postal_code=data.postal_code,
        country_id=country.id if country else None,
        country=country,
    )


def create_customer(
    *, session: Session, data: CustomerCreate, customer_id: str | None = None
) -> Customer:
    """Create a customer; a replica passes the UUIDv7 it made offline as ``customer_id``."""
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
    phone, phone_display = _phone_pair(data.phone)
    customer = Customer(
        **({"id": customer_id} if customer_id else {}),
        name=data.name,
        email=data.email,
        phone=phone,
        phone_display=phone_display,
        tax_id=data.tax_id,
        website=data.website,
        social_media=data.social_media,
        company=data.company,
        notes=data.notes,
        credit_limit=data.credit_limit,
        total_purchases=0,
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
                country = _resolve_country(session, changes["country"])
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


def update_customer(*, session: Session, customer_id: str, data: CustomerUpdate) -> Customer:
    customer = get_customer(session=session, customer_id=customer_id)
    changes = data.provided()
    changes.pop("total_purchases", None)  # refused by the schema; never written from a client
    if "address" in changes:
        changes.pop("address")
        _update_billing(session, customer, data.address)
    email = changes.get("email")
    if isinstance(email, str) and email != customer.email:
        _ensure_email_free(session, email, except_id=customer.id)
    if "phone" in changes:
        customer.phone, customer.phone_display = _phone_pair(changes.pop("phone"))  # type: ignore[arg-type]
    for key, value in changes.items():
        setattr(customer, key, value)
    session.flush()
    return customer


def set_active(*, session: Session, customer_id: str, active: bool) -> Customer:
    customer = get_customer(session=session, customer_id=customer_id)
    if customer.active == active:
        raise Conflict(
            "Customer is already active" if active else "Customer is already deactivated"
        )
    customer.active = active
    session.flush()
    note(session, customer, action="activate" if active else "deactivate")
    return customer


def delete_customer(*, session: Session, customer_id: str) -> None:
    """Remove a customer and its addresses (replicas get a tombstone)."""
    customer = get_customer(session=session, customer_id=customer_id)
    for address in list(customer.addresses):
        session.delete(address)
    session.delete(customer)
    session.flush()
