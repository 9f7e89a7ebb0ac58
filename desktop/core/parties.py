"""Suppliers, partners and employees on the desktop: the one declaration each of them is; no Qt.

They share one shape (common/parties.py): name, email, tax id, phone, website,
one postal address (street, city and country required on create) and a
three-state ``status`` changed only by the ``activate``/``deactivate``/``blacklist``
commands (kit/parties.PARTY_STATUS: a blacklisted party is read-only). An
employee adds ``position`` (an ``extra`` field). A pulled party's address
carries ``country`` (the code an update sends) beside ``country_code``; a
locally created one has the create shape (``country``, no ``status`` yet).

Texts all three share are in the "kit" translation context, where the UI looks
after the module's own; each module names itself in its own context.
"""

from __future__ import annotations

from pydantic import BaseModel

from desktop.core import contracts
from desktop.core.kit.entity import (
    QT_TRANSLATE_NOOP,
    Column,
    Entity,
    Field,
    Record,
    get_path,
)
from desktop.core.kit.parties import PARTY_STATUS, PHONE, address_fields, phone_text
from desktop.core.kit.projection import ListColumn, ListProjection, text


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP("kit", source)


def party_entity(
    *,
    name: str,
    context: str,
    create: type[BaseModel],
    update: type[BaseModel],
    label: str,
    plural: str,
    count: str,
    count_more: str,
    new_title: str,
    extra: tuple[Field, ...] = (),
    filter_hint: str = _tr("Filter by name, email, phone, tax ID, city"),
    order: int,
) -> Entity:
    """The declaration of one kind of party; ``extra`` text fields get a list column too."""
    extras = tuple(f.name for f in extra)
    fields = (
        Field("name", _tr("Name"), required=True, live=True, example="Sample Party"),
        *extra,
        Field("email", _tr("Email"), "email", required=True, example="office@sample.example"),
        Field("phone", _tr("Phone"), "phone", placeholder=_tr("+1 555 0100")),
        Field("tax_id", _tr("Tax ID")),
        Field("website", _tr("Website"), "url", placeholder=_tr("https://example.com")),
        PARTY_STATUS.form_field,
        *address_fields(
            street={"required": True, "example": "1 Market St"},
            city={"required": True, "example": "Lviv"},
            country={"required": True},
        ),
    )

    def read(record: Record) -> Record:
        values = {f.name: get_path(record, f.path) for f in fields}
        values["phone"] = phone_text(record)
        return values

    projection = ListProjection(
        entity=name,
        columns=(
            ListColumn("name", text("$.name")),
            *(ListColumn(n, text(f"$.{n}")) for n in extras),
            ListColumn("email", text("$.email")),
            PHONE,
            ListColumn("tax_id", text("$.tax_id")),
            ListColumn("city", text("$.address.city")),
            ListColumn("country", text("$.address.country", "$.address.country_code")),
            PARTY_STATUS.list_column,
        ),
        sort_keys=("name", *extras, "email", "phone", "city", "country", "status"),
        search=("name", *extras, "email", "phone", text("$.phone"), "tax_id", "city"),
    )
    return Entity(
        name=name,
        context=context,
        label=label,
        plural=plural,
        count=count,
        count_more=count_more,
        new_title=new_title,
        filter_hint=filter_hint,
        projection=projection,
        columns=(
            Column("name", _tr("Name"), width=180),
            *(Column(f.name, f.label, width=120) for f in extra),
            Column("email", _tr("Email"), width=165),
            Column("phone", _tr("Phone"), width=125),
            Column("city", _tr("City"), width=95),
            Column("country", _tr("Country"), width=55),
            PARTY_STATUS.column,
        ),
        fields=fields,
        create=create,
        update=update,
        search_detail=(*extras, "email", "city"),
        groups={"address": _tr("Address")},
        filters=(PARTY_STATUS.list_filter,),
        commands=PARTY_STATUS.commands,
        status=PARTY_STATUS,
        depends_on=frozenset({"country"}),
        read=read,
        order=order,
        related=(contracts.RELATED,),
    )
