"""Declared references between modules: a row something points at is not deleted (409)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.errors import Conflict
from server.kit.resource import Ref, Resource

Incoming = Mapping[type[Any], Sequence[Ref]]


def incoming(resources: Iterable[Resource[Any]]) -> dict[type[Any], list[Ref]]:
    """For each model, the references other modules declare to it."""
    out: dict[type[Any], list[Ref]] = {}
    for resource in resources:
        for ref in resource.references:
            out.setdefault(ref.target, []).append(ref)
    return out


def refuse_if_referenced(session: Session, refs: Sequence[Ref], entity_id: str) -> None:
    """409 with the reference's own message if any row still points at ``entity_id``."""
    for ref in refs:
        with session.no_autoflush:
            found = session.scalar(sa.select(ref.column).where(ref.column == entity_id).limit(1))
        if found is not None:
            raise Conflict(ref.message, details={ref.detail[0]: ref.detail[1]})
