"""Properties of the pure rules: a key's effective permissions, dollars and cents, stage moves."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.api_keys import effective_permissions
from common.deals import (
    CLOSED_STAGES,
    MAX_CENTS,
    STAGES,
    TRANSITIONS,
    Stage,
    can_move,
    cents_to_dollars,
    dollars_to_cents,
)
from common.permissions import has_permission

PARTS = ["clients", "deals", "users", "*"]
ACTIONS = ["read", "write", "manage", "*"]
grants = st.lists(
    st.builds(lambda r, a: f"{r}:{a}", st.sampled_from(PARTS), st.sampled_from(ACTIONS)),
    max_size=6,
)
required = st.builds(
    lambda r, a: f"{r}:{a}", st.sampled_from(PARTS[:-1]), st.sampled_from(ACTIONS[:-1])
)


@given(key=grants, owner=grants, need=required)
def test_a_key_can_exactly_what_both_key_and_owner_can(
    key: list[str], owner: list[str], need: str
) -> None:
    effective = effective_permissions(key, owner)
    assert has_permission(effective, need) == (
        has_permission(key, need) and has_permission(owner, need)
    )


@given(cents=st.integers(min_value=0, max_value=MAX_CENTS))
def test_cents_survive_the_trip_through_a_json_number(cents: int) -> None:
    assert dollars_to_cents(float(cents_to_dollars(cents))) == cents


@pytest.mark.parametrize(
    ("value", "cents"),
    [(0, 0), (5000, 500000), (0.1, 10), (19.99, 1999), (1e2, 10000), (Decimal("2.50"), 250)],
)
def test_dollars_to_cents(value: object, cents: int) -> None:
    assert dollars_to_cents(value) == cents


@pytest.mark.parametrize("value", [1.001, -0.01, float("nan"), float("inf"), "1", True, None, 1e14])
def test_refused_values(value: object) -> None:
    with pytest.raises(ValueError):
        dollars_to_cents(value)


def test_transition_table() -> None:
    assert set(TRANSITIONS) == set(STAGES)
    for stage in STAGES:
        assert not can_move(stage, stage)
    assert not TRANSITIONS[Stage.WON]  # won is final
    assert all(not can_move(Stage.LOST, s) for s in CLOSED_STAGES)
    assert can_move(Stage.LEAD, Stage.WON) and can_move(Stage.LOST, Stage.LEAD)
