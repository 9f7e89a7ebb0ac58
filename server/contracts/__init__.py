"""Contracts (spec section Contracts): the module's declaration.

Permissions ``contracts:read`` / ``contracts:write``. The REST shape is the
spec's cursor list ``{data: {items, next_cursor, has_more, limit}}`` and
``{data: {id}}`` for a create; there is no ``PUT /contracts/:id``: terms change
by ``PUT .../payment-terms`` and ``.../delivery-terms``, the status by the
commands. Replicas hold the flat row (``reads.contract_row``) and edit a draft
with ``ContractUpdate``. ``schedule.py`` runs the expiry and renewal job.
"""

from __future__ import annotations

from common.contracts import (
    ENTITY,
    ActivateContract,
    ContractCreate,
    ContractQuery,
    ContractRead,
    ContractUpdate,
    DeliveryTermsUpdate,
    PaymentTermsUpdate,
    RenewContract,
    TerminateContract,
)
from common.kit import NoArgs
from server.contracts import service
from server.contracts.models import Contract
from server.contracts.reads import contract_read, contract_row
from server.customers.models import Customer
from server.employees.models import Employee
from server.kit import BASE_READ_ONLY, CURSOR, Command, ListSpec, Ref, Resource, SyncSpec
from server.partners.models import Partner
from server.suppliers.models import Supplier


def _ref(target: type[object], noun: str) -> Ref:
    return Ref(
        Contract.party_id,
        target,
        f"A {noun} with contracts cannot be deleted",
        ("contracts", f"This {noun} has contracts"),
    )


RESOURCE = Resource[Contract](
    entity=ENTITY,
    model=Contract,
    path="/api/v1/contracts",
    permission="contracts",
    create=ContractCreate,
    update=ContractUpdate,
    read=contract_read,
    read_schema=ContractRead,
    service=service,
    listing=ListSpec(
        query=ContractQuery,
        sorts=service.SORTS,
        default_sort="id",
        filters={
            "status": Contract.status.__eq__,
            "contract_type": Contract.contract_type.__eq__,
            "party_id": Contract.party_id.__eq__,
        },
    ),
    commands=(
        Command(
            "activate",
            service.activate,
            args=ActivateContract,
            http="POST",
            summary="Sign it: draft or pending_approval -> active (409 from terminated or expired)",
        ),
        Command(
            "terminate",
            service.terminate,
            args=TerminateContract,
            http="POST",
            summary="End it early with a reason (409 from draft, expired or terminated)",
        ),
        Command(
            "renew",
            service.renew,
            args=RenewContract,
            http="POST",
            summary="A later end date for an active contract, within max_renewals",
        ),
        Command(
            "payment-terms",
            service.payment_terms,
            args=PaymentTermsUpdate,
            http="PUT",
            summary="Partial update of the payment terms (credit needs credit_days > 0)",
        ),
        Command(
            "delivery-terms",
            service.delivery_terms,
            args=DeliveryTermsUpdate,
            http="PUT",
            summary="Partial update of the delivery terms",
        ),
        Command(
            "submit",
            service.submit,
            args=NoArgs,
            http="POST",
            summary="Submit a draft for approval: draft -> pending_approval",
        ),
    ),
    rest=CURSOR.but(update=None),
    sync=SyncSpec(
        serialize=contract_row,
        policies={
            "party_id": "manual",
            "currency": "manual",
            "credit_limit": "manual",
            "payment_type": "manual",
            "credit_days": "manual",
            "start_date": "manual",
            "end_date": "manual",
        },
        read_only=BASE_READ_ONLY
        | {
            "status",
            "party_kind",
            "renewal_count",
            "created_by",
            "signed_at",
            "terminated_at",
            "termination_reason",
        },
        never_merge=lambda c: c.status not in ("draft", "pending_approval"),
    ),
    references=(
        _ref(Customer, "customer"),
        _ref(Supplier, "supplier"),
        _ref(Partner, "partner"),
        _ref(Employee, "employee"),
    ),
    tag="Contracts",
)
