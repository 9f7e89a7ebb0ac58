"""A list's ``total`` is counted once per filter and sync version, and is always the true count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from common.customers import CustomerCreate
from server.app import build_context
from server.context import AppContext
from server.customers import service
from tests.conftest import Api, fast_passwords, make_settings
from tests.factories import create_customer

pytestmark = pytest.mark.engines  # the count and the version are read by each engine


@contextmanager
def counts(ctx: AppContext) -> Iterator[list[str]]:
    """The count statements the server runs meanwhile."""
    seen: list[str] = []

    def capture(_conn: Any, _cur: Any, stmt: str, *_: Any) -> None:
        if "count(*)" in stmt:
            seen.append(stmt)

    sa.event.listen(ctx.db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        sa.event.remove(ctx.db.engine, "before_cursor_execute", capture)


def total(admin: Api, query: str = "") -> int:
    r = admin.get(f"/api/v1/customers?limit=2{query}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["has_more"] == (body["total"] > 2)
    return int(body["total"])


def test_total_is_counted_once_per_version_and_follows_every_write(
    ctx: AppContext, admin: Api
) -> None:
    made = [create_customer(admin, name=f"Total {n}") for n in range(3)]
    with counts(ctx) as seen:
        assert total(admin) == 3
        assert total(admin) == 3
        assert admin.get("/api/v1/customers?limit=2&page=2").json()["total"] == 3
        assert admin.get("/api/v1/customers?limit=2&sort_by=email").json()["total"] == 3
    assert len(seen) == 1  # the same rows: counted once, whatever the page or the order

    create_customer(admin, name="Total 3")
    assert total(admin) == 4
    with ctx.unit_of_work() as session:  # deletes come from replicas (a sync push)
        service.delete(session=session, actor=None, id=made[0]["id"])
    assert total(admin) == 3
    # A filter has its own count, kept apart from the unfiltered one.
    for c in made[1:]:
        assert admin.patch(f"/api/v1/customers/{c['id']}/deactivate").status_code == 200
    assert total(admin, "&active=false") == 2
    assert total(admin, "&active=true") == 1
    assert total(admin) == 3
    assert admin.patch(f"/api/v1/customers/{made[1]['id']}/activate").status_code == 200
    assert total(admin, "&active=false") == 1
    assert total(admin, "&search=total") == 3


def test_a_write_through_another_process_moves_the_total(
    ctx: AppContext, admin: Api, db_url: str, tmp_path: Path
) -> None:
    """Another server process has its own remembered totals; the shared version still tells."""
    for n in range(3):
        create_customer(admin, name=f"Elsewhere {n}")
    assert total(admin) == 3
    other = build_context(make_settings(db_url, tmp_path / "other"), passwords=fast_passwords())
    try:
        with other.unit_of_work() as session:
            made = service.create(session=session, actor=None, data=CustomerCreate(name="Else 3"))
        assert total(admin) == 4
        with other.unit_of_work() as session:
            service.delete(session=session, actor=None, id=made.id)
        assert total(admin) == 3
    finally:
        other.db.dispose()


def test_a_page_that_ends_the_list_needs_no_count(ctx: AppContext, admin: Api) -> None:
    for n in range(3):
        create_customer(admin, name=f"Short {n}")
    with counts(ctx) as seen:
        body = admin.get("/api/v1/customers?limit=20").json()
        assert (body["total"], len(body["items"]), body["has_more"]) == (3, 3, False)
        body = admin.get("/api/v1/customers?limit=2&page=2").json()
        assert (body["total"], len(body["items"]), body["has_more"]) == (3, 1, False)
        assert admin.get("/api/v1/customers?search=nobody").json()["total"] == 0
    assert seen == []
    body = admin.get("/api/v1/customers?limit=2&page=5").json()  # past the end: counted
    assert (body["total"], body["items"]) == (3, [])
