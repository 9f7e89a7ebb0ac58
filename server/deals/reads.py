"""A deal as the Micro CRM API shows it (dollars, camelCase) and as replicas hold it (cents)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from common.deals import Deal, DealClient, DealRow, Stage, cents_to_dollars
from server.deals.models import Deal as DealRecord


def deal_read(d: DealRecord) -> Deal:
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


def deal_row(d: DealRecord) -> DealRow:
    """The replica's row: snake_case, value in cents."""
    return DealRow(
        id=d.id,
        title=d.title,
        client_id=d.customer_id,
        value=d.value,
        currency=d.currency,
        stage=Stage(d.stage),
        probability=d.probability,
        notes=d.notes,
        expected_close=d.expected_close,
        closed_at=d.closed_at,
        created_at=d.created_at,
        updated_at=d.updated_at,
    )
