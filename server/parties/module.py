"""What makes a party module: one call per kind declares its resource (``server/suppliers`` ...)."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel

from common.addresses import AddressValues
from common.parties import COMMANDS, PartyCreate, PartyQuery, PartyRead, PartyUpdate
from common.sync import Row
from server.addresses import address_fields, keyed_for_updates
from server.kit import BASE_READ_ONLY, Command, ListSpec, Resource, SyncSpec
from server.kit.sync import row
from server.parties.models import Party
from server.parties.service import PartyService
from server.sync.snapshot import CoreLoad, attach_countries

P = TypeVar("P", bound=Party)


def party_resource(
    model: type[P], create: type[PartyCreate], update: type[PartyUpdate], read: type[PartyRead]
) -> Resource[P]:
    """The declaration of one kind of party (``Supplier`` is served at ``/api/v1/suppliers``)."""
    service = PartyService(model, model.__name__)
    plural = f"{model.__entity__}s"
    fields = [f for f in read.model_fields if f != "address"]

    def read_one(p: P) -> BaseModel:
        address = address_fields(p)
        present = any(address[k] is not None for k in address)
        return read.model_validate(
            {
                **{f: getattr(p, f) for f in fields},
                "address": AddressValues(**address) if present else None,
            }
        )

    def serialize(p: P) -> Row:
        return keyed_for_updates(row(read_one, p))

    table = Party.__table__
    of_kind = table.c.kind == sa.inspect(model).polymorphic_identity

    # This kind's rows (and their countries) from Core rows, for snapshot and list pages.
    core = CoreLoad(table, kind=of_kind, attach=attach_countries)

    commands: tuple[Command[Any], ...] = tuple(
        Command(name, getattr(service, name), summary=f"Set the status to {status}")
        for name, status in COMMANDS.items()
    )
    return Resource[P](
        entity=model.__entity__,
        model=model,
        path=f"/api/v1/{plural}",
        permission="parties",
        create=create,
        update=update,
        read=read_one,
        read_schema=read,
        service=service,
        listing=ListSpec(
            query=PartyQuery,
            sorts=service.sorts,
            default_sort="name",
            filters={"status": model.status.__eq__},
            search=service.search,
        ),
        commands=commands,
        sync=SyncSpec(
            serialize=serialize,
            policies={"status": "manual"},
            nested=frozenset({"address"}),
            read_only=BASE_READ_ONLY | {"status", "phone_display"},
        ),
        load=(service.load,),
        core=core,
        tag=plural,
    )
