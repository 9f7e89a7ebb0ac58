"""Contracts: terms, validity and the lifecycle (the kit's ``CrudService`` and commands).

Rules (DESIGN.md, Domain rules; ``common.contracts``): a contract starts
``draft``; its party is a customer, supplier, partner or employee, and a
blacklisted party gets no new contract; end ≥ start; credit terms need
``credit_days`` > 0; the status moves only along ``TRANSITIONS``
(:func:`_move`): submit, activate (not from terminated or expired), terminate
(not from draft), and :func:`run_due` (the scheduled job: expire or renew
automatically). ``renew`` needs an active contract, a later end date and a
renewal left. Terms change until the contract ends; everything else only
before it is signed. Every change goes through here: REST, sync and the job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.contracts import (
    EDITABLE,
    FINAL,
    TERMS_EDITABLE,
    ActivateContract,
    ContractCreate,
    ContractStatus,
    ContractUpdate,
    DeliveryTermsUpdate,
    PartyKind,
    PaymentTermsUpdate,
    RenewContract,
    TerminateContract,
    can_move,
    period_problems,
    rate_to_bp,
    terms_problems,
)
from common.kit import NoArgs
from server.auth.principal import Principal
from server.contracts.models import Contract
from server.customers.models import Customer
from server.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from server.parties.models import Party
from server.unit_of_work import note

SORTS = {"id": Contract.id}
# An active contract may still change these (and the terms); the rest is fixed once signed.
ACTIVE_EDITABLE = frozenset({"auto_renewal", "renewal_period_days", "max_renewals"})
_TERMS = frozenset(
    {
        "payment_type",
        "credit_days",
        "penalty_rate",
        "discount_rate",
        "payment_currency",
        "delivery_type",
        "estimated_days",
        "shipping_cost",
        "insurance",
        "shipping_currency",
    }
)
_RATES = {"penalty_rate": "penalty_rate_bp", "discount_rate": "discount_rate_bp"}


def get(*, session: Session, actor: Principal | None, id: str) -> Contract:  # noqa: ARG001
    contract = session.get(Contract, id)
    if contract is None:
        raise NotFound("Contract not found")
    return contract


def _for_write(session: Session, id: str) -> Contract:
    session.flush()
    contract = session.get(Contract, id, with_for_update=True, populate_existing=True)
    if contract is None:
        raise NotFound("Contract not found")
    return contract


def status_of(contract: Contract) -> ContractStatus:
    status: ContractStatus = contract.status  # type: ignore[assignment]  # the CHECK keeps it one
    return status


def party_kind(session: Session, party_id: str) -> PartyKind:
    """What the party is; a blacklisted one is refused (409), an unknown one is a 422."""
    if session.get(Customer, party_id) is not None:
        return "customer"
    party = session.get(Party, party_id)
    if party is None:
        raise ValidationFailed({"party_id": "No such customer, supplier, partner or employee"})
    if party.status == "blacklisted":
        raise Conflict(
            f"{party.name} is blacklisted: a blacklisted party gets no new contract",
            details={"party_id": "Blacklisted party"},
        )
    kind: PartyKind = party.kind  # type: ignore[assignment]  # the CHECK keeps it one
    return kind


def _set(contract: Contract, values: Mapping[str, Any]) -> None:
    """Flat field values onto the row (rates as basis points)."""
    for name, value in values.items():
        if name in _RATES:
            setattr(contract, _RATES[name], rate_to_bp(value))
        else:
            setattr(contract, name, value)


def _check(contract: Contract) -> None:
    """The rules between fields, on the contract as it would be saved (422 with the field)."""
    problems = {
        **period_problems(contract.start_date, contract.end_date),
        **terms_problems(contract.payment_type, contract.credit_days),
    }
    if contract.max_renewals is not None and contract.renewal_count > contract.max_renewals:
        problems["max_renewals"] = (
            f"The contract was renewed {contract.renewal_count} times already"
        )
    if problems:
        raise ValidationFailed(problems)


def create(
    *,
    session: Session,
    actor: Principal | None,
    data: ContractCreate,
    id: str | None = None,
) -> Contract:
    """A draft contract with a party that is not blacklisted; a replica passes its own id."""
    if id is not None and session.get(Contract, id) is not None:
        raise Conflict("A contract with this id exists", details={"id": "Already exists"})
    values = data.model_dump()
    values["payment_currency"] = data.payment_currency or data.currency
    values["shipping_currency"] = data.shipping_currency or data.currency
    contract = Contract(
        **({"id": id} if id else {}),
        status="draft",
        party_kind=party_kind(session, data.party_id),
        renewal_count=0,
        created_by=actor.id if actor is not None else None,
    )
    _set(contract, values)
    _check(contract)
    session.add(contract)
    session.flush()
    return contract


def _refuse_locked(contract: Contract, fields: set[str]) -> None:
    status = status_of(contract)
    if status in EDITABLE or not fields:
        return
    allowed = _TERMS | ACTIVE_EDITABLE if status in TERMS_EDITABLE else frozenset()
    locked = sorted(fields - allowed)
    if locked:
        what = "only its terms and renewal settings" if status == "active" else "nothing"
        raise InvalidTransition(
            f"The contract is {status}: {what} can change",
            details=dict.fromkeys(locked, f"Not editable while {status}"),
        )


def update(*, session: Session, actor: Principal | None, id: str, data: ContractUpdate) -> Contract:  # noqa: ARG001
    """A replica's edit (flat fields): anything before signing, terms while active."""
    contract = _for_write(session, id)
    changes = data.changes()
    _refuse_locked(contract, set(changes))
    if "party_id" in changes and changes["party_id"] != contract.party_id:
        contract.party_kind = party_kind(session, changes["party_id"])
    _set(contract, changes)
    _check(contract)
    session.flush()
    return contract


def delete(*, session: Session, actor: Principal | None, id: str) -> None:  # noqa: ARG001
    """Only a draft is deleted (a replica's discarded offline draft); later ones are terminated."""
    contract = _for_write(session, id)
    if contract.status != "draft":
        raise InvalidTransition(
            f"The contract is {contract.status}: only a draft can be deleted; terminate it instead",
            details={"status": "Not a draft"},
        )
    session.delete(contract)
    session.flush()


def _terms(session: Session, id: str, values: Mapping[str, Any]) -> Contract:
    contract = _for_write(session, id)
    status = status_of(contract)
    if status not in TERMS_EDITABLE:
        raise InvalidTransition(
            f"The contract is {status}: its terms no longer change",
            details={"status": f"Not editable while {status}"},
        )
    _set(contract, values)
    _check(contract)
    session.flush()
    return contract


def payment_terms(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    id: str,
    args: PaymentTermsUpdate,
) -> Contract:
    """``PUT /contracts/:id/payment-terms``: partial; ``currency`` is the terms' currency."""
    changes = args.changes()
    if "currency" in changes:
        changes["payment_currency"] = changes.pop("currency")
    return _terms(session, id, changes)


def delivery_terms(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    id: str,
    args: DeliveryTermsUpdate,
) -> Contract:
    """``PUT /contracts/:id/delivery-terms``: partial."""
    return _terms(session, id, args.changes())


def _move(contract: Contract, target: ContractStatus, action: str, session: Session) -> None:
    """One step along ``TRANSITIONS`` (409 with the reason where the table has none)."""
    current = status_of(contract)
    if not can_move(current, target):
        final = " (final)" if current in FINAL else ""
        raise InvalidTransition(
            f"The contract is {current}{final}: it cannot {action}",
            details={"status": f"Not allowed from {current}"},
        )
    contract.status = target
    note(session, contract, action=action)


def submit(*, session: Session, actor: Principal | None, id: str, args: NoArgs) -> Contract:  # noqa: ARG001
    """Draft → pending approval."""
    contract = _for_write(session, id)
    _move(contract, "pending_approval", "be submitted for approval", session)
    session.flush()
    return contract


def activate(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    id: str,
    args: ActivateContract,
) -> Contract:
    """Signed: draft or pending approval → active (never from terminated or expired)."""
    contract = _for_write(session, id)
    _move(contract, "active", "be activated", session)
    contract.signed_at = (args.signed_at or datetime.now(UTC)).astimezone(UTC)
    session.flush()
    return contract


def terminate(
    *,
    session: Session,
    actor: Principal | None,  # noqa: ARG001 - the one signature of every module
    id: str,
    args: TerminateContract,
) -> Contract:
    """Ended early, with the reason (never from draft: a draft is deleted)."""
    contract = _for_write(session, id)
    _move(contract, "terminated", "be terminated", session)
    contract.terminated_at = datetime.now(UTC)
    contract.termination_reason = args.reason
    session.flush()
    return contract


def _renew_to(contract: Contract, new_end: date) -> None:
    if contract.max_renewals is not None and contract.renewal_count >= contract.max_renewals:
        raise InvalidTransition(
            f"The contract was renewed {contract.renewal_count} of {contract.max_renewals} "
            "times allowed",
            details={"max_renewals": "No renewal left"},
        )
    contract.end_date = new_end
    contract.renewal_count += 1


def renew(*, session: Session, actor: Principal | None, id: str, args: RenewContract) -> Contract:  # noqa: ARG001
    """An active contract runs to a later end date; one more renewal counted."""
    contract = _for_write(session, id)
    status = status_of(contract)
    if status != "active":
        raise InvalidTransition(
            f"The contract is {status}: only an active contract is renewed",
            details={"status": f"Not allowed from {status}"},
        )
    if args.new_end_date <= contract.end_date:
        raise ValidationFailed(
            {"new_end_date": f"Must be later than the current end date {contract.end_date}"}
        )
    _renew_to(contract, args.new_end_date)
    note(session, contract, action="renew")
    session.flush()
    return contract


# ---------------------------------------------------------------- the scheduled job


@dataclass(frozen=True)
class DueResult:
    expired: list[str]
    renewed: list[str]


def run_due(session: Session, today: date) -> DueResult:
    """Active contracts whose end date has passed: renewed if ``auto_renewal`` allows, else expired.

    An automatic renewal extends the end by ``renewal_period_days`` (once per
    period that has passed, each counted) until it reaches today or
    ``max_renewals`` is spent; then the contract expires. Rows are locked and
    read again, so a contract changed meanwhile is judged as it now is.
    """
    due = session.scalars(
        sa.select(Contract)
        .where(Contract.status == "active", Contract.end_date < today)
        .order_by(Contract.id)
        .with_for_update()
    ).all()
    result = DueResult(expired=[], renewed=[])
    for contract in due:
        renewed = False
        period = contract.renewal_period_days
        while contract.end_date < today and contract.auto_renewal and period:
            if (
                contract.max_renewals is not None
                and contract.renewal_count >= contract.max_renewals
            ):
                break
            contract.end_date = contract.end_date + timedelta(days=period)
            contract.renewal_count += 1
            renewed = True
        if contract.end_date < today:
            _move(contract, "expired", "expire", session)
            result.expired.append(contract.id)
        elif renewed:
            note(session, contract, action="auto_renew")
            result.renewed.append(contract.id)
    session.flush()
    return result
