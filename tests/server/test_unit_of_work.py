"""Every write leaves an audit record and a change-log entry stamped with the commit's version."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.context import AppContext
from server.sync.models import ChangeLog, SyncState
from tests.conftest import Api
from tests.factories import register, role_id

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def _log(ctx: AppContext) -> list[tuple[int, str, str, str]]:
    with ctx.db.session(write=False) as s:
        rows = s.execute(
            sa.select(
                ChangeLog.version, ChangeLog.entity, ChangeLog.entity_id, ChangeLog.op
            ).order_by(ChangeLog.version)
        )
        return [tuple(r) for r in rows]


def _version(ctx: AppContext) -> int:
    with ctx.db.session(write=False) as s:
        return s.scalar(sa.select(SyncState.version))


def test_writes_are_audited_and_logged(ctx: AppContext, admin: Api) -> None:
    before = _version(ctx)
    body = register(Api(base_url=str(admin.base_url)), name="Ann Audit", email="ann@example.com")
    uid = body["user"]["id"]
    admin.patch(f"/api/v1/users/{uid}", json={"name": "Ann Audited"})
    admin.post(f"/api/v1/users/{uid}/roles", json={"role_id": role_id(admin, "viewer")})
    admin.patch(f"/api/v1/users/{uid}/deactivate")

    audit = admin.get(f"/api/v1/audit?entity=user&entity_id={uid}&sort_order=asc").json()["items"]
    assert [a["action"] for a in audit] == ["create", "update", "assign_role", "deactivate"]
    assert audit[0]["actor_id"] == uid  # self-registration
    admin_id = admin.get("/api/v1/auth/me").json()["id"]
    assert {a["actor_id"] for a in audit[1:]} == {admin_id}
    assert audit[0]["changes"]["password_hash"] == [None, "***"]
    assert audit[1]["changes"] == {"name": ["Ann Audit", "Ann Audited"]}
    assert audit[2]["changes"] == {"roles": [[], ["viewer"]]}
    assert audit[3]["changes"] == {"active": [True, False]}

    log = [e for e in _log(ctx) if e[2] == uid]
    versions = [e[0] for e in log]
    assert versions == sorted(versions) and len(set(versions)) == 4
    assert all(v > before for v in versions) and all(e[3] == "upsert" for e in log)
    assert _version(ctx) == versions[-1]
    # The row carries the version of its last change.
    with ctx.db.session(write=False) as s:
        assert (
            s.scalar(sa.text("SELECT version FROM users WHERE id = :id"), {"id": uid})
            == versions[-1]
        )


def test_failed_request_changes_nothing(ctx: AppContext, admin: Api) -> None:
    register(Api(base_url=str(admin.base_url)), email="taken@example.com")
    other = register(Api(base_url=str(admin.base_url)), email="other@example.com")
    version = _version(ctx)
    total_audit = admin.get("/api/v1/audit").json()["total"]
    r = admin.patch(
        f"/api/v1/users/{other['user']['id']}",
        json={"email": "taken@example.com", "name": "Changed"},
    )
    assert r.status_code == 409
    assert _version(ctx) == version
    assert admin.get("/api/v1/audit").json()["total"] == total_audit
    assert admin.get(f"/api/v1/users/{other['user']['id']}").json()["name"] == other["user"]["name"]


def test_reads_and_logins_do_not_bump_the_version(ctx: AppContext, admin: Api) -> None:
    version = _version(ctx)
    admin.get("/api/v1/users")
    admin.get("/api/v1/roles")
    admin.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
    assert _version(ctx) == version


def test_audit_needs_audit_read(admin: Api) -> None:
    from tests.factories import user_with_role

    viewer, _ = user_with_role(admin, "viewer")
    assert viewer.get("/api/v1/audit").status_code == 403
    manager, _ = user_with_role(admin, "admin")
    assert manager.get("/api/v1/audit").status_code == 200
