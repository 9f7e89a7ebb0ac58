"""``crm-server demo``'s contracts: one of every kind and state, through the service.

With the demo's parties and customers: drafts, one awaiting approval, active ones
(some ending within 30 days, some renewing themselves), an expired one and a
terminated one, in several currencies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from common.contracts import ActivateContract, ContractCreate, TerminateContract
from common.kit import NoArgs
from server.context import AppContext
from server.contracts import service
from server.contracts.schedule import run_once, today
from server.customers.models import Customer
from server.parties.models import Party

# (party kind, type, payment, credit days, delivery, currency, credit limit cents,
#  starts (days from today), lasts (days), auto renewal days, state)
CONTRACTS = (
    ("supplier", "supply", "credit", 30, "delivery", "UAH", 500_000_000, -320, 365, 30, "active"),
    ("supplier", "supply", "prepaid", None, "pickup", "EUR", 0, -350, 365, None, "active"),
    (
        "partner",
        "partnership",
        "postpaid",
        None,
        "digital",
        "USD",
        2_500_000,
        -200,
        730,
        None,
        "active",
    ),
    ("employee", "employment", "postpaid", None, "digital", "USD", 0, -700, 1095, None, "active"),
    ("customer", "service", "credit", 45, "delivery", "USD", 1_000_000, -400, 420, 90, "active"),
    ("customer", "license", "prepaid", None, "digital", "EUR", 0, 10, 365, None, "draft"),
    ("supplier", "lease", "credit", 15, "pickup", "USD", 300_000, 0, 365, None, "pending"),
    ("partner", "service", "postpaid", None, "delivery", "USD", 0, -500, 365, None, "ended"),
    (
        "customer",
        "supply",
        "credit",
        60,
        "delivery",
        "USD",
        5_000_000,
        -100,
        365,
        None,
        "terminated",
    ),
    ("employee", "employment", "postpaid", None, "digital", "EUR", 0, 5, 365, None, "draft"),
)


def _parties(ctx: AppContext) -> dict[str, list[str]]:
    with ctx.db.session(write=False) as session:
        found: dict[str, list[str]] = {
            "customer": list(session.scalars(sa.select(Customer.id).order_by(Customer.id).limit(4)))
        }
        for kind in ("supplier", "partner", "employee"):
            found[kind] = list(
                session.scalars(
                    sa.select(Party.id)
                    .where(Party.kind == kind, Party.status != "blacklisted")
                    .order_by(Party.id)
                    .limit(4)
                )
            )
    return found


def fill_demo_contracts(ctx: AppContext) -> int:
    """The contracts above with the demo's parties; then the job expires what ended."""
    parties = _parties(ctx)
    day = today()
    made = 0
    with ctx.unit_of_work() as session:
        for n, (
            kind,
            ctype,
            pay,
            days,
            deliver,
            cur,
            limit,
            start,
            lasts,
            renew,
            state,
        ) in enumerate(CONTRACTS):
            if not parties.get(kind):
                continue
            begins = day + timedelta(days=start)
            contract = service.create(
                session=session,
                actor=None,
                data=ContractCreate(
                    contract_type=ctype,
                    party_id=parties[kind][n % len(parties[kind])],
                    payment_type=pay,
                    credit_days=days,
                    penalty_rate=0.5 if pay == "credit" else None,
                    discount_rate=2 if pay == "prepaid" else None,
                    currency=cur,
                    delivery_type=deliver,
                    estimated_days=5 if deliver == "delivery" else None,
                    shipping_cost=50_000 if deliver == "delivery" else 0,
                    insurance=deliver == "delivery",
                    start_date=begins,
                    end_date=begins + timedelta(days=lasts - 1),
                    credit_limit=limit,
                    auto_renewal=renew is not None,
                    renewal_period_days=renew,
                    max_renewals=3 if renew else None,
                ),
            )
            signed = ActivateContract(signed_at=datetime.now(UTC) + timedelta(days=start))
            if state == "pending":
                service.submit(session=session, actor=None, id=contract.id, args=NoArgs())
            elif state in ("active", "ended", "terminated"):
                service.activate(session=session, actor=None, id=contract.id, args=signed)
            if state == "terminated":
                service.terminate(
                    session=session,
                    actor=None,
                    id=contract.id,
                    args=TerminateContract(reason="Supplier quality below the agreed level"),
                )
            made += 1
    run_once(ctx.db)  # the one that ended expires now, as the server's job would
    return made
