"""A country as REST and replicas read it."""

from __future__ import annotations

from common.countries import CountryRead
from server.countries.models import Country


def country_read(c: Country) -> CountryRead:
    return CountryRead(
        id=c.id,
        code=c.code,
        alpha3=c.alpha3,
        numeric_code=c.numeric_code,
        name=dict(c.name),
        phone_code=c.phone_code,
        currency_code=c.currency_code,
        region=c.region,
        flag_emoji=c.flag_emoji,
        is_active=c.is_active,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )
