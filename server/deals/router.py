"""``/api/v1/deals`` as the Micro CRM document specifies it, plus get one and PATCH."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Query

from common.api import has_control_characters
from common.deals import (
    CreateDealRequest,
    Deal,
    DealClient,
    Stage,
    UpdateDealRequest,
    cents_to_dollars,
)
from common.micro_crm import DataEnvelope, ListEnvelope, Pagination
from server.deals import service
from server.deals.models import Deal as DealRow
from server.deps import Principal, Require, SessionDep
from server.listing import MAX_LIMIT, MAX_PAGE, PageRequest, PageResult
from server.micro_crm import MicroCrmRoute, micro_errors

router = APIRouter(prefix="/api/v1/deals", tags=["Deals"], route_class=MicroCrmRoute)

Reader = Annotated[Principal, Require("deals:read")]
Writer = Annotated[Principal, Require("deals:write")]
MAX_OFFSET = MAX_PAGE * MAX_LIMIT


def deal_read(d: DealRow) -> Deal:
    c = d.customer
    return Deal(
        id=d.id,
        title=d.title,
        value=float(cents_to_dollars(d.value)),  # exact: at most 15 significant digits
        stage=Stage(d.stage),
        probability=d.probability,
        notes=d.notes,
        expected_close=(
            datetime.combine(d.expected_close, time(), UTC) if d.expected_close else None
        ),
        closed_at=d.closed_at,
        created_at=d.created_at,
        updated_at=d.updated_at,
        client=DealClient(id=c.id, name=c.name, email=c.email),
    )


@router.get(
    "",
    response_model=ListEnvelope[Deal],
    operation_id="listDeals",
    responses=micro_errors(400, 401, 403, 429),
)
def list_deals(
    _: Reader,
    session: SessionDep,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Maximum number of deals to return (max 100)")
    ] = 50,
    offset: Annotated[int, Query(ge=0, description="Number of deals to skip for pagination")] = 0,
    stage: Annotated[Stage | None, Query(description="Filter by deal stage")] = None,
    client_id: Annotated[
        str | None, Query(alias="clientId", description="Filter by client ID")
    ] = None,
) -> ListEnvelope[Deal]:
    """Retrieve a paginated list of deals, newest first."""
    if client_id is not None and has_control_characters(client_id):  # no id holds one
        result: PageResult[DealRow] = PageResult(items=[], total=0, page=1, limit=limit)
    else:
        result = service.list_deals(
            session=session,
            page=PageRequest(limit=limit, offset=min(offset, MAX_OFFSET), sort_order="desc"),
            stage=stage,
            customer_id=client_id,
        )
    return ListEnvelope[Deal](
        data=[deal_read(d) for d in result.items],
        pagination=Pagination(
            total=result.total,
            limit=limit,
            offset=offset,
            has_more=offset + len(result.items) < result.total,
        ),
    )


@router.post(
    "",
    response_model=DataEnvelope[Deal],
    status_code=201,
    operation_id="createDeal",
    responses=micro_errors(400, 401, 403, 404, 429),
)
def create_deal(data: CreateDealRequest, _: Writer, session: SessionDep) -> DataEnvelope[Deal]:
    """Create a deal for an existing client; probability defaults from the stage."""
    return DataEnvelope[Deal](
        data=deal_read(service.create_deal(session=session, data=data.to_create()))
    )


@router.get(
    "/{deal_id}",
    response_model=DataEnvelope[Deal],
    operation_id="getDeal",
    responses=micro_errors(400, 401, 403, 404, 429),
)
def get_deal(deal_id: str, _: Reader, session: SessionDep) -> DataEnvelope[Deal]:
    """One deal (beyond the Micro CRM document)."""
    return DataEnvelope[Deal](data=deal_read(service.get_deal(session=session, deal_id=deal_id)))


@router.patch(
    "/{deal_id}",
    response_model=DataEnvelope[Deal],
    operation_id="updateDeal",
    responses=micro_errors(400, 401, 403, 404, 409, 429),
)
def update_deal(
    deal_id: str, data: UpdateDealRequest, _: Writer, session: SessionDep
) -> DataEnvelope[Deal]:
    """Change title, value, stage, probability, notes or expectedClose; only the fields sent.

    A new stage must be allowed from the current one (409 otherwise); without an
    explicit probability it takes the stage's default.
    """
    deal = service.update_deal(session=session, deal_id=deal_id, data=data.to_update())
    return DataEnvelope[Deal](data=deal_read(deal))
