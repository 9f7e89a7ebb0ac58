"""Postal addresses on the server: the columns, the read and the replica's keys (customers, parties)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from common.sync import Row
from server.countries.models import Country


class AddressColumns:
    """The columns of one address: a customer's address rows, a party's embedded address."""

    street: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    country_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("countries.id"), index=True
    )

    @declared_attr
    def country(cls) -> Mapped[Country | None]:  # noqa: N805 - a declared_attr takes the class
        return relationship(lazy="raise")


def address_fields(a: AddressColumns) -> dict[str, Any]:
    """The fields of ``common.addresses.AddressValues``: the country by id and code."""
    return {
        "street": a.street,
        "city": a.city,
        "region": a.region,
        "postal_code": a.postal_code,
        "country_id": a.country_id,
        "country_code": a.country.code if a.country else None,
    }


def keyed_for_updates(row: Row) -> Row:
    """Add ``address.country`` (the code): the key an update sends, so a replica can send what it saw."""
    address = row.get("address")
    if isinstance(address, dict):
        address["country"] = address.get("country_code")
    return row
