"""Deals: create, read, list, partial update, stage moves, delete.

Every write comes through here (Micro CRM REST, sync pushes, the demo): the
client must exist, money is integer cents, the probability defaults from the
stage, and every stage change passes :func:`_enter_stage`, the one place the
transition table (``common.deals.TRANSITIONS``) is checked.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, joinedload

from common.deals import (
    CLOSED_STAGES,
    CURRENCY,
    DEFAULT_PROBABILITY,
    DealCreate,
    DealUpdate,
    Stage,
    can_move,
)
from server.customers.models import Customer
from server.db import utcnow
from server.deals.models import Deal
from server.errors import Conflict, NotFound
from server.listing import PageRequest, PageResult, paginate
from server.unit_of_work import note

LOAD = joinedload(Deal.customer)
DEAL_SORTS = {"created_at": Deal.created_at, "title": Deal.title, "value": Deal.value}


class InvalidTransition(Conflict):
    """A stage move the transition table does not allow."""


def get_deal(*, session: Session, deal_id: str) -> Deal:
    deal = session.get(Deal, deal_id, options=[LOAD])
    if deal is None:
        raise NotFound("Deal not found")
    return deal


def list_deals(
    *,
    session: Session,
    page: PageRequest,
    stage: Stage | None = None,
    customer_id: str | None = None,
) -> PageResult[Deal]:
    """A page of deals, newest first by default, optionally of one stage or one client."""
    filters: list[sa.ColumnElement[bool]] = []
    if stage is not None:
        filters.append(Deal.stage == stage.value)
    if customer_id is not None:
        filters.append(Deal.customer_id == customer_id)
    return paginate(
        session,
        sa.select(Deal).options(LOAD),
        page,
        sortable=DEAL_SORTS,
        default_sort="created_at",
        tiebreak=Deal.id,
        filters=filters,
    )


def _enter_stage(session: Session, deal: Deal, target: Stage, probability: int | None) -> None:
    """Move ``deal`` to ``target``: checked against the table; probability and closedAt follow."""
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


def create_deal(*, session: Session, data: DealCreate, deal_id: str | None = None) -> Deal:
    """Create a deal for an existing client; a replica passes the UUIDv7 it made as ``deal_id``."""
    customer = session.get(Customer, data.client_id)
    if customer is None:
        raise NotFound("Client not found", details={"client_id": "No such client"})
    stage = data.stage
    deal = Deal(
        **({"id": deal_id} if deal_id else {}),
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


def update_deal(*, session: Session, deal_id: str, data: DealUpdate) -> Deal:
    """Partial update; a new stage goes through the transition check (probability follows it),
    a new client must exist."""
    deal = get_deal(session=session, deal_id=deal_id)
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
        _enter_stage(session, deal, Stage(str(stage)), probability)  # type: ignore[arg-type]
    elif probability is not None:
        deal.probability = probability  # type: ignore[assignment]
    for key, value in changes.items():
        setattr(deal, key, value)
    session.flush()
    return deal


def move_stage(
    *, session: Session, deal_id: str, stage: Stage, probability: int | None = None
) -> Deal:
    """The pipeline's "move to stage" (drag and drop, or the keyboard path)."""
    deal = get_deal(session=session, deal_id=deal_id)
    _enter_stage(session, deal, stage, probability)
    session.flush()
    return deal


@event.listens_for(Session, "before_flush")
def _keep_customers_with_deals(session: Session, _ctx: Any, _objects: Any) -> None:
    """A customer with deals is not deleted: a clear 409 rather than the foreign key's error.

    Here rather than in the customers' service, which knows nothing of deals.
    """
    gone = [o.id for o in session.deleted if isinstance(o, Customer)]
    if not gone:
        return
    with session.no_autoflush:
        has_deals = session.scalar(sa.select(Deal.id).where(Deal.customer_id.in_(gone)).limit(1))
    if has_deals is not None:
        raise Conflict(
            "A customer with deals cannot be deleted; delete its deals first",
            details={"deals": "This customer has deals"},
        )


def delete_deal(*, session: Session, deal_id: str) -> None:
    """Remove a deal (replicas get a tombstone)."""
    deal = get_deal(session=session, deal_id=deal_id)
    session.delete(deal)
    session.flush()
