"""The database itself refuses a ledger that does not balance: direct SQL, both engines.

The service checks first (test_transactions.py); these statements go around it,
as a bug or a hand-made fix in a SQL console would, and the database refuses each.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from common.ids import new_id
from server.context import AppContext
from tests.conftest import Api
from tests.ledger_factories import create_account, entry, load_chart, post

pytestmark = pytest.mark.engines

Conn = sa.Connection


def _accounts(admin: Api) -> dict[str, str]:
    load_chart(admin)
    r = admin.get("/api/v1/accounts", params={"limit": 100})
    return {a["code"]: a["id"] for a in r.json()["items"]}


def _line(conn: Conn, tx: str, account: str, debit: int, credit: int, position: int = 0) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO transaction_lines (id, transaction_id, position, account_id, debit, credit)"
            " VALUES (:id, :tx, :pos, :acc, :d, :c)"
        ),
        {"id": new_id(), "tx": tx, "pos": position, "acc": account, "d": debit, "c": credit},
    )


def _header(conn: Conn, tx: str, total: int, currency: str = "USD") -> None:
    conn.execute(
        sa.text(
            "INSERT INTO transactions (id, number, entry_date, currency, total, source, version,"
            " created_at) VALUES (:id, :num, :day, :cur, :total, 'manual', 0, :day)"
        ),
        {
            "id": tx,
            "num": f"SQL-{tx[-8:]}",
            "day": date(2026, 1, 5),
            "cur": currency,
            "total": total,
        },
    )


def _refused(ctx: AppContext, write: Callable[[Conn], None]) -> None:
    """``write`` in one transaction is refused by the database (at the statement or at commit)."""
    with pytest.raises(IntegrityError), ctx.db.engine.begin() as conn:
        write(conn)


def _counts(ctx: AppContext) -> tuple[int, int]:
    with ctx.db.engine.connect() as conn:
        return (
            int(conn.scalar(sa.text("SELECT count(*) FROM transactions")) or 0),
            int(conn.scalar(sa.text("SELECT count(*) FROM transaction_lines")) or 0),
        )


def test_a_balanced_entry_written_by_hand_is_accepted(admin: Api, ctx: AppContext) -> None:
    acc = _accounts(admin)
    tx = new_id()
    with ctx.db.engine.begin() as conn:
        _line(conn, tx, acc["1010"], 500, 0)
        _line(conn, tx, acc["4000"], 0, 300, 1)
        _line(conn, tx, acc["4900"], 0, 200, 2)
        _header(conn, tx, 500)
    assert _counts(ctx) == (1, 3)


def test_unbalanced_short_or_odd_entries_are_refused(admin: Api, ctx: AppContext) -> None:
    acc = _accounts(admin)
    euros = create_account(admin, code="1030", name="Bank EUR", currency="EUR")["id"]
    closed = create_account(admin, code="1040", name="Old till")["id"]
    assert admin.patch(f"/api/v1/accounts/{closed}/deactivate").status_code == 200

    def unbalanced(conn: Conn) -> None:
        tx = new_id()
        _line(conn, tx, acc["1010"], 500, 0)
        _line(conn, tx, acc["4000"], 0, 499, 1)
        _header(conn, tx, 500)

    def total_differs(conn: Conn) -> None:
        tx = new_id()
        _line(conn, tx, acc["1010"], 500, 0)
        _line(conn, tx, acc["4000"], 0, 500, 1)
        _header(conn, tx, 400)

    def one_line(conn: Conn) -> None:
        tx = new_id()
        _line(conn, tx, acc["1010"], 500, 0)
        _header(conn, tx, 500)

    def no_lines(conn: Conn) -> None:
        _header(conn, new_id(), 500)

    def both_sides(conn: Conn) -> None:
        _line(conn, new_id(), acc["1010"], 500, 500)

    def zero(conn: Conn) -> None:
        _line(conn, new_id(), acc["1010"], 0, 0)

    def negative(conn: Conn) -> None:
        _line(conn, new_id(), acc["1010"], -5, 0)

    def mixed_currency(conn: Conn) -> None:
        tx = new_id()
        _line(conn, tx, acc["1010"], 500, 0)
        _line(conn, tx, euros, 0, 500, 1)
        _header(conn, tx, 500)

    def inactive_account(conn: Conn) -> None:
        tx = new_id()
        _line(conn, tx, closed, 500, 0)
        _line(conn, tx, acc["4000"], 0, 500, 1)
        _header(conn, tx, 500)

    def lines_without_a_transaction(conn: Conn) -> None:
        tx = new_id()
        _line(conn, tx, acc["1010"], 500, 0)
        _line(conn, tx, acc["4000"], 0, 500, 1)  # the deferred key fails at commit

    for write in (
        unbalanced,
        total_differs,
        one_line,
        no_lines,
        both_sides,
        zero,
        negative,
        mixed_currency,
        inactive_account,
        lines_without_a_transaction,
    ):
        _refused(ctx, write)
        assert _counts(ctx) == (0, 0), write.__name__


def test_posted_rows_never_change(admin: Api, ctx: AppContext) -> None:
    acc = _accounts(admin)
    tx = post(admin, entry("1010", "4000", 700))
    line = tx["lines"][0]["id"]
    for statement in (
        f"UPDATE transaction_lines SET debit = 900 WHERE id = '{line}'",
        f"DELETE FROM transaction_lines WHERE id = '{line}'",
        f"UPDATE transactions SET total = 900 WHERE id = '{tx['id']}'",
        f"UPDATE transactions SET entry_date = '2020-01-01' WHERE id = '{tx['id']}'",
        f"DELETE FROM transactions WHERE id = '{tx['id']}'",
    ):
        _refused(ctx, lambda conn, s=statement: conn.execute(sa.text(s)))  # type: ignore[misc]

    def one_more_line(conn: Conn) -> None:
        _line(conn, tx["id"], acc["1010"], 100, 0, 2)
        _line(conn, tx["id"], acc["4000"], 0, 100, 3)

    _refused(ctx, one_more_line)
    assert _counts(ctx) == (1, 2)
    # The unit of work's version stamp is no change of the entry: it still goes through.
    with ctx.db.engine.begin() as conn:
        conn.execute(
            sa.text(f"UPDATE transactions SET version = version + 1 WHERE id = '{tx['id']}'")
        )
    assert admin.get(f"/api/v1/transactions/{tx['id']}").json()["total"] == 700


def test_an_account_with_postings_cannot_be_deleted_or_retyped(admin: Api, ctx: AppContext) -> None:
    acc = _accounts(admin)
    post(admin, entry("1010", "4000", 700))
    _refused(
        ctx, lambda conn: conn.execute(sa.text(f"DELETE FROM accounts WHERE id = '{acc['1010']}'"))
    )
    # A parent keeps its children's type: the (parent_id, type) key refuses a mismatch.
    _refused(
        ctx,
        lambda conn: conn.execute(
            sa.text(f"UPDATE accounts SET type = 'expense' WHERE id = '{acc['1000']}'")
        ),
    )
