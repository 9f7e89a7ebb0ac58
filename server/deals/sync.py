"""Deals on replicas: snake_case rows with the value in cents, pushed edits through the service.

Value and stage never merge automatically (``manual``); a stage change may come
as an update or as the ``move_stage`` command (the pipeline's drag and drop),
both checked by the same transition table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from common.deals import DealCreate, DealRow, DealUpdate, Stage
from common.ids import is_uuid
from common.sync import Row
from server.deals import service
from server.deals.models import Deal
from server.deps import Principal
from server.errors import ValidationFailed
from server.sync.registry import EntitySpec, register


def serialize(d: Deal) -> Row:
    data: Row = DealRow(
        id=d.id,
        title=d.title,
        client_id=d.customer_id,
        value=d.value,
        currency=d.currency,
        stage=Stage(d.stage),
        probability=d.probability,
        notes=d.notes,
        expected_close=d.expected_close,
        closed_at=d.closed_at,
        created_at=d.created_at,
        updated_at=d.updated_at,
    ).model_dump(mode="json")
    data["version"] = d.version
    return data


def _create(session: Session, _p: Principal, entity_id: str, data: Row) -> Deal:
    if not is_uuid(entity_id):
        raise ValidationFailed({"id": "Must be a UUID (the replica makes a UUIDv7)"})
    return service.create_deal(
        session=session, data=DealCreate.model_validate(data), deal_id=entity_id
    )


def _update(session: Session, _p: Principal, obj: Any, changes: Row) -> Deal:
    return service.update_deal(
        session=session, deal_id=obj.id, data=DealUpdate.model_validate(changes)
    )


def _delete(session: Session, _p: Principal, obj: Any) -> None:
    service.delete_deal(session=session, deal_id=obj.id)


def _move_stage(session: Session, _p: Principal, obj: Any, args: Row) -> Deal:
    stage = args.get("stage")
    if stage not in {s.value for s in Stage}:
        raise ValidationFailed({"stage": "One of " + ", ".join(s.value for s in Stage)})
    probability = args.get("probability")
    if probability is not None and (
        isinstance(probability, bool)
        or not isinstance(probability, int)
        or not 0 <= probability <= 100
    ):
        raise ValidationFailed({"probability": "An integer between 0 and 100"})
    return service.move_stage(
        session=session, deal_id=obj.id, stage=Stage(stage), probability=probability
    )


SPEC = register(
    EntitySpec(
        entity="deal",
        model=Deal,
        serialize=serialize,
        create_schema=DealCreate,
        update_schema=DealUpdate,
        load_options=(service.LOAD,),
        read_permission="deals:read",
        write_permission="deals:write",
        create=_create,
        update=_update,
        delete=_delete,
        commands={"move_stage": _move_stage},
        policies={"value": "manual", "stage": "manual"},
        read_only=frozenset({"id", "version", "created_at", "updated_at", "closed_at", "currency"}),
    )
)
