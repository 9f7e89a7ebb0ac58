"""``crm-server demo``'s contracts: every state, with parties of each kind, through the service."""

from __future__ import annotations

from collections import Counter

from server.context import AppContext
from server.contracts.demo import CONTRACTS, fill_demo_contracts
from server.demo import fill_demo_customers, fill_demo_parties
from tests.conftest import Api


def test_demo_contracts_cover_every_state(admin: Api, ctx: AppContext) -> None:
    fill_demo_customers(ctx, 10)
    fill_demo_parties(ctx)
    assert fill_demo_contracts(ctx) == len(CONTRACTS)
    items = admin.get("/api/v1/contracts", params={"limit": 100}).json()["data"]["items"]
    assert len(items) == len(CONTRACTS)
    assert Counter(c["status"] for c in items) == {
        "active": 5,
        "draft": 2,
        "pending_approval": 1,
        "expired": 1,
        "terminated": 1,
    }
    assert {c["currency"] for c in items} == {"UAH", "EUR", "USD"}
