"""A list endpoint checks its caller before its query string, as every endpoint does.

List pages do their blocking work in one hand-over inside the endpoint
(``deps.Reading``), after FastAPI has read the query string; a caller who may
not read must still get 401/403 for a query FastAPI refuses, not a 422 that
answers for a request it was never allowed to make.
"""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import expect_error, user_with_role
from tests.micro_factories import key_client, make_key

BAD_QUERY = {"limit": "many", "page": "-x"}


def test_a_caller_who_may_not_read_is_refused_before_the_query(shared_admin: Api) -> None:
    base = str(shared_admin.base_url)
    with Api(base_url=base) as anonymous:
        expect_error(anonymous.get("/api/v1/customers", params=BAD_QUERY), 401, "unauthorized")
        anonymous.headers["Authorization"] = "Bearer not.a.token"
        expect_error(anonymous.get("/api/v1/customers", params=BAD_QUERY), 401, "unauthorized")
        anonymous.headers["Authorization"] = "Bearer mcrm_not-a-key"
        r = anonymous.get("/api/v1/clients", params={"limit": "many"})
        assert r.status_code == 401 and set(r.json()) == {"error"}, r.text

    nobody, _ = user_with_role(shared_admin, None)
    expect_error(nobody.get("/api/v1/suppliers", params=BAD_QUERY), 403, "forbidden")
    assert nobody.post("/api/v1/auth/logout").status_code == 200
    expect_error(nobody.get("/api/v1/customers", params=BAD_QUERY), 401, "unauthorized")

    body = expect_error(
        shared_admin.get("/api/v1/customers", params=BAD_QUERY), 422, "validation_error"
    )
    assert {"limit", "page"} <= set(body["details"]), body


def test_a_refused_query_still_counts_against_an_api_key(shared_admin: Api) -> None:
    key = make_key(shared_admin, ["clients:read"])["key"]
    with key_client(shared_admin, key) as integration:
        first = integration.get("/api/v1/clients", params={"limit": "many"})
        second = integration.get("/api/v1/clients", params={"limit": "many"})
    assert first.status_code == second.status_code == 400, first.text
    assert set(first.json()) == {"error"}
    left = [int(r.headers["X-RateLimit-Remaining"]) for r in (first, second)]
    assert left[1] == left[0] - 1, left
