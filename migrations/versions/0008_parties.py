"""parties: suppliers, partners and employees (one table, told apart by kind)

Revision ID: 0008
Revises: 0007

The seeded admin and viewer roles already hold parties:read / parties:write
(0001 seeded the spec's permission sets), so no role changes here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('parties',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('tax_id', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('phone_display', sa.String(length=40), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('position', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('country_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind IN ('supplier', 'partner', 'employee')", name=op.f('ck_parties_kind')),
    sa.CheckConstraint("status IN ('active', 'inactive', 'blacklisted')", name=op.f('ck_parties_status')),
    sa.ForeignKeyConstraint(['country_id'], ['countries.id'], name=op.f('fk_parties_country_id_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parties')),
    sa.UniqueConstraint('kind', 'email', name=op.f('uq_parties_kind_email'))
    )
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parties_country_id'), ['country_id'], unique=False)
        batch_op.create_index('ix_parties_kind_created_at_id', ['kind', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_parties_kind_name_id', ['kind', 'name', 'id'], unique=False)
        batch_op.create_index('ix_parties_kind_status', ['kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_parties_version'), ['version'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parties_version'))
        batch_op.drop_index('ix_parties_kind_status')
        batch_op.drop_index('ix_parties_kind_name_id')
        batch_op.drop_index('ix_parties_kind_created_at_id')
        batch_op.drop_index(batch_op.f('ix_parties_country_id'))

    op.drop_table('parties')
