"""The REST shapes no module uses yet (``DATA_LIST``, ``CURSOR``) answer as the spec shows.

The suppliers' declaration, re-mounted under other paths with those shapes,
stands in for the roles/countries lists and for contracts until they move
onto the kit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from common.api import CursorQuery
from server import suppliers
from server.kit import CURSOR, DATA_LIST, ListSpec
from server.kit.rest import router
from server.suppliers.models import Supplier
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, start_server
from tests.server.kit.examples import EXAMPLES


@pytest.fixture
def shaped(app: FastAPI) -> Iterator[Api]:
    base = suppliers.RESOURCE
    app.include_router(router(dataclasses.replace(base, path="/api/v1/t-data", rest=DATA_LIST)))
    cursor_list = ListSpec(query=CursorQuery, sorts={"id": Supplier.id}, default_sort="id")
    app.include_router(
        router(dataclasses.replace(base, path="/api/v1/t-cursor", rest=CURSOR, listing=cursor_list))
    )
    live = start_server(app)
    with Api(base_url=live.url, timeout=30) as client:
        client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client
    live.stop()


def test_data_list_and_cursor_shapes(shaped: Api) -> None:
    # 21: one more than a page/limit list would give without asking.
    made = [EXAMPLES["supplier"].create(shaped) for _ in range(21)]
    # Cursor: create answers {data: {id}}; the list pages by id, which is creation order.
    ids = []
    for body in made:
        r = shaped.post("/api/v1/t-cursor", json=body)
        assert r.status_code == 201, r.text
        assert set(r.json()) == {"data"} and set(r.json()["data"]) == {"id"}
        ids.append(r.json()["data"]["id"])
    seen: list[str] = []
    cursor: str | None = None
    while True:
        r = shaped.get(
            "/api/v1/t-cursor", params={"limit": 8} | ({"cursor": cursor} if cursor else {})
        )
        assert r.status_code == 200, r.text
        page = r.json()["data"]
        assert set(page) == {"items", "next_cursor", "has_more", "limit"} and page["limit"] == 8
        seen.extend(i["id"] for i in page["items"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert seen == sorted(ids)
    # Data list: every row, unpaginated, in one {data: [...]}.
    r = shaped.get("/api/v1/t-data")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"data"} and len(r.json()["data"]) == 21
    assert shaped.post("/api/v1/t-data", json=made[0]).status_code == 405
