"""The list's real queries can use the indexes: each sort column, and trigram search on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from common.customers import CustomerQuery
from server import customers
from server.context import AppContext
from server.kit.lists import list_page

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def _page_query(ctx: AppContext, req: CustomerQuery) -> tuple[str, Any]:
    """The SQL and parameters of the page query the service runs for ``req``."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cur: Any, stmt: str, params: Any, _ctx: Any, _many: bool) -> None:
        if "ORDER BY" in stmt and "FROM customers" in stmt and "count(" not in stmt:
            seen.append((stmt, params))

    event.listen(ctx.db.engine, "before_cursor_execute", capture)
    try:
        with ctx.db.session(write=False) as session:
            list_page(session, customers.RESOURCE, req)
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", capture)
    assert seen
    return seen[0]


def _plan(ctx: AppContext, stmt: str, params: Any) -> str:
    with ctx.db.engine.connect() as conn:
        cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        if conn.dialect.name == "postgresql":
            cur.execute("SET enable_seqscan = off")  # a tiny test table would always be scanned
            cur.execute("EXPLAIN " + stmt, params)
        else:
            cur.execute("EXPLAIN QUERY PLAN " + stmt, params)
        return "\n".join(str(row) for row in cur.fetchall())


@pytest.mark.parametrize(
    "sort_by", ["name", "email", "created_at", "credit_limit", "total_purchases"]
)
def test_each_sort_column_pages_through_its_index(ctx: AppContext, sort_by: str) -> None:
    for order in ("asc", "desc"):
        stmt, params = _page_query(ctx, CustomerQuery(sort_by=sort_by, sort_order=order))  # type: ignore[arg-type]
        plan = _plan(ctx, stmt, params)
        assert f"ix_customers_{sort_by}_id" in plan, plan
        assert "TEMP B-TREE" not in plan.upper(), plan  # SQLite: no sort step


@pytest.mark.postgres_only
def test_search_uses_the_trigram_indexes(ctx: AppContext) -> None:
    with ctx.db.engine.connect() as conn:
        conn.execute(sa.text("ANALYZE customers"))
    stmt, params = _page_query(ctx, CustomerQuery(search="summit"))
    plan = _plan(ctx, stmt, params)
    for column in ("name", "email", "company", "phone"):
        assert f"ix_customers_{column}_trgm" in plan, plan
