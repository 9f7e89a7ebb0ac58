"""The REST shapes a module's spec section can show (DESIGN.md, Pagination).

- ``PAGE_LIMIT``: ``{items, total, page, limit, has_more}``; create answers the object.
- ``DATA_LIST``: unpaginated ``{data: [...]}`` (roles, countries).
- ``CURSOR``: ``{data: {items, next_cursor, has_more, limit}}``; create answers
  ``{data: {id}}`` (contracts).
- ``micro_crm(...)``: ``{data, pagination{total, limit, offset, hasMore}}`` and
  ``{data: ...}``, camelCase wire schemas, the Micro CRM error bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel


@dataclass(frozen=True)
class Wire:
    """Wire schemas that differ from the service's (Micro CRM: camelCase, dollars)."""

    read: Callable[[Any], BaseModel]
    read_schema: type[BaseModel]
    create: type[BaseModel] | None = None
    to_create: Callable[[Any], BaseModel] | None = None
    update: type[BaseModel] | None = None
    to_update: Callable[[Any], BaseModel] | None = None
    operation_ids: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RestShape:
    """Which routes a module has and the envelopes they answer with."""

    kind: Literal["page", "data", "cursor", "micro_crm"]
    get: bool = True
    create: bool = True
    update: Literal["PUT", "PATCH"] | None = "PUT"
    delete: bool = False
    wire: Wire | None = None

    def but(self, **changes: Any) -> RestShape:
        """This shape with some routes added or left out."""
        return replace(self, **changes)


PAGE_LIMIT = RestShape("page")
DATA_LIST = RestShape("data", create=False, update=None)
CURSOR = RestShape("cursor")


def micro_crm(wire: Wire, *, get: bool = True, update: bool = True) -> RestShape:
    """The Micro CRM shape over ``wire``'s schemas; updates are ``PATCH``."""
    return RestShape(
        "micro_crm",
        get=get,
        create=wire.create is not None,
        update="PATCH" if update and wire.update is not None else None,
        wire=wire,
    )
