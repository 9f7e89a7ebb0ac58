"""sync mutations: fingerprint, and the versions each client's pushes made

Revision ID: 0006
Revises: 0005

``sync_mutations.fingerprint`` identifies the edit a stored result belongs to, so
a replica restored from an older copy of its file, whose new edits reuse mutation
ids the server already holds, is told so instead of getting another edit's result
back. Rows stored before this migration keep NULL (they match any retry, as before).

The index on ``(client_id, version)`` lets a merge ask cheaply whether a version
that changed a record was made by the pushing replica itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_mutations", sa.Column("fingerprint", sa.String(length=32), nullable=True))
    op.create_index(
        "ix_sync_mutations_client_id_version",
        "sync_mutations",
        ["client_id", "version"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_sync_mutations_client_id_version", table_name="sync_mutations")
    with op.batch_alter_table("sync_mutations") as batch:
        batch.drop_column("fingerprint")
