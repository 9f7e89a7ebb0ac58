"""The declaration of a business module: what its routes, sync spec and permissions come from.

A module writes its schemas (``common/<module>.py``) and its service (the
domain rules) by hand; everything else is a :class:`Resource` in
``server/<module>/__init__.py``, listed once in ``server/modules.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.orm import Session

from common.kit import NoArgs
from common.sync import Row
from server.auth.principal import Principal
from server.kit.shapes import PAGE_LIMIT, RestShape
from server.sync.snapshot import CoreLoad

M = TypeVar("M")
M_co = TypeVar("M_co", covariant=True)
Policy = Literal["lww", "manual"]
BASE_READ_ONLY = frozenset({"id", "version", "created_at", "updated_at"})


class CrudService(Protocol[M_co]):
    """The one signature every module's service keeps: keyword-only, flush never commit."""

    def get(self, *, session: Session, actor: Principal | None, id: str) -> M_co: ...

    def create(
        self, *, session: Session, actor: Principal | None, data: Any, id: str | None = None
    ) -> M_co: ...

    def update(self, *, session: Session, actor: Principal | None, id: str, data: Any) -> M_co: ...

    def delete(self, *, session: Session, actor: Principal | None, id: str) -> None: ...


class CommandRun(Protocol[M_co]):
    """A command's service function: ``run(*, session, actor, id, args)``."""

    def __call__(
        self, *, session: Session, actor: Principal | None, id: str, args: Any
    ) -> M_co: ...


@dataclass(frozen=True)
class Command(Generic[M]):
    """A server-validated action: REST ``<http> /{id}/<name>`` and sync command ``<name>``.

    ``args`` is the argument schema from ``common``; REST bodies and sync
    ``args`` are validated by it alike. ``http=None`` keeps it off REST; ``PUT``
    is for a command that replaces part of a record (a contract's payment terms).
    """

    name: str
    run: CommandRun[M]
    args: type[BaseModel] = NoArgs
    http: Literal["PATCH", "POST", "PUT"] | None = "PATCH"
    permission: str | None = None  # default: the resource's write permission
    summary: str = ""


@dataclass(frozen=True)
class ListSpec:
    """How a list is filtered, searched and sorted, through ``server.listing.paginate``.

    ``query`` is the query-string schema from ``common``: its page fields
    (page, limit, offset, sort_by, sort_order, search) drive the page; every
    other field names a filter here, applied when the client sends it.
    """

    query: type[BaseModel]
    sorts: Mapping[str, Any]
    default_sort: str
    filters: Mapping[str, Callable[[Any], sa.ColumnElement[bool]]] = field(default_factory=dict)
    search: Callable[[Session, str], sa.ColumnElement[bool]] | None = None
    default_order: Literal["asc", "desc"] = "asc"


@dataclass(frozen=True)
class Ref:
    """``column`` points at ``target``'s rows: deleting a row it points at is a 409.

    Declared by the module that holds the column (deals point at customers), so
    the target's service knows nothing of who refers to it.
    """

    column: Any  # an ORM column attribute, e.g. Deal.customer_id
    target: type[Any]
    message: str
    detail: tuple[str, str]  # (details key, text) of the 409 body


@dataclass(frozen=True)
class Child:
    """Rows that belong to the root (addresses, invoice lines): they travel inside its sync row.

    ``load`` is the loader option that fetches them with the root. A child write
    is noted on the root (``unit_of_work.note``), so the root's change-log
    entry carries it and its version moves.
    """

    model: type[Any]
    load: Any


@dataclass(frozen=True)
class SyncSpec:
    """How the records reach replicas and how pushed edits merge (docs/sync-protocol.md)."""

    serialize: Callable[[Any], Row] | None = None  # default: the REST read + version
    merge_view: Callable[[Any], Row] | None = None
    policies: Mapping[str, Policy] = field(default_factory=dict)
    nested: frozenset[str] = frozenset()
    read_only: frozenset[str] = BASE_READ_ONLY
    # Issued documents: while this holds, a record someone else wrote since the pushed
    # edit's base is never merged field by field; every contested field is a conflict.
    never_merge: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Resource(Generic[M]):
    """One business module, declared once."""

    entity: str  # the sync entity and audit name ("customer")
    model: type[M]
    path: str  # "/api/v1/customers"
    permission: str  # "customers" -> customers:read / customers:write
    create: type[BaseModel]  # what the service takes (REST body on Skeleton shapes, sync data)
    update: type[BaseModel]
    read: Callable[[M], BaseModel]  # the REST read of one record
    read_schema: type[BaseModel]
    service: CrudService[M]
    listing: ListSpec
    commands: Sequence[Command[M]] = ()
    rest: RestShape = PAGE_LIMIT
    sync: SyncSpec | None = field(default_factory=SyncSpec)  # None: not synced
    references: Sequence[Ref] = ()
    children: Sequence[Child] = ()
    load: Sequence[Any] = ()  # loader options a read needs (relationships are lazy="raise")
    # Snapshot and list pages from Core rows (server/sync/snapshot.py); None: through the ORM.
    core: CoreLoad | None = None
    tag: str = ""
    # Hand-written routes of the module beyond the generated ones (an invoice's PDF).
    routers: Sequence[APIRouter] = ()

    @property
    def read_permission(self) -> str:
        return f"{self.permission}:read"

    @property
    def write_permission(self) -> str:
        return f"{self.permission}:write"

    def options(self) -> list[Any]:
        return [*self.load, *(c.load for c in self.children)]
