"""Files' metadata to the replicas: read-only, each caller the files they may read."""

from __future__ import annotations

import sqlalchemy as sa

from common.sync import Row
from server.auth.principal import Principal
from server.files import service
from server.files.models import StoredFile
from server.sync.registry import EntitySpec, register


def serialize(row: StoredFile) -> Row:
    # The REST read, so a replica's record is what GET /files/:id answers (and its version).
    from server.files.router import file_read

    return {**file_read(row).model_dump(mode="json"), "version": row.version}


def visible(principal: Principal) -> sa.ColumnElement[bool]:
    if not principal.can("files:read"):
        return sa.false()
    return service.readable(principal)


SPEC = register(
    EntitySpec(
        entity="file",
        model=StoredFile,
        serialize=serialize,
        read_permission=None,  # per row: whoever may read the record it belongs to
        own_rows=visible,
        deletes_to="files:read",
    )
)
