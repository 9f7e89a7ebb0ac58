"""A module's sync spec (``server.sync.registry.EntitySpec``), generated from its declaration.

Pushed creates, updates, deletes and commands go through the same service
functions and ``common`` schemas as its REST routes; a delete is refused by the
same declared references.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from common.ids import is_uuid
from common.sync import Row
from server.auth.principal import Principal
from server.errors import Forbidden, ValidationFailed
from server.kit.refs import refuse_if_referenced
from server.kit.resource import Command, Ref, Resource, SyncSpec
from server.kit.rest import parse_args
from server.sync.registry import Command as SyncCommand
from server.sync.registry import EntitySpec


def _handler(resource: Resource[Any], command: Command[Any]) -> SyncCommand:
    def run(session: Session, principal: Principal, obj: Any, args: Row) -> Any:
        if command.permission is not None and not principal.can(command.permission):
            raise Forbidden(f"Missing permission: {command.permission}")
        return command.run(
            session=session, actor=principal, id=obj.id, args=parse_args(command, args)
        )

    run.__name__ = f"{resource.entity}_{command.name}"
    return run


def row(read: Callable[[Any], BaseModel], obj: Any) -> Row:
    """A record as replicas receive it: its read schema as JSON, plus its version."""
    data: Row = read(obj).model_dump(mode="json")
    data["version"] = obj.version
    return data


def entity_spec(resource: Resource[Any], refs: Sequence[Ref] = ()) -> EntitySpec:
    """The ``EntitySpec`` of a synced resource."""
    sync = resource.sync or SyncSpec()
    service = resource.service

    def serialize(obj: Any) -> Row:
        return row(resource.read, obj)

    def create(session: Session, principal: Principal, entity_id: str, data: Row) -> Any:
        if not is_uuid(entity_id):
            raise ValidationFailed({"id": "Must be a UUID (the replica makes a UUIDv7)"})
        return service.create(
            session=session,
            actor=principal,
            data=resource.create.model_validate(data),
            id=entity_id,
        )

    def update(session: Session, principal: Principal, obj: Any, changes: Row) -> Any:
        return service.update(
            session=session,
            actor=principal,
            id=obj.id,
            data=resource.update.model_validate(changes),
        )

    def delete(session: Session, principal: Principal, obj: Any) -> None:
        refuse_if_referenced(session, refs, obj.id)
        service.delete(session=session, actor=principal, id=obj.id)

    return EntitySpec(
        entity=resource.entity,
        model=resource.model,
        serialize=sync.serialize or serialize,
        create_schema=resource.create,
        update_schema=resource.update,
        read_permission=resource.read_permission,
        write_permission=resource.write_permission,
        create=create,
        update=update,
        delete=delete,
        commands={c.name: _handler(resource, c) for c in resource.commands},
        policies=dict(sync.policies),
        nested=sync.nested,
        load_options=tuple(resource.options()),
        merge_view=sync.merge_view,
        read_only=sync.read_only,
        snapshot_load=resource.core.snapshot if resource.core else None,
        never_merge=sync.never_merge,
    )
