"""Deals: create, read, partial update, stage moves, delete (the kit's ``CrudService``).

Every write comes through here (Micro CRM REST, sync pushes, the demo): the
client must exist, money is integer cents, the probability defaults from the
stage, and every stage change passes :func:`_enter_stage`, the one place the
transition table (``common.deals.TRANSITIONS``) is checked.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, joinedload

from common.deals import (
    CLOSED_STAGES,
    CURRENCY,
    DEFAULT_PROBABILITY,
    DealCreate,
    DealUpdate,
    MoveStage,
    Stage,
    can_move,
)
from server.auth.principal import Principal
from server.customers.models import Customer
from server.db import utcnow
from server.deals.models import Deal
from server.errors import InvalidTransition, NotFound
from server.notifications.service import creator_of, notify
from server.unit_of_work import note

LOAD = joinedload(Deal.customer)
SORTS = {"created_at": Deal.created_at, "title": Deal.title, "value": Deal.value}


def get(*, session: Session, actor: Principal | None, id: str) -> Deal:  # noqa: ARG001
    deal = session.get(Deal, id, options=[LOAD])
    if deal is None:
        raise NotFound("Deal not found")
    return deal


def _enter_stage(
    session: Session,
    deal: Deal,
    target: Stage,
    probability: int | None,
    actor: Principal | None = None,
) -> None:
    """Move ``deal`` to ``target``: checked against the table; probability and closedAt follow.

    A deal won or lost tells its creator (unless they closed it themselves).
    """
    current = Stage(deal.stage)
    if target == current:
        if probability is not None:
            deal.probability = probability
        return
    if not can_move(current, target):
        raise InvalidTransition(
            f"A deal in stage {current.value} cannot move to {target.value}",
            details={"stage": f"Not allowed from {current.value}"},
        )
    deal.stage = target.value
    deal.probability = probability if probability is not None else DEFAULT_PROBABILITY[target]
    deal.closed_at = utcnow() if target in CLOSED_STAGES else None
    note(session, deal, action="move_stage")
    if target in CLOSED_STAGES:
        outcome = "won" if target == Stage.WON else "lost"
        notify(
            session,
            user_id=creator_of(session, "deal", deal.id),
            kind=f"deal_{outcome}",
            title=f"Deal {deal.title} was {outcome}",
            record=("deal", deal.id),
            actor_id=actor.id if actor else None,
        )


def create(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    data: DealCreate,
    id: str | None = None,
) -> Deal:
    """Create a deal for an existing client; a replica passes the UUIDv7 it made as ``id``."""
    customer = session.get(Customer, data.client_id)
    if customer is None:
        raise NotFound("Client not found", details={"client_id": "No such client"})
    stage = data.stage
    deal = Deal(
        **({"id": id} if id else {}),
        title=data.title,
        customer_id=customer.id,
        customer=customer,
        value=data.value,
        currency=CURRENCY,
        stage=stage.value,
        probability=(
            data.probability if data.probability is not None else DEFAULT_PROBABILITY[stage]
        ),
        notes=data.notes,
        expected_close=data.expected_close,
        closed_at=utcnow() if stage in CLOSED_STAGES else None,
    )
    session.add(deal)
    session.flush()
    return deal


def update(*, session: Session, actor: Principal | None, id: str, data: DealUpdate) -> Deal:
    """Partial update; a new stage goes through the transition check (probability follows it),
    a new client must exist."""
    deal = get(session=session, actor=actor, id=id)
    changes = data.provided()
    client_id = changes.pop("client_id", None)
    if client_id is not None and client_id != deal.customer_id:
        customer = session.get(Customer, client_id)
        if customer is None:
            raise NotFound("Client not found", details={"client_id": "No such client"})
        deal.customer_id = customer.id
        deal.customer = customer
    stage = changes.pop("stage", None)
    probability = changes.pop("probability", None)
    if stage is not None:
        _enter_stage(session, deal, Stage(str(stage)), probability, actor)  # type: ignore[arg-type]
    elif probability is not None:
        deal.probability = probability  # type: ignore[assignment]
    for key, value in changes.items():
        setattr(deal, key, value)
    session.flush()
    return deal


def move_stage(*, session: Session, actor: Principal | None, id: str, args: MoveStage) -> Deal:
    """The pipeline's "move to stage" (drag and drop, or the keyboard path)."""
    deal = get(session=session, actor=actor, id=id)
    _enter_stage(session, deal, args.stage, args.probability, actor)
    session.flush()
    return deal


def delete(*, session: Session, actor: Principal | None, id: str) -> None:
    """Remove a deal (replicas get a tombstone)."""
    deal = get(session=session, actor=actor, id=id)
    session.delete(deal)
    session.flush()
