"""Demo deals for the pipeline, written through the deals' service (audit and change log too)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from common.deals import DealCreate, Stage
from server.context import AppContext
from server.customers.models import Customer
from server.deals import service
from server.deals.models import Deal

SEED = 20260102
WORK = [
    "Website redesign",
    "CRM rollout",
    "Annual support contract",
    "Office hardware refresh",
    "Data migration",
    "Security audit",
    "Training programme",
    "Cloud hosting",
    "Mobile app",
    "Consulting retainer",
]
# How a real pipeline is spread: many early deals, few closed ones.
STAGE_WEIGHTS = {
    Stage.LEAD: 30,
    Stage.QUALIFIED: 22,
    Stage.PROPOSAL: 18,
    Stage.NEGOTIATION: 12,
    Stage.WON: 10,
    Stage.LOST: 8,
}


def fill_demo_deals(ctx: AppContext, count: int, *, seed: int = SEED) -> int:
    """Create ``count`` deals for existing active customers, only if there are no deals yet."""
    with ctx.db.session(write=False) as session:
        if session.scalar(sa.select(sa.func.count()).select_from(Deal)):
            raise RuntimeError(
                "the database already has deals; demo deals go only into an empty one"
            )
        customer_ids = list(
            session.scalars(
                sa.select(Customer.id).where(Customer.active.is_(True)).order_by(Customer.id)
            )
        )
    if not customer_ids:
        return 0
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    with ctx.unit_of_work() as session:
        for n in range(count):
            stage = rng.choices(stages, weights)[0]
            service.create(
                session=session,
                actor=None,
                data=DealCreate(
                    title=f"{rng.choice(WORK)} #{n + 1}",
                    client_id=rng.choice(customer_ids),
                    value=rng.randrange(5, 500) * 10_000 + rng.choice((0, 0, 50_00, 99_00)),
                    stage=stage,
                    expected_close=date(2026, 1, 1) + timedelta(days=rng.randrange(0, 365)),
                ),
            )
    return count
