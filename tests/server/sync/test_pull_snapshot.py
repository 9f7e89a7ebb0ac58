"""Snapshot pages read from Core rows (server/sync/snapshot.py) carry exactly what the
entity's serialisation of its ORM object gives: one serialisation for REST, pull and push."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from server.context import AppContext
from server.sync.registry import specs
from tests.conftest import Api
from tests.factories import country, create_customer

pytestmark = pytest.mark.engines


def _party(admin: Api, kind: str, **body: Any) -> None:
    if kind == "employee":
        body["position"] = "Engineer"
    r = admin.post(f"/api/v1/{kind}s", json=body)
    assert r.status_code == 201, r.text


def test_core_snapshot_rows_equal_the_orm_serialisation(ctx: AppContext, admin: Api) -> None:
    ua = country(admin, "UA")
    create_customer(admin)  # a billing address in the US
    create_customer(
        admin,
        notes="Line one\nline two",
        social_media={"twitter": "@acme"},
        company="Acme Holdings",
        addresses=[
            {"type": "shipping", "city": "Lviv", "country": ua["id"]},
            {"type": "billing", "street": "1 Main St", "city": "Kyiv", "country": "UA"},
            {"type": "shipping", "city": "Odesa"},
        ],
    )
    create_customer(admin, addresses=[], phone=None, name="Ünïcödé Søren 🙂")
    address = {"street": "789 Industrial Rd", "city": "Chicago", "country": "US"}
    for kind in ("supplier", "partner", "employee"):
        _party(admin, kind, name=f"A {kind}", email=f"a@{kind}.example", address=address)
        _party(
            admin,
            kind,
            name=f"B {kind}",
            email=f"b@{kind}.example",
            phone="+1-555-0300",
            address={**address, "region": "IL", "postal_code": "60601"},
        )
    checked = []
    for spec in specs():
        if spec.snapshot_load is None:
            continue
        with ctx.unit_of_work() as s:
            core = spec.snapshot_load(s, sa.true(), 10_000)
            orm = list(s.scalars(spec.select().order_by(spec.model.id)))
            assert [r.id for r in core] == [o.id for o in orm]
            assert [r.version for r in core] == [o.version for o in orm]
            assert [spec.serialize(r) for r in core] == [spec.serialize(o) for o in orm]
            assert orm, spec.entity
            # A page ends where the limit says, in id order, after the filter's id.
            after = orm[0].id
            page = spec.snapshot_load(s, spec.model.id > after, 2)
            assert [r.id for r in page] == [o.id for o in orm[1:3]]
        checked.append(spec.entity)
    assert {"customer", "supplier", "partner", "employee"} <= set(checked)


def test_a_snapshot_page_over_http_carries_the_orm_serialisation(
    ctx: AppContext, admin: Api
) -> None:
    create_customer(admin, addresses=[{"type": "billing", "city": "Kyiv", "country": "UA"}])
    rows: dict[tuple[str, str], Any] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 7}
        if cursor:
            params["cursor"] = cursor
        page = admin.get("/api/v1/sync/pull", params=params).json()
        for c in page["changes"]:
            rows[(c["entity"], c["id"])] = c["data"]
        cursor = page["cursor"]
        if page["phase"] != "snapshot" or not page["has_more"]:
            break
    for spec in specs():
        with ctx.unit_of_work() as s:
            for obj in s.scalars(spec.select()):
                if (spec.entity, obj.id) in rows:
                    assert rows[(spec.entity, obj.id)] == spec.serialize(obj)
    assert any(entity == "customer" for entity, _ in rows)
