"""The kinds of record a file can belong to, and the permissions that read and change them.

``server.modules`` registers every business module and the users; another part
(the messenger's conversations) registers its own with ``register``. Whoever may
read a record may read its files; whoever may change it may delete them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    entity: str  # "customer": the sync entity name
    model: type[Any]  # a table with an ``id`` primary key
    read: str  # "customers:read"
    write: str  # "customers:write"


TARGETS: dict[str, Target] = {}
# The same names, kept sorted: the upload's documented ``entity`` enum is this very list.
ENTITIES: list[str] = []


def register(target: Target) -> Target:
    TARGETS[target.entity] = target
    ENTITIES[:] = sorted(TARGETS)
    return target


def readable_by(permissions: Any) -> list[str]:
    """The record kinds whose files a caller with ``permissions`` (a ``Principal``) may read."""
    return sorted(t.entity for t in TARGETS.values() if permissions.can(t.read))
