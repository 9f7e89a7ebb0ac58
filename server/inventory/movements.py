"""Stock movements: read-only; written by ``stock.move`` with the change they record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from common.inventory import MovementCreate, MovementUpdate
from server.auth.principal import Principal
from server.errors import BadRequest, Conflict, NotFound
from server.inventory.models import StockMovement

SORTS = {"created_at": StockMovement.created_at}


def get(*, session: Session, actor: Principal | None, id: str) -> StockMovement:  # noqa: ARG001
    movement = session.get(StockMovement, id)
    if movement is None:
        raise NotFound("Stock movement not found")
    return movement


def create(
    *,
    session: Session,  # noqa: ARG001 - the one signature of every module
    actor: Principal | None,  # noqa: ARG001
    data: MovementCreate,  # noqa: ARG001
    id: str | None = None,  # noqa: ARG001
) -> StockMovement:
    raise BadRequest(
        "Stock movements are written by stock commands (adjust, transfer, orders)",
        details={"id": "Written by the server"},
    )


def update(
    *,
    session: Session,
    actor: Principal | None,
    id: str,
    data: MovementUpdate,  # noqa: ARG001
) -> StockMovement:
    get(session=session, actor=actor, id=id)
    raise Conflict("A stock movement never changes", details={"id": "Immutable"})


def delete(*, session: Session, actor: Principal | None, id: str) -> None:
    get(session=session, actor=actor, id=id)
    raise Conflict("A stock movement is never deleted", details={"id": "Immutable"})
