"""Which records replicas receive and how pushes change them: one ``EntitySpec`` per entity.

Each domain registers its spec next to its models (``server/<domain>/sync.py``):
how a row is serialised for the wire, who may read it, and the handlers a
push calls — the same service functions the REST endpoints use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from common.sync import Row
from server.auth.principal import Principal

# Per field: "lww" = the later push wins and the losing value is kept in a
# conflict record; "manual" = the server value stays until the user chooses.
Policy = Literal["lww", "manual"]

Create = Callable[[Session, Principal, str, Row], Any]
Update = Callable[[Session, Principal, Any, Row], Any]
Delete = Callable[[Session, Principal, Any], None]
Command = Callable[[Session, Principal, Any, Row], Any]
# A snapshot page's records from Core rows (server/sync/snapshot.py): the rows matching the
# filter, in id order, at most ``limit``, as objects ``serialize`` reads.
SnapshotLoad = Callable[[Session, sa.ColumnElement[bool], int], list[Any]]


@dataclass(frozen=True)
class EntitySpec:
    entity: str
    model: type[Any]
    serialize: Callable[[Any], Row]
    read_permission: str | None
    write_permission: str | None = None
    # Rows a caller may read without the read permission (their own user row, their conflicts).
    own_rows: Callable[[Principal], sa.ColumnElement[bool]] | None = None
    # Who else learns of deletions, where rows are readable one by one (files: whoever holds
    # files:read hears of every file's deletion, an id and nothing more, having no row to check).
    deletes_to: str | None = None
    create: Create | None = None
    update: Update | None = None
    delete: Delete | None = None
    commands: Mapping[str, Command] = field(default_factory=dict)
    policies: Mapping[str, Policy] = field(default_factory=dict)
    default_policy: Policy = "lww"
    # Fields sent as a nested object whose sub-fields merge one by one (a customer's address).
    nested: frozenset[str] = frozenset()
    # Loader options serialize needs (relationships are lazy="raise").
    load_options: tuple[Any, ...] = ()
    # The values an update's ``base`` is compared with; defaults to ``serialize``.
    merge_view: Callable[[Any], Row] | None = None
    # Fields a push may never set (computed by the server), unless the create schema takes them.
    read_only: frozenset[str] = frozenset({"id", "version", "created_at", "updated_at"})
    # Records that are issued documents: an update of one that someone else wrote since
    # its base version applies nothing; each field it changes becomes a conflict record.
    never_merge: Callable[[Any], bool] | None = None
    # The schemas REST's create and update read: a sync create accepts exactly what the
    # create schema accepts, and an update's base, changes and the server's values are
    # compared as the update schema reads them (the server's normal form).
    create_schema: type[BaseModel] | None = None
    update_schema: type[BaseModel] | None = None
    # How a snapshot reads its rows without the ORM; None: through ``select()``.
    snapshot_load: SnapshotLoad | None = None

    def __post_init__(self) -> None:
        if self.create is not None and self.create_schema is None:
            raise ValueError(f"entity {self.entity!r}: a sync create needs its create_schema")

    def refused_on_create(self, data: Row) -> list[str]:
        """The fields of a create's data that only the server sets."""
        accepted = self.create_schema.model_fields if self.create_schema else {}
        return sorted(k for k in data if k in self.read_only and k not in accepted)

    def policy(self, name: str) -> Policy:
        top = name.split(".", 1)[0]
        return self.policies.get(name, self.policies.get(top, self.default_policy))

    def visible(self, principal: Principal) -> sa.ColumnElement[bool] | None:
        """The row filter for this caller; None when they may read nothing."""
        if self.read_permission and principal.can(self.read_permission):
            return sa.true()
        if self.own_rows is not None:
            return self.own_rows(principal)
        return None

    def hears_deletes(self, principal: Principal) -> bool:
        return any(
            p is not None and principal.can(p) for p in (self.read_permission, self.deletes_to)
        )

    def get(self, session: Session, entity_id: str) -> Any:
        # populate_existing: after a rejected mutation's savepoint rolled back, the row is
        # still in the identity map but expired, and its lazy="raise" relations unloaded.
        # with_for_update: on PostgreSQL a REST write to the same record waits for this push,
        # so the merge never compares against a value that changes before it writes
        # (SQLite's write transaction already excludes every other writer).
        return session.get(
            self.model,
            entity_id,
            options=list(self.load_options),
            populate_existing=True,
            with_for_update={"of": self.model},
        )

    def get_many(self, session: Session, ids: Sequence[str]) -> dict[str, Any]:
        """The records with these ids (children loaded, locked like ``get``), one query a chunk.

        Those the session already holds are expired first, so the query reads them
        afresh. Not ``populate_existing``: it would also refresh the related records the
        query brings along (a deal's customer) and unload their children (its addresses).
        """
        for entity_id in ids:
            held = session.identity_map.get(identity_key(self.model, entity_id))
            if held is not None:
                session.expire(held)
        found: dict[str, Any] = {}
        for start in range(0, len(ids), 500):
            query = (
                self.select()
                .where(self.model.id.in_(ids[start : start + 500]))
                .with_for_update(of=self.model)
            )
            found.update((obj.id, obj) for obj in session.scalars(query))
        return found

    def select(self) -> sa.Select[Any]:
        return sa.select(self.model).options(*self.load_options)


_REGISTRY: dict[str, EntitySpec] = {}


def register(spec: EntitySpec) -> EntitySpec:
    if spec.entity in _REGISTRY and _REGISTRY[spec.entity] is not spec:
        raise ValueError(f"entity {spec.entity!r} registered twice")
    _REGISTRY[spec.entity] = spec
    return spec


def specs() -> list[EntitySpec]:
    """Every registered entity, in a stable order (the snapshot order)."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def spec_for(entity: str) -> EntitySpec | None:
    return _REGISTRY.get(entity)
