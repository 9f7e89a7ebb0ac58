"""``crm-server demo``: realistic customers through the service layer, only into an empty table."""

from __future__ import annotations

import phonenumbers
import pytest
import sqlalchemy as sa

from server.context import AppContext
from server.demo import fill_demo_customers
from tests.conftest import Api


def test_demo_fills_an_empty_table_once(admin: Api, ctx: AppContext) -> None:
    assert fill_demo_customers(ctx, 60) == 60
    items = admin.get("/api/v1/customers?limit=100").json()["items"]
    assert len(items) == 60
    assert len({c["currency"] for c in items}) >= 4
    assert len({c["address"]["country_code"] for c in items}) >= 6
    assert any(not c["active"] for c in items) and sum(c["active"] for c in items) > 40
    for c in items:
        if c["phone"]:
            number = phonenumbers.parse(c["phone"])
            assert phonenumbers.is_valid_number(number), c["phone"]
            assert phonenumbers.region_code_for_number(number) == c["address"]["country_code"]
    with ctx.db.engine.connect() as conn:
        audited = conn.scalar(
            sa.text("SELECT count(DISTINCT entity_id) FROM audit_log WHERE entity = 'customer'")
        )
        logged = conn.scalar(
            sa.text("SELECT count(DISTINCT entity_id) FROM change_log WHERE entity = 'customer'")
        )
    assert audited == logged == 60
    with pytest.raises(RuntimeError, match="already has 60 customers"):
        fill_demo_customers(ctx, 10)


def test_demo_is_reproducible() -> None:
    import random

    from server.demo import demo_customer

    a = [demo_customer(random.Random(1), n)[0].model_dump() for n in range(5)]
    b = [demo_customer(random.Random(1), n)[0].model_dump() for n in range(5)]
    assert a == b
