"""The permission matcher: wildcards on either side of a grant, never on a requirement."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.permissions import grant_matches, has_permission, is_subset

names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
required = st.builds(lambda r, a: f"{r}:{a}", names, names)
grant_part = st.one_of(names, st.just("*"))
grants = st.builds(lambda r, a: f"{r}:{a}", grant_part, grant_part)


@given(required)
def test_super_admin_grants_everything(perm: str) -> None:
    assert has_permission(["*:*"], perm)


@given(required)
def test_no_grants_grant_nothing(perm: str) -> None:
    assert not has_permission([], perm)


@given(grants, required)
def test_a_grant_matches_exactly_when_each_side_is_equal_or_star(grant: str, perm: str) -> None:
    g_res, g_act = grant.split(":")
    r_res, r_act = perm.split(":")
    expected = g_res in ("*", r_res) and g_act in ("*", r_act)
    assert grant_matches(grant, perm) is expected


@given(names, names, names)
def test_resource_wildcard_covers_only_its_resource(res: str, act: str, other: str) -> None:
    assert has_permission([f"{res}:*"], f"{res}:{act}")
    assert has_permission([f"*:{act}"], f"{other}:{act}")
    if other != res:
        assert not has_permission([f"{res}:*"], f"{other}:{act}")


@pytest.mark.parametrize(
    "bad", ["*:*", "users:*", "*:read", "users", "", "Users:read", "users:read:x", " users:read"]
)
def test_a_required_permission_is_never_a_wildcard_or_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        has_permission(["*:*"], bad)


@pytest.mark.parametrize("junk", ["users", "*", "users:read:write", "USERS:READ", ""])
def test_malformed_grants_grant_nothing(junk: str) -> None:
    assert not has_permission([junk], "users:read")


@given(st.lists(grants, max_size=5), st.lists(grants, max_size=5))
def test_subset_means_everything_wanted_is_held(wanted: list[str], held: list[str]) -> None:
    if is_subset(wanted, held):
        # Whatever a subset grants, the holder already had.
        for w in wanted:
            r, a = w.split(":")
            probe = f"{'x' if r == '*' else r}:{'y' if a == '*' else a}"
            assert has_permission(held, probe)
    assert is_subset(wanted, ["*:*"])
    assert is_subset([], held)


def test_subset_refuses_widening() -> None:
    assert not is_subset(["invoices:*"], ["invoices:read", "invoices:write"])
    assert not is_subset(["*:*"], ["users:*"])
    assert is_subset(["invoices:read"], ["invoices:*"])
