"""The desktop's modules: the ONE list the sidebar, Ctrl+K, the Compare dialog, the refresh
after a pull and the generated tests read. A new module is a declaration file in
desktop/core/ and one line here; no Qt.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from desktop.core import (
    catalog,
    contracts,
    customers,
    deals,
    employees,
    invoices,
    orders,
    partners,
    suppliers,
)
from desktop.core.kit.entity import Entity, Ref
from desktop.core.kit.listing import EntityList, ListRow
from desktop.core.kit.lookups import CountryLookup, ListLookup, LookupSource, SeveralLookup
from desktop.core.replica import Replica

MODULES: tuple[Entity, ...] = tuple(
    sorted(
        (
            customers.ENTITY,
            deals.ENTITY,
            suppliers.ENTITY,
            partners.ENTITY,
            employees.ENTITY,
            catalog.ENTITY,
            orders.ENTITY,
            invoices.ENTITY,
            contracts.ENTITY,
        ),
        key=lambda e: e.order,
    )
)


def module(entity: str) -> Entity | None:
    """The declaration of ``entity`` (None for entities without a desktop module)."""
    return next((m for m in MODULES if m.name == entity), None)


def open_list(entity: Entity, replica: Replica | str | Path) -> EntityList:
    """The entity's list queries (rows as the user sees them) on their own connection.

    A queued server command is named as the entity declares it (an order's ``status``
    with ``{"status": "confirmed"}`` is its "confirm"), then the entity's ``adjust`` runs.
    """
    adjust = entity.adjust

    def named(row: ListRow) -> ListRow:
        name = entity.declared(row.pending_command, row.pending_args)
        if name != row.pending_command:
            row = replace(row, pending_command=name)
        return adjust(row) if adjust is not None else row

    return EntityList(entity.projection, replica, adjust=named)


def open_lookup(ref: Ref, replica: Replica, language: str) -> LookupSource:
    """Where the choices of a lookup field come from: a module's list, or the countries."""
    if ref.entity == "country":
        return CountryLookup(replica, language)
    sources = []
    for name in ref.entities:
        target = module(name)
        if target is None:
            raise ValueError(f"no desktop module declares {name!r}")
        sources.append(ListLookup(replace(ref, entity=name, also=()), target.projection, replica))
    return sources[0] if len(sources) == 1 else SeveralLookup(sources)
