"""``/api/v1/clients`` as the Micro CRM document specifies it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from common.clients import Client, ClientQuery, CreateClientRequest
from common.micro_crm import DataEnvelope, ListEnvelope, Pagination
from server.clients import service
from server.customers.models import Customer
from server.deps import Principal, Reading, Reads, Require, SessionDep
from server.kit.rest import json_answer
from server.micro_crm import MicroCrmRoute, micro_errors

router = APIRouter(prefix="/api/v1/clients", tags=["Clients"], route_class=MicroCrmRoute)

Reader = Annotated[Principal, Require("clients:read")]
Writer = Annotated[Principal, Require("clients:write")]


def client_read(c: Customer) -> Client:
    return Client(
        id=c.id,
        name=c.name,
        email=c.email,
        phone=c.phone_display,
        company=c.company,
        notes=c.notes,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


@router.get(
    "",
    response_model=ListEnvelope[Client],
    operation_id="listClients",
    responses=micro_errors(400, 401, 403, 429),
)
async def list_clients(
    q: Annotated[ClientQuery, Query()], reading: Annotated[Reading, Reads("clients:read")]
) -> Response:
    """Retrieve a paginated list of clients (the customers of the CRM)."""

    def page(session: Session, _: Principal) -> Response:
        result = service.list_clients(session=session, query=q)
        return json_answer(
            ListEnvelope[Client](
                data=[client_read(c) for c in result.items],
                pagination=Pagination(
                    total=result.total,
                    limit=q.limit,
                    offset=q.offset,
                    has_more=q.offset + len(result.items) < result.total,
                ),
            )
        )

    # One worker-thread hand-over, the answer written straight to JSON (server.kit.rest).
    return await reading(page)


@router.post(
    "",
    response_model=DataEnvelope[Client],
    status_code=201,
    operation_id="createClient",
    responses=micro_errors(400, 401, 403, 409, 429),
)
def create_client(
    data: CreateClientRequest, principal: Writer, session: SessionDep
) -> DataEnvelope[Client]:
    """Create a client, e.g. from a lead capture form; 409 with ``existingId`` for a known email."""
    client = service.create_client(session=session, actor=principal, data=data)
    return DataEnvelope[Client](data=client_read(client))
