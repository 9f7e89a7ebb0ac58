"""ledger: accounts, transactions and their lines, posting accounts; the ledger's rules as triggers

Revision ID: 0011
Revises: 0010

The rules a posted transaction keeps are the database's too (server/ledger/models.py):
- a line is a debit xor a credit > 0 (CHECK);
- the lines are written before their transaction (their foreign key to it is deferred
  to commit); inserting the transaction checks it has >= 2 lines whose debits equal
  their credits and its total, every account active and in its currency;
- a line cannot be added to an existing transaction, nor changed or deleted; a
  transaction's ledger columns never change and it is never deleted (its version,
  stamped by the unit of work, still may).
SQLite: a later batch migration that copies ``transactions`` or ``transaction_lines``
drops these triggers; it must create them again (``create_triggers``).

The viewer role may read the ledger (``accounting:read``), as it reads invoices and payments.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

LEDGER_COLUMNS = (
    "number, entry_date, description, reference, currency, total, source, source_id, "
    "reverses_id, created_at"
)
ACCOUNTS_OK = (
    "SELECT 1 FROM transaction_lines l JOIN accounts a ON a.id = l.account_id "
    "WHERE l.transaction_id = NEW.id AND (a.currency <> NEW.currency OR NOT a.active)"
)

SQLITE = [
    f"""CREATE TRIGGER ledger_transaction_balanced AFTER INSERT ON transactions
    BEGIN
        SELECT RAISE(ABORT, 'ledger: a transaction needs at least two lines')
        WHERE (SELECT count(*) FROM transaction_lines WHERE transaction_id = NEW.id) < 2;
        SELECT RAISE(ABORT, 'ledger: debits must equal credits and the transaction total')
        WHERE (SELECT coalesce(sum(debit), 0) FROM transaction_lines
               WHERE transaction_id = NEW.id) <> NEW.total
           OR (SELECT coalesce(sum(credit), 0) FROM transaction_lines
               WHERE transaction_id = NEW.id) <> NEW.total;
        SELECT RAISE(ABORT, 'ledger: every account must be active and in the transaction currency')
        WHERE EXISTS ({ACCOUNTS_OK});
    END""",
    """CREATE TRIGGER ledger_lines_closed BEFORE INSERT ON transaction_lines
    WHEN EXISTS (SELECT 1 FROM transactions WHERE id = NEW.transaction_id)
    BEGIN
        SELECT RAISE(ABORT, 'ledger: a posted transaction takes no more lines');
    END""",
    """CREATE TRIGGER ledger_lines_no_update BEFORE UPDATE ON transaction_lines
    BEGIN
        SELECT RAISE(ABORT, 'ledger: posted lines never change; post a reversal');
    END""",
    """CREATE TRIGGER ledger_lines_no_delete BEFORE DELETE ON transaction_lines
    BEGIN
        SELECT RAISE(ABORT, 'ledger: posted lines are never deleted; post a reversal');
    END""",
    f"""CREATE TRIGGER ledger_transaction_no_update BEFORE UPDATE OF {LEDGER_COLUMNS}
    ON transactions
    BEGIN
        SELECT RAISE(ABORT, 'ledger: a posted transaction never changes; post a reversal');
    END""",
    """CREATE TRIGGER ledger_transaction_no_delete BEFORE DELETE ON transactions
    BEGIN
        SELECT RAISE(ABORT, 'ledger: a posted transaction is never deleted; post a reversal');
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS " + name
    for name in (
        "ledger_transaction_balanced",
        "ledger_lines_closed",
        "ledger_lines_no_update",
        "ledger_lines_no_delete",
        "ledger_transaction_no_update",
        "ledger_transaction_no_delete",
    )
]

POSTGRESQL = [
    f"""CREATE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE n integer; d bigint; c bigint;
    BEGIN
        SELECT count(*), coalesce(sum(debit), 0), coalesce(sum(credit), 0) INTO n, d, c
        FROM transaction_lines WHERE transaction_id = NEW.id;
        IF n < 2 THEN
            RAISE EXCEPTION 'ledger: transaction % needs at least two lines', NEW.id
            USING ERRCODE = 'check_violation';
        END IF;
        IF d <> c OR d <> NEW.total THEN
            RAISE EXCEPTION 'ledger: transaction % has debits %, credits %, total %',
                NEW.id, d, c, NEW.total USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS ({ACCOUNTS_OK}) THEN
            RAISE EXCEPTION 'ledger: every account of transaction % must be active and in %',
                NEW.id, NEW.currency USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE FUNCTION ledger_lines_closed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM transactions WHERE id = NEW.transaction_id) THEN
            RAISE EXCEPTION 'ledger: a posted transaction takes no more lines'
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger: posted % rows never change; post a reversal', TG_TABLE_NAME
        USING ERRCODE = 'check_violation';
    END $$""",
    """CREATE TRIGGER ledger_transaction_balanced AFTER INSERT ON transactions
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced()""",
    """CREATE TRIGGER ledger_lines_closed BEFORE INSERT ON transaction_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_lines_closed()""",
    """CREATE TRIGGER ledger_lines_immutable BEFORE UPDATE OR DELETE ON transaction_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable()""",
    f"""CREATE TRIGGER ledger_transaction_immutable
    BEFORE UPDATE OF {LEDGER_COLUMNS} OR DELETE ON transactions
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS ledger_transaction_immutable ON transactions",
    "DROP TRIGGER IF EXISTS ledger_lines_immutable ON transaction_lines",
    "DROP TRIGGER IF EXISTS ledger_lines_closed ON transaction_lines",
    "DROP TRIGGER IF EXISTS ledger_transaction_balanced ON transactions",
    "DROP FUNCTION IF EXISTS ledger_immutable()",
    "DROP FUNCTION IF EXISTS ledger_lines_closed()",
    "DROP FUNCTION IF EXISTS ledger_transaction_balanced()",
]
VIEWER_READS = "accounting:read"


def create_triggers() -> None:
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def _viewer(change: str) -> None:
    """Give the viewer role accounting:read (or take it back)."""
    roles = sa.table("roles", sa.column("id"), sa.column("name"), sa.column("permissions", sa.JSON))
    bind = op.get_bind()
    row = bind.execute(sa.select(roles.c.id, roles.c.permissions).where(roles.c.name == "viewer")).first()
    if row is None:
        return
    perms = [p for p in row.permissions if p != VIEWER_READS]
    if change == "grant":
        perms.append(VIEWER_READS)
    bind.execute(roles.update().where(roles.c.id == row.id).values(permissions=perms))


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('accounts',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("type IN ('asset', 'liability', 'equity', 'revenue', 'expense')", name=op.f('ck_accounts_type')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_accounts_not_own_parent')),
    sa.ForeignKeyConstraint(['parent_id', 'type'], ['accounts.id', 'accounts.type'], name='fk_accounts_parent_same_type'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('code', name=op.f('uq_accounts_code')),
    sa.UniqueConstraint('id', 'type', name='uq_accounts_id_type')
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index('ix_accounts_code_id', ['code', 'id'], unique=False)
        batch_op.create_index('ix_accounts_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_accounts_name_id', ['name', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_accounts_type_code', ['type', 'code'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_version'), ['version'], unique=False)

    op.create_table('transactions',
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('source_id', sa.String(length=36), nullable=True),
    sa.Column('reverses_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("source IN ('manual', 'invoice', 'payment', 'reversal')", name=op.f('ck_transactions_source')),
    sa.CheckConstraint('reverses_id IS NULL OR reverses_id <> id', name=op.f('ck_transactions_not_own_reversal')),
    sa.CheckConstraint('total > 0', name=op.f('ck_transactions_total_positive')),
    sa.ForeignKeyConstraint(['reverses_id'], ['transactions.id'], name=op.f('fk_transactions_reverses_id_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transactions')),
    sa.UniqueConstraint('number', name=op.f('uq_transactions_number')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_transactions_reverses_id'))
    )
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.create_index('ix_transactions_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_transactions_entry_date_id', ['entry_date', 'id'], unique=False)
        batch_op.create_index('ix_transactions_number_id', ['number', 'id'], unique=False)
        batch_op.create_index('ix_transactions_source_id', ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transactions_version'), ['version'], unique=False)

    op.create_table('posting_accounts',
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('receivable', 'revenue', 'tax_payable', 'cash', 'bank')", name=op.f('ck_posting_accounts_role')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_posting_accounts_account_id_accounts')),
    sa.PrimaryKeyConstraint('role', name=op.f('pk_posting_accounts'))
    )
    op.create_table('transaction_lines',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('transaction_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.CheckConstraint('(debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)', name=op.f('ck_transaction_lines_debit_xor_credit')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_transaction_lines_account_id_accounts')),
    sa.ForeignKeyConstraint(['transaction_id'], ['transactions.id'], name=op.f('fk_transaction_lines_transaction_id_transactions'), initially='DEFERRED', deferrable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transaction_lines'))
    )
    with op.batch_alter_table('transaction_lines', schema=None) as batch_op:
        batch_op.create_index('ix_transaction_lines_account_id_transaction_id', ['account_id', 'transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transaction_lines_transaction_id'), ['transaction_id'], unique=False)

    create_triggers()
    _viewer("grant")


def downgrade() -> None:
    _viewer("revoke")
    for statement in POSTGRESQL_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP:
        op.execute(statement)
    with op.batch_alter_table('transaction_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transaction_lines_transaction_id'))
        batch_op.drop_index('ix_transaction_lines_account_id_transaction_id')

    op.drop_table('transaction_lines')
    op.drop_table('posting_accounts')
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transactions_version'))
        batch_op.drop_index('ix_transactions_source_id')
        batch_op.drop_index('ix_transactions_number_id')
        batch_op.drop_index('ix_transactions_entry_date_id')
        batch_op.drop_index('ix_transactions_created_at_id')

    op.drop_table('transactions')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_version'))
        batch_op.drop_index('ix_accounts_type_code')
        batch_op.drop_index(batch_op.f('ix_accounts_parent_id'))
        batch_op.drop_index('ix_accounts_name_id')
        batch_op.drop_index('ix_accounts_created_at_id')
        batch_op.drop_index('ix_accounts_code_id')

    op.drop_table('accounts')
