"""Hypothesis: whatever set of transactions the server accepts, the trial balance balances.

Random entries (any accounts, sides, amounts; some balanced on purpose) go to the
real server over HTTP on both databases. An independent oracle says which the
ledger's rules accept; the server must agree, and after each batch the trial
balance's debits equal its credits and every account's balance is what the
accepted entries add up to.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api
from tests.ledger_factories import create_account, load_chart, report

pytestmark = pytest.mark.engines

# Accounts 0-3: active USD; 4: EUR; 5: inactive USD.
ACTIVE = (0, 1, 2, 3)
Line = tuple[int, str, int]  # (account index, side: debit | credit | both | none, amount)

lines_st = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.sampled_from(["debit", "credit", "debit", "credit", "both", "none"]),
        st.one_of(st.integers(-3, 3), st.integers(1, 10**9)),
    ),
    min_size=0,
    max_size=5,
)


clean_st = st.lists(
    st.tuples(st.sampled_from(ACTIVE), st.sampled_from(["debit", "credit"]), st.integers(1, 10**9)),
    min_size=1,
    max_size=4,
)


@st.composite
def entries(draw: st.DrawFn) -> list[Line]:
    """Half of them well-formed lines on active USD accounts, half anything at all."""
    lines: list[Line] = draw(st.one_of(clean_st, lines_st))
    if draw(st.booleans()):  # often balanced, so many entries are accepted
        diff = sum(a if s == "debit" else -a if s == "credit" else 0 for _, s, a in lines)
        if diff:
            side = "credit" if diff > 0 else "debit"
            lines.append((draw(st.sampled_from(ACTIVE)), side, abs(diff)))
    return lines


def _body(lines: list[Line], ids: list[str]) -> dict[str, Any]:
    out = []
    for account, side, amount in lines:
        line: dict[str, Any] = {"account_id": ids[account]}
        if side in ("debit", "both"):
            line["debit"] = amount
        if side in ("credit", "both"):
            line["credit"] = amount
        out.append(line)
    return {"description": "generated", "lines": out}


def _accepted(lines: list[Line], currencies: list[str], active: list[bool]) -> bool:
    """The ledger's rules, written out again independently of common.ledger."""
    if len(lines) < 2:
        return False
    if any(side not in ("debit", "credit") or amount <= 0 for _, side, amount in lines):
        return False
    debits = sum(a for _, s, a in lines if s == "debit")
    credits = sum(a for _, s, a in lines if s == "credit")
    first = currencies[lines[0][0]]
    return (
        debits == credits
        and all(active[i] for i, _, _ in lines)
        and all(currencies[i] == first for i, _, _ in lines)
    )


def test_accepted_transactions_keep_the_trial_balance_at_zero_difference(admin: Api) -> None:
    load_chart(admin)
    codes = ["1010", "1020", "4000", "5100"]
    ids = [
        *(
            admin.get("/api/v1/accounts", params={"search": c}).json()["items"][0]["id"]
            for c in codes
        ),
        create_account(admin, code="1030", name="Bank EUR", currency="EUR")["id"],
        create_account(admin, code="1040", name="Closed till")["id"],
    ]
    assert admin.patch(f"/api/v1/accounts/{ids[5]}/deactivate").status_code == 200
    currencies = ["USD"] * 4 + ["EUR", "USD"]
    active = [True] * 5 + [False]
    net: dict[str, int] = defaultdict(int)  # debits - credits per account, of accepted entries
    accepted = 0

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(batch=st.lists(entries(), min_size=1, max_size=3))
    def run(batch: list[list[Line]]) -> None:
        nonlocal accepted
        for lines in batch:
            r = admin.post("/api/v1/transactions", json=_body(lines, ids))
            expected = _accepted(lines, currencies, active)
            assert r.status_code == (201 if expected else 422), (lines, r.text)
            if expected:
                accepted += 1
                for account, side, amount in lines:
                    net[ids[account]] += amount if side == "debit" else -amount
        trial = report(admin, "trial-balance")
        for part in trial["currencies"]:
            assert part["difference"] == 0, part
            assert part["total_debit"] == part["total_credit"]
        rows = {r["account_id"]: r for p in trial["currencies"] for r in p["rows"]}
        for account, value in net.items():
            row = rows.get(account)
            assert (row["debit"] - row["credit"] if row else 0) == value
        assert admin.get("/api/v1/transactions").json()["total"] == accepted

    run()
    assert accepted > 0  # the run did post entries, not only refuse them
