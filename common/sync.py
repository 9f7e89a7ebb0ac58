"""The sync wire protocol (docs/sync-protocol.md): request and response types for pull and push."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from common.api import ErrorBody

PROTOCOL_VERSION = 1
PROTOCOL_HEADER = "X-CRM-Sync-Protocol"
MAX_PULL_LIMIT = 2000
DEFAULT_PULL_LIMIT = 500
MAX_PUSH_BATCH = 500

Row = dict[str, JsonValue]


class Change(BaseModel):
    """One record as of a version: its whole current row, or its removal."""

    entity: str
    id: str
    op: Literal["upsert", "delete"]
    version: int
    data: Row | None = None


class PullResponse(BaseModel):
    changes: list[Change]
    cursor: str = Field(description="Opaque; send it back as ?cursor= on the next pull")
    has_more: bool
    phase: Literal["snapshot", "incremental"]
    reset: bool = Field(
        default=False,
        description="First page of a snapshot that replaces the replica: drop every synced row first",
    )
    server_version: int


class Mutation(BaseModel):
    """One local edit, numbered per client from 1 without gaps."""

    mutation_id: int = Field(ge=1)
    entity: str = Field(max_length=40)
    op: Literal["create", "update", "delete", "command"]
    id: str = Field(max_length=36)
    data: Row | None = Field(default=None, description="create: the new record's fields")
    changes: Row | None = Field(
        default=None, description="update: only the fields the user changed"
    )
    base: Row | None = Field(
        default=None,
        description=(
            "update: the values the user saw for those fields (a field left out: unknown; "
            "a nested field null or {}: the user saw none of its sub-fields)"
        ),
    )
    base_version: int | None = Field(
        default=None,
        description=(
            "update/delete: the record version the replica last had from the server "
            "(null: none, the record is the replica's own create)"
        ),
    )
    command: str | None = Field(default=None, max_length=40)
    args: Row | None = None
    made_at: str | None = Field(
        default=None,
        max_length=40,
        description=(
            "When the replica made this edit (ISO 8601); with what it changes, it tells "
            "this edit from another one sent under the same mutation id"
        ),
    )

    def fingerprint(self, *, with_time: bool = True) -> str:
        """What identifies this edit: what it changes and when it was made, not its number.

        ``base`` and ``base_version`` are context the replica may learn more about
        before a retry; they are left out.
        """
        fields = {"mutation_id", "base", "base_version"}
        if not with_time or self.made_at is None:
            fields.add("made_at")
        canonical = json.dumps(
            self.model_dump(mode="json", exclude=fields),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


class PushRequest(BaseModel):
    client_id: str = Field(min_length=36, max_length=36)
    mutations: list[Mutation] = Field(max_length=MAX_PUSH_BATCH)


class MutationResult(BaseModel):
    mutation_id: int
    status: Literal["applied", "conflict", "rejected"]
    version: int | None = Field(default=None, description="Sync version that carries the change")
    data: Row | None = Field(
        default=None,
        description=(
            "An applied create: the record as the server holds it at ``version`` "
            "(null if the same batch deleted it)"
        ),
    )
    error: ErrorBody | None = None
    conflicts: list[str] = Field(
        default_factory=list, description="Ids of conflict records created"
    )


class PushResponse(BaseModel):
    results: list[MutationResult]
    last_mutation_id: int = Field(description="The highest mutation id the server has acknowledged")
