"""A contract as REST reads it (nested, the spec's object) and as replicas hold it (flat)."""

from __future__ import annotations

from common.contracts import (
    ContractRead,
    ContractRow,
    DeliveryTerms,
    PaymentTerms,
    ValidityPeriod,
    bp_to_rate,
)
from common.sync import Row
from server.contracts.models import Contract
from server.contracts.service import status_of


def contract_read(c: Contract) -> ContractRead:
    return ContractRead(
        id=c.id,
        contract_type=c.contract_type,
        status=status_of(c),
        party_id=c.party_id,
        payment_terms=PaymentTerms(
            payment_type=c.payment_type,
            credit_days=c.credit_days,
            penalty_rate=bp_to_rate(c.penalty_rate_bp),
            discount_rate=bp_to_rate(c.discount_rate_bp),
            currency=c.payment_currency,
        ),
        delivery_terms=DeliveryTerms(
            delivery_type=c.delivery_type,
            estimated_days=c.estimated_days,
            shipping_cost=c.shipping_cost,
            insurance=c.insurance,
            shipping_currency=c.shipping_currency,
        ),
        validity_period=ValidityPeriod(start_date=c.start_date, end_date=c.end_date),
        credit_limit=c.credit_limit,
        currency=c.currency,
        auto_renewal=c.auto_renewal,
        renewal_period_days=c.renewal_period_days,
        renewal_count=c.renewal_count,
        max_renewals=c.max_renewals,
        version=c.version,
        created_by=c.created_by,
        created_at=c.created_at,
        updated_at=c.updated_at,
        signed_at=c.signed_at,
    )


def contract_row(c: Contract) -> Row:
    """The replica's row: the create body's flat fields, the server's own, and the version."""
    row = ContractRow(
        id=c.id,
        contract_type=c.contract_type,
        status=status_of(c),
        party_id=c.party_id,
        party_kind=c.party_kind,
        payment_type=c.payment_type,
        credit_days=c.credit_days,
        penalty_rate=bp_to_rate(c.penalty_rate_bp),
        discount_rate=bp_to_rate(c.discount_rate_bp),
        currency=c.currency,
        payment_currency=c.payment_currency,
        delivery_type=c.delivery_type,
        estimated_days=c.estimated_days,
        shipping_cost=c.shipping_cost,
        insurance=c.insurance,
        shipping_currency=c.shipping_currency,
        start_date=c.start_date,
        end_date=c.end_date,
        credit_limit=c.credit_limit,
        auto_renewal=c.auto_renewal,
        renewal_period_days=c.renewal_period_days,
        renewal_count=c.renewal_count,
        max_renewals=c.max_renewals,
        created_by=c.created_by,
        created_at=c.created_at,
        updated_at=c.updated_at,
        signed_at=c.signed_at,
        terminated_at=c.terminated_at,
        termination_reason=c.termination_reason,
    )
    data: Row = row.model_dump(mode="json")
    data["version"] = c.version
    return data
