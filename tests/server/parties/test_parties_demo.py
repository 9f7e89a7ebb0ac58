"""``crm-server demo``'s suppliers, partners and employees: through the services, once."""

from __future__ import annotations

import phonenumbers
import pytest
import sqlalchemy as sa

from server.context import AppContext
from server.demo import PARTIES, fill_demo_parties
from tests.conftest import Api


def test_demo_adds_parties_of_every_status_once(admin: Api, ctx: AppContext) -> None:
    assert fill_demo_parties(ctx) == {"supplier": 8, "partner": 5, "employee": 8}
    statuses: dict[str, list[str]] = {}
    for kind, count in PARTIES.items():
        items = admin.get(f"/api/v1/{kind}s", params={"limit": 100}).json()["items"]
        assert len(items) == count
        assert len({p["email"] for p in items}) == count
        statuses[kind] = [p["status"] for p in items]
        for party in items:
            address = party["address"]
            assert address["street"] and address["city"] and address["country_code"]
            number = phonenumbers.parse(party["phone"])
            assert phonenumbers.region_code_for_number(number) == address["country_code"]
        if kind == "employee":
            assert all(p["position"] for p in items)
    assert all(s.count("inactive") == 1 for s in statuses.values())
    assert statuses["supplier"].count("blacklisted") == 1
    assert "blacklisted" not in statuses["partner"] + statuses["employee"]
    with ctx.db.engine.connect() as conn:  # through the services: audited and in the change log
        logged = conn.scalar(
            sa.text(
                "SELECT count(DISTINCT entity_id) FROM change_log "
                "WHERE entity IN ('supplier', 'partner', 'employee')"
            )
        )
    assert logged == sum(PARTIES.values())

    with pytest.raises(RuntimeError, match="already has suppliers"):
        fill_demo_parties(ctx)
    for kind, count in PARTIES.items():  # and nothing was added the second time
        assert admin.get(f"/api/v1/{kind}s").json()["total"] == count
