"""The desktop's modules: the ONE list the sidebar, Ctrl+K, the Compare dialog, the refresh
after a pull and the generated tests read. A new module is a declaration file in
desktop/core/ and one line here; no Qt.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core import customers, deals, employees, partners, suppliers
from desktop.core.kit.entity import Entity, Ref
from desktop.core.kit.listing import EntityList
from desktop.core.kit.lookups import CountryLookup, ListLookup, LookupSource
from desktop.core.replica import Replica

MODULES: tuple[Entity, ...] = tuple(
    sorted(
        (customers.ENTITY, deals.ENTITY, suppliers.ENTITY, partners.ENTITY, employees.ENTITY),
        key=lambda e: e.order,
    )
)


def module(entity: str) -> Entity | None:
    """The declaration of ``entity`` (None for entities without a desktop module)."""
    return next((m for m in MODULES if m.name == entity), None)


def open_list(entity: Entity, replica: Replica | str | Path) -> EntityList:
    """The entity's list queries (rows as the user sees them) on their own connection."""
    return EntityList(entity.projection, replica, adjust=entity.adjust)


def open_lookup(ref: Ref, replica: Replica, language: str) -> LookupSource:
    """Where the choices of a lookup field come from: a module's list, or the countries."""
    if ref.entity == "country":
        return CountryLookup(replica, language)
    target = module(ref.entity)
    if target is None:
        raise ValueError(f"no desktop module declares {ref.entity!r}")
    return ListLookup(ref, target.projection, replica)
