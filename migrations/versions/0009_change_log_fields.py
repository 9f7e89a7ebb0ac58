"""change log entries name the fields they changed

Revision ID: 0009
Revises: 0008

A merge asks whether someone else wrote *this field* since the replica's base
version, not merely the record. Older entries keep null: "the whole record",
which the merge reads as the cautious answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('change_log') as batch:
        batch.add_column(
            sa.Column('fields', sa.JSON().with_variant(JSONB(), 'postgresql'), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('change_log') as batch:
        batch.drop_column('fields')
