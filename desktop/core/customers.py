"""Customers on the desktop: the module's declaration (list, form, commands); no Qt.

A locally created customer that has not been pulled back yet has the create
shape (``addresses`` with ``country``); a pulled one the read shape
(``address`` with ``country_code``); a local address edit adds ``country``.
The projection and ``billing_address`` read all three.
"""

from __future__ import annotations

from typing import Any

from common.customers import CustomerCreate, CustomerUpdate
from desktop.core import contracts
from desktop.core.kit.entity import (
    QT_TRANSLATE_NOOP,
    Column,
    Entity,
    Field,
    Record,
    Related,
)
from desktop.core.kit.parties import ACTIVE, ADDRESS, PHONE, address_fields, phone_text
from desktop.core.kit.projection import ListColumn, ListProjection, integer, text

ADDRESS_FIELDS = ADDRESS
C = "customers"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


PROJECTION = ListProjection(
    entity="customer",
    columns=(
        ListColumn("name", text("$.name")),
        ListColumn("company", text("$.company")),
        ListColumn("email", text("$.email")),
        PHONE,
        ListColumn("city", text("$.address.city", "$.addresses[0].city")),
        ListColumn(
            "country",
            text(
                "$.address.country",
                "$.address.country_code",
                "$.addresses[0].country",
                "$.addresses[0].country_code",
            ),
        ),
        ListColumn("credit_limit", integer("$.credit_limit"), "integer"),
        ListColumn("currency", text("$.currency")),
        ACTIVE.list_column,
    ),
    sort_keys=(
        *("name", "company", "email", "phone", "city", "country"),
        *("credit_limit", "currency", "active"),
    ),
    search=("name", "company", "email", "phone", text("$.phone"), "city"),
)


def billing_address(record: dict[str, Any]) -> dict[str, str | None]:
    """The billing address of a customer record, whatever shape the replica holds it in.

    Keys: street, city, region, postal_code, country (alpha-2).
    """
    out: dict[str, str | None] = dict.fromkeys(ADDRESS_FIELDS)
    sources: list[dict[str, Any]] = [
        a
        for a in record.get("addresses") or []
        if isinstance(a, dict) and a.get("type", "billing") == "billing"
    ][:1]
    if isinstance(record.get("address"), dict):
        sources.append(record["address"])
    for source in sources:
        for key in ("street", "city", "region", "postal_code"):
            if key in source:
                out[key] = source[key]
        if source.get("region") is None and source.get("state") is not None:
            out["region"] = source["state"]
        if "country" in source:
            out["country"] = source["country"]
        elif "country_code" in source:
            out["country"] = source["country_code"]
    return out


def _read(record: Record) -> Record:
    values = {f.name: record.get(f.name) for f in FIELDS if "." not in f.name}
    values["phone"] = phone_text(record)
    values.update({f"address.{k}": v for k, v in billing_address(record).items()})
    return values


def _to_create(values: Record) -> Record:
    """Form values -> ``CustomerCreate``: the billing address goes in ``addresses``."""
    data = {k: v for k, v in values.items() if "." not in k and v is not None}
    address = {k: values.get(f"address.{k}") for k in ADDRESS_FIELDS}
    if any(v is not None for v in address.values()):
        data["addresses"] = [{"type": "billing", **address}]
    return data


FIELDS: tuple[Field, ...] = (
    Field("name", _tr("Name"), required=True, live=True, example="Sample Customer"),
    Field("email", _tr("Email"), "email", placeholder=_tr("name@example.com")),
    Field("phone", _tr("Phone"), "phone", placeholder=_tr("+1 555 0100")),
    Field("company", _tr("Company")),
    Field("tax_id", _tr("Tax ID")),
    Field("website", _tr("Website"), "url", placeholder=_tr("https://example.com")),
    Field("credit_limit", _tr("Credit limit"), "money", currency="currency", live=True, default=0),
    Field("currency", _tr("Currency"), "currency", beside="credit_limit", live=True),
    ACTIVE.form_field,
    Field("social_media", _tr("Social media"), "keyvalue"),
    Field("notes", _tr("Notes"), "multiline"),
    *address_fields(city={"example": "Lviv"}),
    Field("total_purchases", _tr("Total purchases"), "money", currency="currency", in_form=False),
    # What the customer paid per currency (the server's; nothing converted): total_purchases
    # is the entry in the customer's own currency.
    Field(
        "purchases",
        _tr("Paid, per currency"),
        "table",
        read_only=True,
        columns=(
            Column("currency", _tr("Currency"), width=90),
            Column("amount", _tr("Paid"), "money", currency="currency", width=140),
        ),
        empty=_tr("Nothing paid yet"),
    ),
)

ENTITY = Entity(
    name="customer",
    context=C,
    label=_tr("Customer"),
    plural=_tr("Customers"),
    count=_tr("%n customer(s)"),
    count_more=_tr("%1+ customers"),
    new_title=_tr("New customer"),
    filter_hint=_tr("Filter by name, company, email, phone, city"),
    projection=PROJECTION,
    columns=(
        Column("name", _tr("Name"), width=220),
        Column("company", _tr("Company"), width=170),
        Column("email", _tr("Email"), width=230),
        Column("phone", _tr("Phone"), width=140),
        Column("city", _tr("City"), width=110),
        Column("country", _tr("Country"), width=70),
        Column("credit_limit", _tr("Credit limit"), "money", currency="currency"),
        ACTIVE.column,
    ),
    fields=FIELDS,
    create=CustomerCreate,
    update=CustomerUpdate,
    search_detail=("email", "company", "city"),
    groups={"address": _tr("Billing address")},
    filters=(ACTIVE.list_filter,),
    commands=ACTIVE.commands,
    status=ACTIVE,
    depends_on=frozenset({"country", "order", "invoice"}),  # its orders and invoices below
    read=_read,
    to_create=_to_create,
    related=(
        Related("order", "customer_id", _tr("Orders"), ("number", "status", "created", "total")),
        Related(
            "invoice",
            "customer_id",
            _tr("Invoices"),
            ("number", "status", "due_date", "total", "balance_due"),
        ),
        contracts.RELATED,
    ),
    order=10,
)
