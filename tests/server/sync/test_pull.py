"""Pull over HTTP: snapshot then incremental, whole versions per page, permissions, reset."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.context import AppContext
from tests.conftest import Api
from tests.factories import register, role_id, user_with_role

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def pull_all(
    client: Api, cursor: str | None = None, limit: int = 500
) -> tuple[list[dict], str, list[dict]]:
    """Pull until has_more is false; return (changes, cursor, pages)."""
    changes: list[dict] = []
    pages: list[dict] = []
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        r = client.get("/api/v1/sync/pull", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        pages.append(page)
        changes.extend(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor, pages


def test_snapshot_then_incremental(admin: Api) -> None:
    anon = Api(base_url=str(admin.base_url))
    for _ in range(5):
        register(anon)
    changes, cursor, pages = pull_all(admin, limit=3)
    assert pages[0]["reset"] is True and all(p["reset"] is False for p in pages[1:])
    assert {p["phase"] for p in pages} == {"snapshot"}
    users = {c["id"]: c for c in changes if c["entity"] == "user"}
    roles = {c["data"]["name"] for c in changes if c["entity"] == "role"}
    assert len(users) == 6 and roles == {"super_admin", "admin", "viewer"}
    assert all("password_hash" not in c["data"] for c in changes)

    # Nothing new: an empty incremental page.
    r = admin.get("/api/v1/sync/pull", params={"cursor": cursor}).json()
    assert r["changes"] == [] and r["has_more"] is False and r["phase"] == "incremental"

    uid = next(iter(users))
    admin.patch(f"/api/v1/users/{uid}", json={"name": "Renamed"})
    fresh = register(anon)
    new_changes, _, _ = pull_all(admin, cursor)
    assert {(c["entity"], c["id"]) for c in new_changes} == {
        ("user", uid),
        ("user", fresh["user"]["id"]),
    }
    renamed = next(c for c in new_changes if c["id"] == uid)
    assert renamed["data"]["name"] == "Renamed" and renamed["version"] > users[uid]["version"]


def test_a_version_is_never_split_across_pages(ctx: AppContext, admin: Api) -> None:
    _, cursor, _ = pull_all(admin)
    # One transaction that changes 7 records: one version.
    from server.users.models import User

    with ctx.unit_of_work() as s:
        for u in s.scalars(sa.select(User)).all():
            u.name = u.name + " x"
        for i in range(6):
            s.add(User(email=f"bulk{i}@example.com", name=f"Bulk {i}", password_hash="x"))
    r = admin.get("/api/v1/sync/pull", params={"cursor": cursor, "limit": 2}).json()
    assert len(r["changes"]) == 7 and len({c["version"] for c in r["changes"]}) == 1
    assert r["has_more"] is False


def test_only_readable_entities_are_pulled(admin: Api) -> None:
    nobody, body = user_with_role(admin, None)
    changes, cursor, _ = pull_all(nobody)
    assert [(c["entity"], c["id"]) for c in changes] == [("user", body["user"]["id"])]
    # Someone else's change never reaches them.
    register(Api(base_url=str(admin.base_url)))
    assert nobody.get("/api/v1/sync/pull", params={"cursor": cursor}).json()["changes"] == []


def test_a_permission_change_requires_a_reset(admin: Api) -> None:
    user, body = user_with_role(admin, None)
    _, cursor, _ = pull_all(user)
    admin.post(
        f"/api/v1/users/{body['user']['id']}/roles", json={"role_id": role_id(admin, "viewer")}
    )
    r = user.get("/api/v1/sync/pull", params={"cursor": cursor})
    assert r.status_code == 410 and r.json()["error"] == "reset_required"
    changes, _, pages = pull_all(user)
    assert pages[0]["reset"] is True
    assert len([c for c in changes if c["entity"] == "user"]) == 2  # granted data arrives


def test_bad_cursors(admin: Api) -> None:
    r = admin.get("/api/v1/sync/pull", params={"cursor": "garbage!"})
    assert r.status_code == 400 and r.json()["error"] == "bad_request"
    import base64
    import json

    other_epoch = (
        base64.urlsafe_b64encode(json.dumps(["other", "x", "i", 0, 0, ""]).encode())
        .decode()
        .rstrip("=")
    )
    r = admin.get("/api/v1/sync/pull", params={"cursor": other_epoch})
    assert r.status_code == 410 and r.json()["error"] == "reset_required"
    r = admin.get("/api/v1/sync/pull", params={"limit": 0})
    assert r.status_code == 422
    r = admin.get("/api/v1/sync/pull", headers={"X-CRM-Sync-Protocol": "99"})
    assert r.status_code == 426 and r.json()["error"] == "upgrade_required"
    assert Api(base_url=str(admin.base_url)).get("/api/v1/sync/pull").status_code == 401


def test_compacted_log_forces_old_replicas_to_reset(ctx: AppContext, admin: Api) -> None:
    from datetime import timedelta

    from server.db import utcnow
    from server.sync.service import compact

    _, old_cursor, _ = pull_all(admin)
    register(Api(base_url=str(admin.base_url)))
    _, recent_cursor, _ = pull_all(admin, old_cursor)
    with ctx.unit_of_work() as s:
        compact(session=s, older_than=utcnow() + timedelta(seconds=1))
    r = admin.get("/api/v1/sync/pull", params={"cursor": old_cursor})
    assert r.status_code == 410 and r.json()["error"] == "reset_required"
    # A replica that was up to date keeps going.
    assert admin.get("/api/v1/sync/pull", params={"cursor": recent_cursor}).status_code == 200
