"""The desktop's modules: the ONE list the sidebar, Ctrl+K, the Compare dialog, the refresh
after a pull and the generated tests read. A new module is a declaration file in
desktop/core/ and one line here; no Qt.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from common.permissions import has_permission
from desktop.core import (
    accounts,
    catalog,
    categories,
    contracts,
    customers,
    deals,
    employees,
    invoices,
    journal,
    movements,
    orders,
    partners,
    stock,
    suppliers,
    warehouses,
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
            categories.ENTITY,
            orders.ENTITY,
            invoices.ENTITY,
            accounts.ENTITY,
            warehouses.ENTITY,
            stock.ENTITY,
            movements.ENTITY,
            contracts.ENTITY,
        ),
        key=lambda e: e.order,
    )
)


# Declared modules with a page of their own that the generated tests cannot drive (a journal
# entry is drafted balanced, then never edited): ``module`` names them (a refusal's text);
# not in Ctrl+K; tested in their own files (tests/desktop/ui/test_ledger_pages.py).
OWN_PAGES: tuple[Entity, ...] = (journal.ENTITY,)


def module(entity: str) -> Entity | None:
    """The declaration of ``entity`` (None for entities without a desktop module)."""
    return next((m for m in (*MODULES, *OWN_PAGES) if m.name == entity), None)


def may(replica: Replica, resource: str, action: str) -> bool:
    """Whether the user may ``action`` ("read", "write") ``resource`` ("" : anyone may).

    Before the server has told this replica the user's permissions (the first sync),
    the window offers everything and the server's refusal says why.
    """
    granted = replica.permissions()
    if not resource or granted is None:
        return True
    return has_permission(granted, f"{resource}:{action}")


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
