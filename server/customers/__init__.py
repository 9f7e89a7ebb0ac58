"""Customers (spec section Customers): the module's declaration."""

from __future__ import annotations

from common.customers import CustomerCreate, CustomerQuery, CustomerRead, CustomerUpdate
from server.customers import service
from server.customers.models import Customer, CustomerAddress
from server.customers.reads import CORE, customer_read
from server.customers.sync import SYNC
from server.kit import Child, Command, ListSpec, Resource

RESOURCE = Resource[Customer](
    entity="customer",
    model=Customer,
    path="/api/v1/customers",
    permission="customers",
    create=CustomerCreate,
    update=CustomerUpdate,
    read=customer_read,
    read_schema=CustomerRead,
    service=service,
    listing=ListSpec(
        query=CustomerQuery,
        sorts=service.SORTS,
        default_sort="name",
        filters={"active": Customer.active.is_},
        search=service.search_filter,
    ),
    commands=(
        Command("activate", service.activate, summary="Reactivate; 409 if already active"),
        Command("deactivate", service.deactivate, summary="Deactivate; 409 if already so"),
    ),
    sync=SYNC,
    children=(Child(CustomerAddress, service.LOAD),),
    core=CORE,
)
