"""catalog, orders and invoices: items and categories, orders and invoices with their lines,
payments, and the document counters that number invoices

Revision ID: 0010
Revises: 0009

The seeded admin and viewer roles already hold catalog/orders/invoices permissions
(0001 seeded the spec's permission sets), so no role changes here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('catalog_categories',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_catalog_categories_not_own_parent')),
    sa.ForeignKeyConstraint(['parent_id'], ['catalog_categories.id'], name=op.f('fk_catalog_categories_parent_id_catalog_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_categories'))
    )
    with op.batch_alter_table('catalog_categories', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_categories_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_catalog_categories_name_id', ['name', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_categories_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_categories_version'), ['version'], unique=False)

    op.create_table('document_counters',
    sa.Column('series', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('last >= 0', name=op.f('ck_document_counters_last_nonnegative')),
    sa.PrimaryKeyConstraint('series', 'year', name=op.f('pk_document_counters'))
    )
    op.create_table('catalog_items',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category_id', sa.String(length=36), nullable=True),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tax_rate', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status IN ('active', 'inactive', 'discontinued')", name=op.f('ck_catalog_items_status')),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_catalog_items_unit_price_nonnegative')),
    sa.ForeignKeyConstraint(['category_id'], ['catalog_categories.id'], name=op.f('fk_catalog_items_category_id_catalog_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_items')),
    sa.UniqueConstraint('sku', name=op.f('uq_catalog_items_sku'))
    )
    with op.batch_alter_table('catalog_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_items_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_catalog_items_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_catalog_items_name_id', ['name', 'id'], unique=False)
        batch_op.create_index('ix_catalog_items_sku_id', ['sku', 'id'], unique=False)
        batch_op.create_index('ix_catalog_items_status', ['status'], unique=False)
        batch_op.create_index('ix_catalog_items_unit_price_id', ['unit_price', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_items_version'), ['version'], unique=False)

    op.create_table('orders',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('invoice_id', sa.String(length=36), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('country_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'pending', 'confirmed', 'shipped', 'delivered', 'cancelled')", name=op.f('ck_orders_status')),
    sa.CheckConstraint('subtotal >= 0 AND tax_total >= 0', name=op.f('ck_orders_amounts_nonnegative')),
    sa.CheckConstraint('total = subtotal + tax_total', name=op.f('ck_orders_total_computed')),
    sa.ForeignKeyConstraint(['country_id'], ['countries.id'], name=op.f('fk_orders_country_id_countries')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_orders_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_country_id'), ['country_id'], unique=False)
        batch_op.create_index('ix_orders_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_customer_id_created_at_id', ['customer_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_status_created_at_id', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_total_id', ['total', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_version'), ['version'], unique=False)

    op.create_table('invoices',
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('amount_paid', sa.BigInteger(), nullable=False),
    sa.Column('billing_address', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status <> 'cancelled' OR amount_paid = 0", name=op.f('ck_invoices_cancelled_unpaid')),
    sa.CheckConstraint("status <> 'paid' OR amount_paid = total", name=op.f('ck_invoices_paid_in_full')),
    sa.CheckConstraint("status IN ('draft', 'sent', 'paid', 'cancelled')", name=op.f('ck_invoices_status')),
    sa.CheckConstraint('amount_paid >= 0 AND amount_paid <= total', name=op.f('ck_invoices_paid_within_total')),
    sa.CheckConstraint('subtotal >= 0 AND tax_total >= 0', name=op.f('ck_invoices_amounts_nonnegative')),
    sa.CheckConstraint('total = subtotal + tax_total', name=op.f('ck_invoices_total_computed')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_invoices_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_invoices_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_invoices_customer_id_created_at_id', ['customer_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_invoices_due_date_id', ['due_date', 'id'], unique=False)
        batch_op.create_index('ix_invoices_issue_date_id', ['issue_date', 'id'], unique=False)
        batch_op.create_index('ix_invoices_number_id', ['number', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_invoices_status_due_date', ['status', 'due_date'], unique=False)
        batch_op.create_index('ix_invoices_total_id', ['total', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_version'), ['version'], unique=False)

    op.create_table('order_lines',
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('tax_rate', sa.String(length=20), nullable=True),
    sa.Column('tax_basis_points', sa.Integer(), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('tax', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.String(length=36), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_lines_quantity_positive')),
    sa.CheckConstraint('subtotal = quantity * unit_price', name=op.f('ck_order_lines_subtotal_computed')),
    sa.CheckConstraint('tax >= 0', name=op.f('ck_order_lines_tax_nonnegative')),
    sa.CheckConstraint('tax_basis_points >= 0', name=op.f('ck_order_lines_tax_basis_points_nonnegative')),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_order_lines_unit_price_nonnegative')),
    sa.ForeignKeyConstraint(['item_id'], ['catalog_items.id'], name=op.f('fk_order_lines_item_id_catalog_items')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_lines_order_id'), ['order_id'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('invoice_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('tax_rate', sa.String(length=20), nullable=True),
    sa.Column('tax_basis_points', sa.Integer(), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('tax', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.String(length=36), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_invoice_lines_quantity_positive')),
    sa.CheckConstraint('subtotal = quantity * unit_price', name=op.f('ck_invoice_lines_subtotal_computed')),
    sa.CheckConstraint('tax >= 0', name=op.f('ck_invoice_lines_tax_nonnegative')),
    sa.CheckConstraint('tax_basis_points >= 0', name=op.f('ck_invoice_lines_tax_basis_points_nonnegative')),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_invoice_lines_unit_price_nonnegative')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['catalog_items.id'], name=op.f('fk_invoice_lines_item_id_catalog_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines'))
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_lines_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_lines_item_id'), ['item_id'], unique=False)

    op.create_table('invoice_payments',
    sa.Column('invoice_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.CheckConstraint("method IN ('bank_transfer', 'card', 'cash', 'cheque', 'other')", name=op.f('ck_invoice_payments_method')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_invoice_payments_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_payments_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_payments'))
    )
    with op.batch_alter_table('invoice_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_payments_invoice_id'), ['invoice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('invoice_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_payments_invoice_id'))

    op.drop_table('invoice_payments')
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_lines_item_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_lines_invoice_id'))

    op.drop_table('invoice_lines')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_lines_item_id'))

    op.drop_table('order_lines')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_version'))
        batch_op.drop_index('ix_invoices_total_id')
        batch_op.drop_index('ix_invoices_status_due_date')
        batch_op.drop_index(batch_op.f('ix_invoices_order_id'))
        batch_op.drop_index('ix_invoices_number_id')
        batch_op.drop_index('ix_invoices_issue_date_id')
        batch_op.drop_index('ix_invoices_due_date_id')
        batch_op.drop_index('ix_invoices_customer_id_created_at_id')
        batch_op.drop_index('ix_invoices_created_at_id')

    op.drop_table('invoices')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_version'))
        batch_op.drop_index('ix_orders_total_id')
        batch_op.drop_index('ix_orders_status_created_at_id')
        batch_op.drop_index('ix_orders_customer_id_created_at_id')
        batch_op.drop_index('ix_orders_created_at_id')
        batch_op.drop_index(batch_op.f('ix_orders_country_id'))

    op.drop_table('orders')
    with op.batch_alter_table('catalog_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_items_version'))
        batch_op.drop_index('ix_catalog_items_unit_price_id')
        batch_op.drop_index('ix_catalog_items_status')
        batch_op.drop_index('ix_catalog_items_sku_id')
        batch_op.drop_index('ix_catalog_items_name_id')
        batch_op.drop_index('ix_catalog_items_created_at_id')
        batch_op.drop_index(batch_op.f('ix_catalog_items_category_id'))

    op.drop_table('catalog_items')
    op.drop_table('document_counters')
    with op.batch_alter_table('catalog_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_categories_version'))
        batch_op.drop_index(batch_op.f('ix_catalog_categories_parent_id'))
        batch_op.drop_index('ix_catalog_categories_name_id')
        batch_op.drop_index('ix_catalog_categories_created_at_id')

    op.drop_table('catalog_categories')
