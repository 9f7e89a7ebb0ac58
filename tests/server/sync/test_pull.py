"""Pull over HTTP: snapshot then incremental, whole versions per page, permissions, reset."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import sqlalchemy as sa

from server.context import AppContext
from server.sync.cursor import Cursor, CursorCodec, MalformedCursor
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


def _payload(cursor: str) -> list:
    text = cursor.partition(".")[0]
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _unsigned(fields: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


def _refused(r: httpx.Response) -> dict:
    assert r.status_code in (400, 410), r.text
    body = r.json()
    assert body["error"] == ("bad_request" if r.status_code == 400 else "reset_required")
    assert body["message"]
    return body


def test_bad_cursors(admin: Api) -> None:
    r = admin.get("/api/v1/sync/pull", params={"cursor": "garbage!"})
    assert r.status_code == 400 and r.json()["error"] == "bad_request"
    r = admin.get("/api/v1/sync/pull", params={"limit": 0})
    assert r.status_code == 422
    r = admin.get("/api/v1/sync/pull", headers={"X-CRM-Sync-Protocol": "99"})
    assert r.status_code == 426 and r.json()["error"] == "upgrade_required"
    assert Api(base_url=str(admin.base_url)).get("/api/v1/sync/pull").status_code == 401


def test_a_cursor_of_another_epoch_requires_a_reset(ctx: AppContext, admin: Api) -> None:
    _, cursor, _ = pull_all(admin)
    fields = _payload(cursor)
    other = ctx.cursors.encode(Cursor("other", fields[1], "i", 0))
    r = admin.get("/api/v1/sync/pull", params={"cursor": other})
    assert r.status_code == 410 and r.json()["error"] == "reset_required"


@pytest.mark.parametrize("version", [True, False, 2**64, 10**30, -1, 1.5, "1", None, [1]], ids=repr)
def test_forged_cursors_never_reach_the_database(admin: Api, version: object) -> None:
    _, cursor, _ = pull_all(admin)
    fields = _payload(cursor)
    fields[3] = version
    for mode in ("i", "s"):
        fields[2] = mode
        _refused(admin.get("/api/v1/sync/pull", params={"cursor": _unsigned(fields)}))
    # Other fields forged the same way.
    for index, value in ((4, 2**70), (4, True), (5, 12), (0, None), (2, "x")):
        forged = _payload(cursor)
        forged[index] = value
        _refused(admin.get("/api/v1/sync/pull", params={"cursor": _unsigned(forged)}))
    # The server still serves the real cursor.
    assert admin.get("/api/v1/sync/pull", params={"cursor": cursor}).status_code == 200


def test_cursors_are_signed_with_the_server_secret(ctx: AppContext, admin: Api) -> None:
    _, cursor, _ = pull_all(admin)
    payload, _, mac = cursor.partition(".")
    assert mac, "a cursor carries its signature"
    # Altered payload, altered signature, another server's key, the unsigned form of before:
    # none of them can be vouched for, so the replica starts over.
    altered = _unsigned([*_payload(cursor)[:3], 0, 0, ""])
    foreign = CursorCodec("another-secret-" + "y" * 40).encode(Cursor(*_payload(cursor)))
    flipped = payload + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    for bad in (f"{altered}.{mac}", flipped, foreign, payload):
        r = admin.get("/api/v1/sync/pull", params={"cursor": bad})
        assert r.status_code == 410 and r.json()["error"] == "reset_required", bad


def test_a_signed_cursor_is_still_read_strictly() -> None:
    codec = CursorCodec("s" * 40)
    good = Cursor("epoch", "fp", "i", 5)
    assert codec.decode(codec.encode(good)) == good
    for fields in (
        ["epoch", "fp", "i", True, 0, ""],
        ["epoch", "fp", "i", 2**63, 0, ""],
        ["epoch", "fp", "i", 5, -1, ""],
        ["epoch", "fp", "x", 5, 0, ""],
        ["epoch", "fp", "i", 5, 0, "a" * 1000],
        ["epoch", "fp", "i", 5, 0],
        {"epoch": "x"},
    ):
        payload = _unsigned(fields)  # type: ignore[arg-type]
        with pytest.raises(MalformedCursor):
            codec.decode(f"{payload}.{codec._mac(payload)}")


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
