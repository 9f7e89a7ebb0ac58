"""Checks generated from the module registry (``server.modules.MODULES``): every module gets them.

For each module with REST routes: create/read/list over HTTP in its spec
shape, partial-update semantics (absent / value / null, required fields
refused), error bodies (422 or Micro CRM's 400, 404), permissions (401
anonymous, 403 without a role, a viewer reads but does not write) and a sync
round trip (pull sees the record; a pushed create and update apply). The
records come from ``examples.EXAMPLES``. They share one server per worker
(``shared_admin``): each test adds records of its own and counts nothing else.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from common.ids import new_id
from common.kit import example
from server.kit import Resource
from server.modules import MODULES
from tests.conftest import Api
from tests.factories import user_with_role
from tests.server.kit.examples import EXAMPLES, Body, Example
from tests.server.sync.test_pull import pull_all
from tests.server.sync.test_push import Replica

REST = [r for r in MODULES if r.rest is not None]
UPDATABLE = [r for r in REST if r.rest.update is not None]
SYNCED = [r for r in MODULES if r.sync is not None and r.rest.create]


def _ids(resources: list[Resource[Any]]) -> list[str]:
    return [r.entity for r in resources]


def _micro(resource: Resource[Any]) -> bool:
    return resource.rest.kind == "micro_crm"


def _one(resource: Resource[Any], r: httpx.Response, status: int = 200) -> Body:
    assert r.status_code == status, r.text
    body: Body = r.json()
    return body["data"] if _micro(resource) else body


def _error(resource: Resource[Any], r: httpx.Response, status: int, code: str) -> Body:
    """The documented error body: Skeleton's {error, message, details?} or Micro CRM's {error}."""
    body: Body = r.json()
    if _micro(resource):
        assert r.status_code == (400 if status == 422 else status), r.text
        assert isinstance(body["error"], str) and body["error"], body
        return body
    assert r.status_code == status, r.text
    assert body["error"] == code and body["message"], body
    return body


def _create(resource: Resource[Any], api: Api) -> Body:
    """A new record: created through the module's route, or made as its example says."""
    ex = EXAMPLES[resource.entity]
    if not resource.rest.create:
        assert ex.make is not None, f"{resource.entity} has no create route: its example makes one"
        return ex.make(api)
    r = api.post(resource.path, json=ex.create(api))
    if resource.rest.kind == "cursor":  # the create answers {data: {id}}; read the object
        assert r.status_code == 201 and set(r.json()) == {"data"}, r.text
        return _one(resource, api.get(f"{resource.path}/{r.json()['data']['id']}"))
    return _one(resource, r, 201)


def _update(resource: Resource[Any], api: Api, rid: str, body: Body) -> httpx.Response:
    return api.request(resource.rest.update or "PUT", f"{resource.path}/{rid}", json=body)


def _same_but(a: Body, b: Body, *changed: str) -> None:
    skip = {"updated_at", "updatedAt", *changed}
    assert {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip
    }


def test_every_module_has_an_example() -> None:
    assert set(EXAMPLES) == {r.entity for r in MODULES}


@pytest.mark.parametrize("resource", REST, ids=_ids(REST))
def test_create_read_list(shared_admin: Api, resource: Resource[Any]) -> None:
    ex = EXAMPLES[resource.entity]
    created = _create(resource, shared_admin)
    assert _one(resource, shared_admin.get(f"{resource.path}/{created['id']}")) == created
    r = shared_admin.get(resource.path, params=ex.find(created))
    assert r.status_code == 200, r.text
    page = r.json()
    if _micro(resource):
        items, total = page["data"], page["pagination"]["total"]
        assert set(page["pagination"]) == {"total", "limit", "offset", "hasMore"}
    elif resource.rest.kind == "cursor":
        assert set(page["data"]) == {"items", "next_cursor", "has_more", "limit"}
        items, total = page["data"]["items"], len(page["data"]["items"])
        assert page["data"]["next_cursor"] is None and page["data"]["has_more"] is False
    else:
        items, total = page["items"], page["total"]
        assert set(page) == {"items", "total", "page", "limit", "has_more"}
    assert [i["id"] for i in items] == [created["id"]] and total == 1


@pytest.mark.parametrize("resource", UPDATABLE, ids=_ids(UPDATABLE))
def test_partial_update(shared_admin: Api, resource: Resource[Any]) -> None:
    ex: Example = EXAMPLES[resource.entity]
    created = _create(resource, shared_admin)
    rid = created["id"]
    # Absent: nothing changes.
    _same_but(_one(resource, _update(resource, shared_admin, rid, {})), created)
    # A value: that field only.
    name, sent, read = ex.set
    after = _one(resource, _update(resource, shared_admin, rid, {name: sent}))
    assert after[name] == read
    _same_but(after, created, name, *ex.unchanged_by_set)
    # null: cleared, the rest kept.
    cleared = _one(resource, _update(resource, shared_admin, rid, {ex.clearable: None}))
    assert cleared[ex.clearable] is None
    _same_but(cleared, after, ex.clearable, *ex.unchanged_by_set)
    # A required field cannot be cleared; a bad value is refused; neither changes anything.
    if ex.required is not None:
        required = ex.required
        body = _error(
            resource,
            _update(resource, shared_admin, rid, {required: None}),
            422,
            "validation_error",
        )
        if not _micro(resource):
            assert required in body["details"]
    field, bad = ex.invalid
    body = _error(
        resource, _update(resource, shared_admin, rid, {field: bad}), 422, "validation_error"
    )
    if not _micro(resource):
        assert field in body["details"]
    assert _one(resource, shared_admin.get(f"{resource.path}/{rid}")) == cleared


@pytest.mark.parametrize("resource", REST, ids=_ids(REST))
def test_error_bodies(shared_admin: Api, resource: Resource[Any]) -> None:
    missing = new_id()
    if not resource.rest.create:
        pass  # the server makes its records
    elif not _micro(resource):
        body = _error(resource, shared_admin.post(resource.path, json={}), 422, "validation_error")
        assert body["details"]
    else:
        _error(resource, shared_admin.post(resource.path, json={}), 422, "validation_error")
    if resource.rest.get:
        _error(resource, shared_admin.get(f"{resource.path}/{missing}"), 404, "not_found")
    if resource.rest.update:
        _error(resource, _update(resource, shared_admin, missing, {}), 404, "not_found")
    for command in resource.commands:
        if command.http:
            r = shared_admin.request(
                command.http, f"{resource.path}/{missing}/{command.name}", json=_args(command)
            )
            _error(resource, r, 404, "not_found")


def _args(command: Any) -> Body | None:
    """A valid body for a command whose arguments have required fields (their example)."""
    if any(f.is_required() for f in command.args.model_fields.values()):
        return example(command.args)
    return None


def _routes(resource: Resource[Any], rid: str, api: Api) -> list[tuple[str, str, Body | None]]:
    """Every route of the module: (method, path, body); reads first."""
    routes: list[tuple[str, str, Body | None]] = [("GET", resource.path, None)]
    if resource.rest.get:
        routes.append(("GET", f"{resource.path}/{rid}", None))
    if resource.rest.create:
        routes.append(("POST", resource.path, EXAMPLES[resource.entity].create(api)))
    if resource.rest.update:
        routes.append((resource.rest.update, f"{resource.path}/{rid}", {}))
    routes.extend(
        (c.http, f"{resource.path}/{rid}/{c.name}", None) for c in resource.commands if c.http
    )
    return routes


@pytest.mark.parametrize("resource", REST, ids=_ids(REST))
def test_permissions(shared_admin: Api, resource: Resource[Any]) -> None:
    rid = _create(resource, shared_admin)["id"]
    viewer, _ = user_with_role(shared_admin, "viewer")  # the read permission of every module
    nobody, _ = user_with_role(shared_admin, None)
    anonymous = Api(base_url=str(shared_admin.base_url), timeout=30)
    for method, path, body in _routes(resource, rid, shared_admin):
        _error(resource, anonymous.request(method, path, json=body), 401, "unauthorized")
        _error(resource, nobody.request(method, path, json=body), 403, "forbidden")
        r = viewer.request(method, path, json=body)
        if method == "GET":
            assert r.status_code == 200, (path, r.text)
        else:
            _error(resource, r, 403, "forbidden")


@pytest.mark.parametrize("resource", SYNCED, ids=_ids(SYNCED))
def test_sync_round_trip(shared_admin: Api, resource: Resource[Any]) -> None:
    ex = EXAMPLES[resource.entity]
    made = _create(resource, shared_admin)
    changes, cursor, _ = pull_all(shared_admin)
    rows = {c["id"]: c["data"] for c in changes if c["entity"] == resource.entity}
    assert rows[made["id"]]["id"] == made["id"] and rows[made["id"]]["version"] > 0

    rep = Replica(shared_admin)
    rid = new_id()
    data = (ex.sync_data or ex.create)(shared_admin)
    res = rep.push(rep.mutation(entity=resource.entity, op="create", id=rid, data=data))
    assert res["results"][0]["status"] == "applied", res
    name, sent, read = ex.set
    res = rep.push(
        rep.mutation(entity=resource.entity, op="update", id=rid, changes={name: sent}, base={})
    )
    if ex.immutable:  # posted once and for all: an edit is refused with the reason
        assert res["results"][0]["status"] == "rejected", res
        assert res["results"][0]["error"]["error"] == "conflict", res
        got = _one(resource, shared_admin.get(f"{resource.path}/{rid}"))
        assert got[name] != read
        return
    assert res["results"][0]["status"] == "applied", res
    got = _one(resource, shared_admin.get(f"{resource.path}/{rid}"))
    assert got[name] == read
    changes, _, _ = pull_all(shared_admin, cursor)
    pulled = {c["id"]: c for c in changes if c["entity"] == resource.entity}
    assert pulled[rid]["op"] == "upsert" and pulled[rid]["data"][name] == read
    # Refused input is a rejection with the REST error body, not a failed batch.
    res = rep.push(
        rep.mutation(entity=resource.entity, op="update", id=rid, changes={ex.required: None})
    )
    assert res["results"][0]["status"] == "rejected"
    assert res["results"][0]["error"]["error"] == "validation_error"
