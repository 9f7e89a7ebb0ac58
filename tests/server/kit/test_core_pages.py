"""List pages read from Core rows (``Resource.core``) read exactly as the ORM pages did:
the same rows, order, total and REST read, for every sort, a filter and a search."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from server.context import AppContext
from server.kit.lists import list_page
from server.modules import MODULES
from tests.conftest import Api
from tests.factories import country, create_customer

pytestmark = pytest.mark.engines


def _people(admin: Api) -> None:
    ua = country(admin, "UA")
    create_customer(admin, name="Bravo")
    create_customer(
        admin,
        name="Alpha",
        notes="Line one\nline two",
        social_media={"twitter": "@acme"},
        addresses=[
            {"type": "shipping", "city": "Lviv", "country": ua["id"]},
            {"type": "billing", "street": "1 Main St", "city": "Kyiv", "country": "UA"},
            {"type": "shipping", "city": "Odesa"},
        ],
    )
    create_customer(admin, name="Charlie", addresses=[], phone=None)
    for kind in ("supplier", "partner", "employee"):
        for n, name in enumerate(("Zed", "Amber", "Mid")):
            body: dict[str, Any] = {
                "name": f"{name} {kind}",
                "email": f"{n}@{kind}.example",
                "address": {"street": "789 Industrial Rd", "city": "Chicago", "country": "US"}
                | ({"region": "IL", "postal_code": "60601"} if n else {}),
            }
            if kind == "employee":
                body["position"] = "Engineer"
            r = admin.post(f"/api/v1/{kind}s", json=body)
            assert r.status_code == 201, r.text


def test_core_list_pages_read_as_the_orm_pages(ctx: AppContext, admin: Api) -> None:
    _people(admin)
    checked = []
    for resource in MODULES:
        if resource.core is None:
            continue
        orm = dataclasses.replace(resource, core=None)
        spec = resource.listing
        queries: list[dict[str, Any]] = [
            {"sort_by": name, "sort_order": order, "limit": 2, "page": page}
            for name in spec.sorts
            for order in ("asc", "desc")
            for page in (1, 2)
        ]
        queries += [{"search": "a", "limit": 2}, {"search": "zzz-nothing"}]
        queries += [{name: True} for name in spec.filters if name == "active"]
        for raw in queries:
            if "sort_by" in raw and "sort_by" not in spec.query.model_fields:
                continue
            q = spec.query.model_validate(raw)
            with ctx.unit_of_work() as s:
                core_page = list_page(s, resource, q)
                orm_page = list_page(s, orm, q)
            assert core_page.total == orm_page.total, (resource.entity, raw)
            assert [resource.read(r) for r in core_page.items] == [
                resource.read(o) for o in orm_page.items
            ], (resource.entity, raw)
            assert core_page.items or raw.get("search") == "zzz-nothing", (resource.entity, raw)
        checked.append(resource.entity)
    assert {"customer", "supplier", "partner", "employee"} <= set(checked)
