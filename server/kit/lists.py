"""A module's list through the one list helper, from its ``ListSpec`` and a parsed query."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from common.api import has_control_characters
from server.kit.resource import Resource
from server.listing import MAX_LIMIT, MAX_PAGE, PageRequest, PageResult, paginate
from server.sync.models import SyncedMixin

PAGE_FIELDS = frozenset({"page", "limit", "offset", "sort_by", "sort_order", "search", "cursor"})


def list_page(
    session: Session, resource: Resource[Any], query: BaseModel, *, everything: bool = False
) -> PageResult[Any]:
    """Filter, search, sort and page ``resource``'s rows as ``query`` asks (all of them: ``everything``)."""
    spec = resource.listing
    values = query.model_dump()
    filters = [
        spec.filters[name](value)
        for name, value in values.items()
        if name not in PAGE_FIELDS and value is not None
    ]
    sortable: dict[str, Any] = dict(spec.sorts)
    if any(isinstance(v, str) and has_control_characters(v) for v in values.values()):
        # No stored text holds a control character (every text input refuses them, and
        # PostgreSQL refuses even to compare with NUL): nothing matches. Skeleton routes
        # refuse such parameters up front; Micro CRM lists answer them with an empty page.
        return PageResult(items=[], total=0, page=1, limit=values.get("limit", MAX_LIMIT))
    search = values.get("search")
    if search and search.strip() and spec.search is not None:
        filters.append(spec.search(session, search))
        # With a search, walking the sort index and filtering row by row can read most
        # of the table before it finds a page of matches. coalesce(c, c) sorts the same
        # but hides the index, so the database collects the matches first and sorts those.
        sortable = {k: sa.func.coalesce(c, c) for k, c in spec.sorts.items()}
    offset = values.get("offset")
    cursor = values.get("cursor")
    if cursor is not None:
        filters.append(resource.model.id > cursor)
    core = resource.core  # records from Core rows where the resource says how
    rows_of: sa.Select[Any] = (
        core.select() if core else sa.select(resource.model).options(*resource.options())
    )
    if everything:  # an unpaginated {data: [...]} list: small reference tables
        everyone = rows_of.where(*filters).order_by(sortable[spec.default_sort], resource.model.id)
        rows = core.fetch(session, everyone)[0] if core else list(session.scalars(everyone))
        return PageResult(items=rows, total=len(rows), page=1, limit=max(len(rows), 1))
    return paginate(
        session,
        rows_of,
        PageRequest(
            page=values.get("page", 1),
            limit=values.get("limit", MAX_LIMIT),
            sort_by=values.get("sort_by"),
            sort_order=values.get("sort_order") or spec.default_order,
            offset=None if offset is None else min(offset, MAX_PAGE * MAX_LIMIT),
        ),
        sortable=sortable,
        default_sort=spec.default_sort,
        tiebreak=resource.model.id,
        filters=filters,
        total_key=_total_key(resource, values),
        core=core,
    )


def _total_key(resource: Resource[Any], values: dict[str, Any]) -> str | None:
    """What the list's total depends on: its rows' filters and search, not the page or sort.

    Only for synced rows, whose every write moves the sync version the count is kept
    for (``server.totals``); and not after a cursor, a count nobody asks for twice.
    """
    if not issubclass(resource.model, SyncedMixin) or values.get("cursor") is not None:
        return None
    chosen = {k: v for k, v in values.items() if k not in PAGE_FIELDS and v is not None}
    search = (values.get("search") or "").strip()
    return repr((resource.entity, sorted(chosen.items()), search))
