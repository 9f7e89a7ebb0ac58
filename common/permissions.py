"""Permissions are ``resource:action`` strings; a granted one may use ``*`` on either side.

A *required* permission is always concrete: asking whether a user may do ``*:*``
is a programming error, never something a wildcard grant silently satisfies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

WILDCARD = "*"
_PART = r"[a-z][a-z0-9_]*"
GRANT_PATTERN = rf"^(?:{_PART}|\*):(?:{_PART}|\*)$"
_GRANT_RE = re.compile(GRANT_PATTERN)
_REQUIRED_RE = re.compile(rf"^{_PART}:{_PART}$")

RESOURCES: tuple[str, ...] = (
    "users",
    "roles",
    "customers",
    "parties",
    "countries",
    "invoices",
    "orders",
    "accounting",
    "contracts",
    "inventory",
    "catalog",
    "files",
    "notifications",
    "messenger",
    "audit",
    "clients",
    "deals",
    "api_keys",
)


def is_valid_grant(permission: str) -> bool:
    """Tell whether ``permission`` is well formed as something a role may hold."""
    return bool(_GRANT_RE.fullmatch(permission))


def is_valid_required(permission: str) -> bool:
    """Tell whether ``permission`` is well formed as something an endpoint may require."""
    return bool(_REQUIRED_RE.match(permission))


def grant_matches(grant: str, required: str) -> bool:
    """Tell whether one granted permission covers one required permission."""
    if not is_valid_required(required):
        raise ValueError(f"a required permission must be concrete: {required!r}")
    if not is_valid_grant(grant):
        return False
    g_res, g_act = grant.split(":")
    r_res, r_act = required.split(":")
    return g_res in (WILDCARD, r_res) and g_act in (WILDCARD, r_act)


def has_permission(granted: Iterable[str], required: str) -> bool:
    """Tell whether any of the granted permissions covers ``required``."""
    if not is_valid_required(required):
        raise ValueError(f"a required permission must be concrete: {required!r}")
    return any(grant_matches(g, required) for g in granted)


def is_subset(wanted: Iterable[str], granted: Iterable[str]) -> bool:
    """Tell whether every permission in ``wanted`` is covered by ``granted``.

    A wildcard in ``wanted`` is covered only by a grant at least as wide
    (``invoices:*`` needs ``invoices:*`` or ``*:*``), so nobody can hand out
    more than they hold.
    """
    granted = list(granted)
    for w in wanted:
        if not is_valid_grant(w):
            return False
        w_res, w_act = w.split(":")
        ok = False
        for g in granted:
            if not is_valid_grant(g):
                continue
            g_res, g_act = g.split(":")
            if g_res in (WILDCARD, w_res) and g_act in (WILDCARD, w_act):
                ok = True
                break
        if not ok:
            return False
    return True
