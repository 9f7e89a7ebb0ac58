"""``/api/v1/api-keys`` and API keys as credentials: shown once, hashed, revocable, within the owner's rights."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from server.context import AppContext
from tests.conftest import Api
from tests.factories import expect_error, role_id, user_with_role
from tests.micro_factories import client_payload, create_client, key_client, make_key


def test_create_shows_the_key_once_and_stores_only_its_hash(admin: Api, ctx: AppContext) -> None:
    created = make_key(admin, ["clients:read"], name="Website form")
    key = created["key"]
    assert key.startswith("mcrm_") and len(key) > 40
    assert created["prefix"] == key[:12]
    assert created["permissions"] == ["clients:read"] and created["last_used_at"] is None

    listed = admin.get("/api/v1/api-keys").json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert "key" not in item and key not in str(listed)
    assert set(item) == {"id", "name", "prefix", "permissions", "created_at", "last_used_at"}
    with ctx.db.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT key_hash FROM api_keys")).scalar_one()
        audit = conn.execute(
            sa.text("SELECT changes FROM audit_log WHERE entity = 'api_key'")
        ).scalar_one()
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(audit) and stored not in str(audit)


def test_a_key_works_on_skeleton_endpoints_with_the_same_rbac(admin: Api) -> None:
    api = key_client(admin, make_key(admin, ["customers:read"])["key"])
    assert api.get("/api/v1/customers").status_code == 200
    expect_error(api.get("/api/v1/users"), 403, "forbidden")
    me = api.get("/api/v1/auth/me").json()
    assert me["email"] == "admin@skeleton.local" and me["permissions"] == ["customers:read"]


def test_last_used_is_recorded_at_most_once_a_minute(admin: Api) -> None:
    created = make_key(admin)
    api = key_client(admin, created["key"])
    api.get("/api/v1/clients")
    first = admin.get("/api/v1/api-keys").json()["items"][0]["last_used_at"]
    assert first is not None
    api.get("/api/v1/clients")
    api.post("/api/v1/clients", json=client_payload())
    assert admin.get("/api/v1/api-keys").json()["items"][0]["last_used_at"] == first


def test_revoked_key_is_401_at_once(admin: Api) -> None:
    created = make_key(admin)
    api = key_client(admin, created["key"])
    assert api.get("/api/v1/clients").status_code == 200
    r = admin.delete(f"/api/v1/api-keys/{created['id']}")
    assert r.status_code == 200
    r = api.get("/api/v1/clients")
    assert r.status_code == 401
    assert r.json() == {"error": "This API key has been revoked"}
    assert admin.get("/api/v1/api-keys").json()["total"] == 0
    expect_error(admin.delete(f"/api/v1/api-keys/{created['id']}"), 404, "not_found")


def test_permissions_must_be_within_the_creators(admin: Api) -> None:
    manager, _ = user_with_role(admin, "admin")
    expect_error(
        manager.post("/api/v1/api-keys", json={"name": "all", "permissions": ["*:*"]}),
        403,
        "forbidden",
    )
    expect_error(
        manager.post("/api/v1/api-keys", json={"name": "x", "permissions": ["clients:*"]}),
        403,
        "forbidden",
    )
    expect_error(
        manager.post("/api/v1/api-keys", json={"name": "x", "permissions": ["nonsense"]}),
        422,
        "validation_error",
    )
    assert make_key(manager, ["clients:write"])["permissions"] == ["clients:write"]
    viewer, _ = user_with_role(admin, "viewer")
    expect_error(
        viewer.post("/api/v1/api-keys", json={"name": "x", "permissions": ["clients:read"]}),
        403,
        "forbidden",
    )


def test_key_acts_for_its_owner_with_the_owners_current_rights(admin: Api) -> None:
    manager, body = user_with_role(admin, "admin")
    user_id = body["user"]["id"]
    api = key_client(admin, make_key(manager, ["clients:read", "clients:write"])["key"])
    client = create_client(api)
    # The audit names the owner as the actor.
    audit = admin.get(
        "/api/v1/audit", params={"entity": "customer", "entity_id": client["id"]}
    ).json()["items"]
    assert [a["actor_id"] for a in audit] == [user_id]

    # The owner loses the role: the key loses what the role gave, at once.
    r = admin.delete(f"/api/v1/users/{user_id}/roles/{role_id(admin, 'admin')}")
    assert r.status_code == 200, r.text
    assert api.post("/api/v1/clients", json=client_payload()).status_code == 403
    assert api.get("/api/v1/clients").status_code == 403

    # A deactivated owner's keys stop working.
    admin.post(f"/api/v1/users/{user_id}/roles", json={"role_id": role_id(admin, "admin")})
    assert api.get("/api/v1/clients").status_code == 200
    assert admin.patch(f"/api/v1/users/{user_id}/deactivate").status_code == 200
    r = api.get("/api/v1/clients")
    assert r.status_code == 401
    assert r.json() == {"error": "The owner of this API key is deactivated"}


def test_only_your_own_keys(admin: Api) -> None:
    manager, _ = user_with_role(admin, "admin")
    mine = make_key(admin)
    assert manager.get("/api/v1/api-keys").json()["total"] == 0
    expect_error(manager.delete(f"/api/v1/api-keys/{mine['id']}"), 404, "not_found")
    expect_error(Api(base_url=str(admin.base_url)).get("/api/v1/api-keys"), 401, "unauthorized")


def test_a_key_cannot_make_keys_so_none_outlives_its_maker(admin: Api) -> None:
    """Keys do not mint keys: revoking a leaked key leaves nothing it made behind."""
    parent = make_key(admin, ["api_keys:manage", "clients:read"])
    api = key_client(admin, parent["key"])
    r = api.post("/api/v1/api-keys", json={"name": "child", "permissions": ["clients:read"]})
    expect_error(r, 403, "forbidden")
    assert admin.get("/api/v1/api-keys").json()["total"] == 1
    # It may still list and revoke its owner's keys (revoking is how a leak is stopped).
    assert api.get("/api/v1/api-keys").status_code == 200


def test_a_new_key_is_not_cacheable(admin: Api) -> None:
    r = admin.post("/api/v1/api-keys", json={"name": "k", "permissions": ["clients:read"]})
    assert r.status_code == 201, r.text
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Pragma"] == "no-cache"
