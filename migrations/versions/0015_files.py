"""files: stored once per content, attached to records

Revision ID: 0015
Revises: 0014

``file_blobs``: one row per stored content (SHA-256), whichever store holds its bytes;
``file_chunks``: the bytes when the database is the store; ``files``: one row per upload,
with its original name, detected type and the record it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('file_blobs',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_file_blobs'))
    )
    op.create_table('file_chunks',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['digest'], ['file_blobs.digest'], name=op.f('fk_file_chunks_digest_file_blobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest', 'seq', name=op.f('pk_file_chunks'))
    )
    op.create_table('files',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('mime_type', sa.String(length=127), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=True),
    sa.Column('entity_id', sa.String(length=36), nullable=True),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('(entity IS NULL) = (entity_id IS NULL)', name=op.f('ck_files_record_whole')),
    sa.CheckConstraint('size >= 0', name=op.f('ck_files_size_not_negative')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_files_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['digest'], ['file_blobs.digest'], name=op.f('fk_files_digest_file_blobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_files'))
    )
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_files_digest'), ['digest'], unique=False)
        batch_op.create_index('ix_files_record', ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_files_version'), ['version'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_files_version'))
        batch_op.drop_index('ix_files_record')
        batch_op.drop_index(batch_op.f('ix_files_digest'))

    op.drop_table('files')
    op.drop_table('file_chunks')
    op.drop_table('file_blobs')
