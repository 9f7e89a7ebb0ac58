"""Customers need customers:read to read and customers:write to change anything."""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import create_customer, customer_payload, expect_error, user_with_role


def test_viewer_reads_but_cannot_write(admin: Api) -> None:
    c = create_customer(admin)
    viewer, _ = user_with_role(admin, "viewer")
    assert viewer.get("/api/v1/customers").status_code == 200
    assert viewer.get(f"/api/v1/customers/{c['id']}").status_code == 200
    expect_error(viewer.post("/api/v1/customers", json=customer_payload()), 403, "forbidden")
    expect_error(
        viewer.put(f"/api/v1/customers/{c['id']}", json={"name": "Hacked"}), 403, "forbidden"
    )
    expect_error(viewer.patch(f"/api/v1/customers/{c['id']}/deactivate"), 403, "forbidden")
    assert admin.get(f"/api/v1/customers/{c['id']}").json()["name"] == c["name"]


def test_admin_role_can_write(admin: Api) -> None:
    manager, _ = user_with_role(admin, "admin")
    r = manager.post("/api/v1/customers", json=customer_payload())
    assert r.status_code == 201, r.text


def test_no_role_cannot_even_list(admin: Api) -> None:
    nobody, _ = user_with_role(admin, None)
    expect_error(nobody.get("/api/v1/customers"), 403, "forbidden")
    c = create_customer(admin)
    expect_error(nobody.get(f"/api/v1/customers/{c['id']}"), 403, "forbidden")


def test_anonymous_is_401(admin: Api) -> None:
    r = admin.get("/api/v1/customers", headers={"Authorization": ""})
    expect_error(r, 401, "unauthorized")
