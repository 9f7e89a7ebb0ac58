"""Deals (the Micro CRM document's ``/deals``, plus get one and PATCH): the module's declaration."""

from __future__ import annotations

from common.deals import (
    CreateDealRequest,
    Deal,
    DealCreate,
    DealQuery,
    DealRow,
    DealUpdate,
    MoveStage,
    UpdateDealRequest,
)
from server.customers.models import Customer
from server.deals import service
from server.deals.models import Deal as DealRecord
from server.deals.reads import deal_read, deal_row
from server.deals.sync import SYNC
from server.kit import Command, ListSpec, Ref, Resource, Wire, micro_crm

RESOURCE = Resource[DealRecord](
    entity="deal",
    model=DealRecord,
    path="/api/v1/deals",
    permission="deals",
    create=DealCreate,
    update=DealUpdate,
    read=deal_row,
    read_schema=DealRow,
    service=service,
    listing=ListSpec(
        query=DealQuery,
        sorts=service.SORTS,
        default_sort="created_at",
        default_order="desc",
        filters={
            "stage": lambda s: DealRecord.stage == s.value,
            "client_id": DealRecord.customer_id.__eq__,
        },
    ),
    # Sync only: the Micro CRM document has no stage-move route (PATCH stage does it there).
    commands=(Command("move_stage", service.move_stage, args=MoveStage, http=None),),
    rest=micro_crm(
        Wire(
            read=deal_read,
            read_schema=Deal,
            create=CreateDealRequest,
            to_create=CreateDealRequest.to_create,
            update=UpdateDealRequest,
            to_update=UpdateDealRequest.to_update,
            operation_ids={
                "list": "listDeals",
                "create": "createDeal",
                "get": "getDeal",
                "update": "updateDeal",
            },
        )
    ),
    sync=SYNC,
    references=(
        Ref(
            DealRecord.customer_id,
            Customer,
            "A customer with deals cannot be deleted; delete its deals first",
            ("deals", "This customer has deals"),
        ),
    ),
    load=(service.LOAD,),
    tag="Deals",
)
