"""Demo deals: a spread pipeline over the demo customers, through the service."""

from __future__ import annotations

import pytest

from server.context import AppContext
from server.deals.demo import fill_demo_deals
from server.demo import fill_demo_customers
from tests.conftest import Api


def test_demo_deals_fill_every_stage_once(admin: Api, ctx: AppContext) -> None:
    assert fill_demo_deals(ctx, 10) == 0  # no customers yet: nothing to hang deals on
    fill_demo_customers(ctx, 20)
    assert fill_demo_deals(ctx, 60) == 60
    deals = admin.get("/api/v1/deals", params={"limit": 100}).json()
    assert deals["pagination"]["total"] == 60
    stages = {d["stage"] for d in deals["data"]}
    assert stages == {"LEAD", "QUALIFIED", "PROPOSAL", "NEGOTIATION", "WON", "LOST"}
    assert all(d["value"] > 0 for d in deals["data"])
    with pytest.raises(RuntimeError, match="already has deals"):
        fill_demo_deals(ctx, 5)
