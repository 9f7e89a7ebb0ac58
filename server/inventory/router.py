"""``POST /api/v1/stock/transfer``: the one stock route that names no record in its path."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from common.inventory import TransferRead, TransferStock
from server.deps import Principal, Require, SessionDep
from server.inventory import stock
from server.inventory.reads import movement_read, stock_read
from server.openapi import errors

router = APIRouter(prefix="/api/v1/stock", tags=["Stock"])
Writer = Annotated[Principal, Require("inventory:write")]


@router.post(
    "/transfer",
    response_model=TransferRead,
    responses=errors(400, 401, 403, 404, 409, 422),
    summary="Move units of an item between two warehouses, atomically; 409 when the source "
    "has not enough available or the destination no room",
)
def transfer(data: TransferStock, principal: Writer, session: SessionDep) -> TransferRead:
    source, destination, made = stock.transfer(session, principal, data)
    return TransferRead(
        transfer_id=str(made[0].transfer_id),
        source=stock_read(stock.get(session=session, actor=principal, id=source.id)),
        destination=stock_read(stock.get(session=session, actor=principal, id=destination.id)),
        movements=[movement_read(m) for m in made],
    )
