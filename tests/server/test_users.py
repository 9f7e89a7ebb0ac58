"""Users and roles over HTTP."""

from __future__ import annotations

from tests.conftest import ADMIN_EMAIL, Api
from tests.factories import DEFAULT_PASSWORD, register, role_id, user_with_role


def test_list_users_has_the_page_shape(admin: Api) -> None:
    for _ in range(3):
        register(Api(base_url=str(admin.base_url)))
    r = admin.get("/api/v1/users?page=1&limit=2&sort_by=email")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"items", "total", "page", "limit", "has_more"}
    assert (
        body["total"] == 4 and body["page"] == 1 and body["limit"] == 2 and body["has_more"] is True
    )
    assert [u["email"] for u in body["items"]] == sorted(u["email"] for u in body["items"])
    last = admin.get("/api/v1/users?page=2&limit=2").json()
    assert len(last["items"]) == 2 and last["has_more"] is False
    for user in body["items"]:
        assert set(user) == {"id", "email", "name", "active", "roles", "created_at", "updated_at"}


def test_search_and_active_filter(admin: Api) -> None:
    anon = Api(base_url=str(admin.base_url))
    a = register(anon, name="Olena Kovalenko", email="olena@example.com")
    register(anon, name="Peter Smith", email="peter@example.com")
    found = admin.get("/api/v1/users?search=KOVAL").json()
    assert [u["email"] for u in found["items"]] == ["olena@example.com"]
    # LIKE wildcards in the search text are matched literally.
    assert admin.get("/api/v1/users?search=%25").json()["total"] == 0
    admin.patch(f"/api/v1/users/{a['user']['id']}/deactivate")
    inactive = admin.get("/api/v1/users?active=false").json()
    assert [u["email"] for u in inactive["items"]] == ["olena@example.com"]


def test_patch_user_email_and_duplicate(admin: Api) -> None:
    anon = Api(base_url=str(admin.base_url))
    a = register(anon, email="first@example.com")
    register(anon, email="second@example.com")
    uid = a["user"]["id"]
    r = admin.patch(f"/api/v1/users/{uid}", json={"email": "renamed@example.com"})
    assert r.status_code == 200 and r.json()["email"] == "renamed@example.com"
    assert r.json()["name"] == a["user"]["name"]  # absent field unchanged
    r = admin.patch(f"/api/v1/users/{uid}", json={"email": "Second@Example.com"})
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    assert admin.get(f"/api/v1/users/{uid}").json()["email"] == "renamed@example.com"
    r = admin.patch(f"/api/v1/users/{uid}", json={"email": None})
    assert r.status_code == 422 and "email" in r.json()["details"]
    r = admin.patch(f"/api/v1/users/{uid}", json={"password_hash": "x"})
    assert r.status_code == 422 and r.json()["details"]["password_hash"] == "Unknown field"
    # The user signs in with the new email.
    assert (
        anon.post(
            "/api/v1/auth/login",
            json={"email": "renamed@example.com", "password": DEFAULT_PASSWORD},
        ).status_code
        == 200
    )


def test_activate_and_deactivate(admin: Api) -> None:
    a = register(Api(base_url=str(admin.base_url)))
    uid = a["user"]["id"]
    assert admin.patch(f"/api/v1/users/{uid}/activate").status_code == 409
    assert admin.patch(f"/api/v1/users/{uid}/deactivate").json()["active"] is False
    assert admin.patch(f"/api/v1/users/{uid}/deactivate").status_code == 409
    assert admin.patch(f"/api/v1/users/{uid}/activate").json()["active"] is True
    me = admin.get("/api/v1/auth/me").json()
    r = admin.patch(f"/api/v1/users/{me['id']}/deactivate")
    assert r.status_code == 409  # nobody locks themselves out


def test_roles_list_and_grant(admin: Api) -> None:
    roles = admin.get("/api/v1/roles").json()
    assert set(roles) == {"data"}
    by_name = {r["name"]: r for r in roles["data"]}
    assert by_name["super_admin"]["permissions"] == ["*:*"]
    assert {"users:read", "users:write", "roles:read", "roles:manage", "audit:read"} <= set(
        by_name["admin"]["permissions"]
    )
    assert all(p.endswith(":read") for p in by_name["viewer"]["permissions"])
    user, body = user_with_role(admin, None)
    assert user.get("/api/v1/users").status_code == 403
    r = admin.post(
        f"/api/v1/users/{body['user']['id']}/roles", json={"role_id": by_name["viewer"]["id"]}
    )
    assert r.status_code == 200 and r.json()["roles"] == ["viewer"]
    # The grant applies to the user's existing token at once.
    assert user.get("/api/v1/users").status_code == 200
    assert user.get("/api/v1/roles").status_code == 403  # viewer lacks roles:read
    r = admin.post(
        f"/api/v1/users/{body['user']['id']}/roles",
        json={"role_id": "01900000-0000-7000-8000-000000000000"},
    )
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = admin.delete(f"/api/v1/users/{body['user']['id']}/roles/{by_name['viewer']['id']}")
    assert r.status_code == 200 and r.json()["roles"] == []
    assert user.get("/api/v1/users").status_code == 403


def test_no_privilege_escalation(admin: Api) -> None:
    manager, body = user_with_role(admin, "admin")
    super_id = role_id(admin, "super_admin")
    # An admin (roles:manage) cannot hand out super_admin, not even to themselves.
    r = manager.post(f"/api/v1/users/{body['user']['id']}/roles", json={"role_id": super_id})
    assert r.status_code == 403
    # Nor act on the super admin's account.
    root = admin.get("/api/v1/auth/me").json()
    assert manager.patch(f"/api/v1/users/{root['id']}/deactivate").status_code == 403
    assert (
        manager.patch(f"/api/v1/users/{root['id']}", json={"email": "mine@example.com"}).status_code
        == 403
    )
    assert admin.get("/api/v1/auth/me").json()["email"] == ADMIN_EMAIL
    # But can grant viewer to a new user.
    _, other = user_with_role(admin, None)
    r = manager.post(
        f"/api/v1/users/{other['user']['id']}/roles", json={"role_id": role_id(admin, "viewer")}
    )
    assert r.status_code == 200


def test_responses_never_leak_secrets(admin: Api) -> None:
    text = admin.get("/api/v1/users").text + admin.get("/api/v1/audit").text
    assert "argon2" not in text and 'password_hash": "$' not in text
