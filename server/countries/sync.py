"""Countries reach replicas read-only (the address form's country list)."""

from __future__ import annotations

from common.sync import Row
from server.countries.models import Country
from server.countries.reads import country_read
from server.sync.registry import EntitySpec, register


def serialize(c: Country) -> Row:
    data: Row = country_read(c).model_dump(mode="json")
    data["version"] = c.version
    return data


SPEC = register(
    EntitySpec(
        entity="country", model=Country, serialize=serialize, read_permission="countries:read"
    )
)
