"""API keys: request and response schemas, and what a key may do.

A key is ``mcrm_`` + random; only its SHA-256 is stored. It carries a subset of
its creator's permissions, and at request time it can do only what both the
key and its owner's *current* roles allow (:func:`effective_permissions`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from common.api import Strict
from common.permissions import GRANT_PATTERN, WILDCARD, is_valid_grant
from common.rules import NAME
from common.validation import normalize_name

KEY_PREFIX = "mcrm_"
SHOWN_PREFIX_LEN = 12  # "mcrm_" + 7 characters: enough to tell keys apart in a list


def is_api_key(token: str) -> bool:
    """Tell whether a bearer token is an API key (rather than an access JWT)."""
    return token.startswith(KEY_PREFIX)


def _meet(a: str, b: str) -> str | None:
    """The narrower of two permission parts, or None when they cannot both match."""
    if a == WILDCARD:
        return b
    if b in (WILDCARD, a):
        return a
    return None


def effective_permissions(key: Iterable[str], owner: Iterable[str]) -> list[str]:
    """The grants covering exactly what both ``key`` and ``owner`` cover.

    A required ``r:a`` matches some key grant and some owner grant iff it matches
    their per-part meet, so the union of pairwise meets is the exact intersection.
    """
    owner = [g for g in owner if is_valid_grant(g)]
    out: dict[str, None] = {}
    for k in key:
        if not is_valid_grant(k):
            continue
        k_res, k_act = k.split(":")
        for o in owner:
            o_res, o_act = o.split(":")
            res, act = _meet(k_res, o_res), _meet(k_act, o_act)
            if res is not None and act is not None:
                out.setdefault(f"{res}:{act}", None)
    return list(out)


class ApiKeyCreate(Strict):
    """``POST /api-keys``."""

    name: str = Field(max_length=100, examples=["Website lead form"], json_schema_extra=NAME)
    permissions: list[Annotated[str, Field(pattern=GRANT_PATTERN)]] = Field(
        min_length=1, max_length=100, examples=[["clients:read", "clients:write"]]
    )

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return normalize_name(v, max_len=100)

    @field_validator("permissions")
    @classmethod
    def _perms(cls, v: list[str]) -> list[str]:
        bad = [p for p in v if not is_valid_grant(p)]
        if bad:
            raise ValueError(f"Not a permission (resource:action): {', '.join(bad)}")
        return list(dict.fromkeys(v))


class ApiKeyRead(BaseModel):
    """A key as listed: never the key itself."""

    id: str
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it")
    permissions: list[str]
    created_at: datetime
    last_used_at: datetime | None = Field(description="Updated at most once a minute")


class ApiKeyCreated(ApiKeyRead):
    """The answer to a create: the only time the key is shown."""

    key: str = Field(description="The secret; shown once, store it now")
