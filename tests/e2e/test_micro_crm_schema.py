"""Schema-driven checks of the Micro CRM document against the real server (schemathesis).

Every operation of ``tests/fixtures/micro-crm-openapi.json`` (a copy of
``shared/spec/micro-crm-openapi.json``) is called with generated requests,
authenticated with an API key, on the server running on loopback. Each
response must not be a server error and must conform to the document: status
code, content type, headers and body schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from tests.conftest import Api
from tests.micro_factories import create_client, key_client, make_key

pytestmark = pytest.mark.engines  # behaviour depends on the database engine

SPEC = Path(__file__).parent.parent / "fixtures" / "micro-crm-openapi.json"
CHECKS = {
    "positive": [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_headers_conformance,
        checks.response_schema_conformance,
    ],
    # Invalid requests: never a server error, and answers in the document's shapes.
    # The status is not compared with each operation's list: the document's rule for
    # invalid parameters is its general "400 - Bad Request", which the list operations
    # omit. Nor is "must be refused": unknown query parameters and body fields are
    # ignored, as the original API did.
    "negative": [
        checks.not_a_server_error,
        checks.content_type_conformance,
        checks.response_headers_conformance,
        checks.response_schema_conformance,
    ],
}
EXAMPLES = 25  # per operation and mode, on each backend


def test_the_fixture_is_the_shared_document() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "spec" / "micro-crm-openapi.json"
    if shared.exists():  # beside the clone in CI and on developer machines
        assert shared.read_text() == SPEC.read_text()


@pytest.mark.parametrize("settings_overrides", [{"api_key_rate_limit": 100_000}])
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_every_operation_conforms(admin: Api, mode: str) -> None:
    key = make_key(admin)["key"]
    api = key_client(admin, key)
    real_clients = [create_client(api)["id"] for _ in range(2)]
    schema = schemathesis.openapi.from_path(str(SPEC))
    schema.config.update(base_url=f"{admin.base_url}/api/v1")
    headers = {"Authorization": f"Bearer {key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "GET /clients",
        "POST /clients",
        "GET /deals",
        "POST /deals",
    }
    calls: dict[str, dict[int, int]] = {}

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=operation.as_strategy(schemathesis.GenerationMode(mode)),
            existing=st.sampled_from([None, *real_clients]),
        )
        def run(case: Any, existing: str | None) -> None:
            # Half of the generated deals name a real client, so 201 is checked too.
            if existing and isinstance(case.body, dict) and "clientId" in case.body:
                case.body["clientId"] = existing
            response = case.call(headers=headers)
            counts = calls.setdefault(case.operation.label, {})
            counts[response.status_code] = counts.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS[mode], headers=headers)

        run()
    print(mode, calls)
    statuses = {code for counts in calls.values() for code in counts}
    if mode == "positive":
        assert {200, 201} <= statuses, calls
    else:
        assert 400 in statuses, calls
