"""The server's own OpenAPI document states what the server enforces (schemathesis).

Every operation of ``/swagger/doc.json`` is called on the live server with
requests generated from the document itself, as a schema-driven client would:

- positive: a request the document calls valid is never refused as invalid
  (no 422, no 400) and never gets a 5xx; the answer matches the document;
- negative: a request the document calls invalid is refused with a 4xx and
  the error body.

Path parameters name real records half of the time, so bodies reach the
services' own rules and not only the 404 of an unknown id. The few rules JSON
Schema cannot state are listed in UNSTATED with the reason; a refusal that
gives any other reason fails the test.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import phonenumbers
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.core.parameters import ParameterLocation

from server.modules import MODULES
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api
from tests.factories import country, create_customer, register, role_id
from tests.micro_factories import create_client, create_deal, make_key
from tests.server.kit.examples import EXAMPLES as MODULE_EXAMPLES

EXAMPLES = (
    8  # per operation and mode: the document has 135 operations (inventory, contracts, files)
)

# What the document's own "phone" format means (common.rules.PHONE): an international
# number possible in its country's plan, in the forms people type; or empty for none.
_NUMBERS = [phonenumbers.example_number(r) for r in sorted(phonenumbers.SUPPORTED_REGIONS)]
_FORMS = [phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL]
PHONES = st.one_of(
    st.just(""),
    st.builds(
        phonenumbers.format_number,
        st.sampled_from([n for n in _NUMBERS if n]),
        st.sampled_from(_FORMS),
    ),
)
schemathesis.openapi.format("phone", PHONES)

# Refusals for rules no JSON Schema can state (each said in the field's description):
# (field in the error details, start of the message) -> why the schema cannot say it.
# Micro CRM errors name no field: their key is "".
UNSTATED = {
    (
        r"addresses\.\d+|address|shipping_address",
        "state and region are the same field",
    ): "equality of two fields",
    (r"shipping_address\.country", "Unknown country"): "a reference to a record",
    (r"shipping_address\.country", "Country "): "that record's state (inactive)",
    (r"body", "from_date must not be after to_date"): "the order of two fields",
    (r"addresses\.\d+\.country|address\.country", "Unknown country"): "a reference to a record",
    (r"addresses\.\d+\.country|address\.country", "Country "): "that record's state (inactive)",
    (r"cursor", "Not a cursor this server issued"): "an opaque token only the server makes",
    # JSON Schema's "integer" includes 100.0; money and probabilities must be JSON integers
    # (a float literal above 2**53 would lose cents silently before any check could see it).
    (
        r"credit_limit|value|probability|amount|unit_price|quantity|capacity|low_stock_threshold"
        r"|(lines\.\d+\.)?(quantity|unit_price)",
        "Input should be a valid integer",
    ): "100 vs 100.0",
    # The generator bounds with a float: 2**63 - 1 as a float is 2**63, past the stated maximum.
    (
        r"credit_limit",
        "Input should be less than or equal to 9223372036854775807",
    ): "2**63 - 1 vs 2.0**63",
    # Sales documents (catalog, orders, invoices): references, and rules between fields.
    (
        r"customer_id|category_id|parent_id|(lines\.\d+\.)?item_id",
        "No such",
    ): "a reference to a record",
    (r"(lines\.\d+\.)?item_id", "The item "): "that record's state (discontinued)",
    (r"(lines\.\d+\.)?id", "This id belongs to another line"): "a reference to a record",
    (r"lines\.\d+\.id", "Two lines have this id"): "uniqueness within a list of objects",
    (r"(lines\.\d+\.)?currency", "Every line must be in"): "equality of two fields",
    (r"(lines\.\d+\.)?unit_price", "The item's price is in"): "that record's currency",
    (r"lines\.\d+|body", "A line needs"): "one of two fields (description or item)",
    (r"currency", "The invoice is in"): "that record's currency",
    (r"amount", "More than the balance due"): "that record's balance",
    (r"parent_id", "A category cannot be inside itself"): "the category tree",
    (r"parent_id", "Categories nest at most"): "the category tree",
    (r"", "Probability must be an integer between 0 and 100"): "100 vs 100.0 (Micro CRM)",
    # The ledger (common.ledger.check_entry): references to accounts, their state, and
    # the debits and credits of several lines that must agree.
    (r"lines\.\d+\.account_id|account_id", "No account with this id or code"): "a reference",
    (r"lines\.\d+\.account_id", "Account "): "that record's state (inactive, currency)",
    (r"parent_id", "No such account"): "a reference to a record",
    (r"parent_id", "The parent is an"): "that record's type must agree",
    (r"account_id", "The "): "that record's type must agree (posting accounts)",
    (r"lines", "A transaction needs at least two lines"): "a count of lines with an amount",
    (r"lines", "Debits ("): "sums over several lines that must agree",
    (r"lines\.\d+", "A line is either a debit or a credit"): "two fields that must agree",
    (r"lines\.\d+\.(debit|credit)", "Input should be a valid integer"): "100 vs 100.0",
    # Inventory: references to warehouses and items, and a transfer's two ends.
    (r"item_id|from_warehouse_id|to_warehouse_id|warehouse_id", "No such"): "a reference",
    (r"to_warehouse_id", "Must be another warehouse"): "two fields that must differ",
    # Contracts: the party is a record of one of four kinds; rules between two fields and
    # against the contract as it stands (common.contracts).
    (
        r"credit_days|estimated_days|shipping_cost|renewal_period_days|max_renewals",
        "Input should be a valid integer",
    ): "100 vs 100.0",
    (r"shipping_cost", "Input should be less than or equal to 9223372036854775807"): "2**63 - 1",
    (r"party_id", "No such customer, supplier"): "a reference to a record",
    (r"end_date", "The end date must not be before"): "the order of two fields",
    (r"credit_days", "Credit payment terms need"): "two fields that must agree",
    (r"new_end_date", "Must be later than the current end date"): "that record's end date",
    (r"max_renewals", "The contract was renewed"): "that record's renewal count",
    # Files: the record a file belongs to, and the content's type against its name.
    (r"entity|entity_id", "Give both entity and entity_id"): "two fields that go together",
    (r"entity_id", "No "): "a reference to a record",
    (r"file", "The content is "): "the bytes' type (libmagic) against the name's",
    # Notification preferences: a name in the time zone database; two fields set together.
    (r"time_zone", "An IANA time zone"): "a name in the installed time zone database",
    (r"body", "Send quiet_hours_"): "two fields that go together",
    (r"body", "Both quiet hours are times"): "two fields that go together",
}


def unstated(body: dict[str, Any], sent: Any) -> bool:
    """Whether every reason a refusal gives is one of UNSTATED."""
    reasons = body.get("details") or ({"": body["error"]} if "message" not in body else {})
    for field, text in reasons.items():
        if not any(re.fullmatch(k, field) and text.startswith(m) for k, m in UNSTATED):
            return False
        if "integer" in text and not _has_whole_float(sent):
            return False  # only a float such as 100.0 excuses an integer refusal
    return bool(reasons)


def _has_whole_float(value: Any) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_has_whole_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_whole_float(v) for v in value)
    return False


MICRO_CRM = ("/api/v1/clients", "/api/v1/deals")
# The live-poke stream never ends by itself; its refusals are tested in tests/server/sync.
SKIP = {"GET /api/v1/sync/events"}
POSITIVE_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def _real_ids(admin: Api) -> dict[str, list[str]]:
    """Ids of real records for each path parameter name (a kit module's ``id``: its path)."""
    other = register(admin)["user"]["id"]
    key = make_key(admin)
    client = create_client(admin)
    deal = create_deal(admin, client["id"])
    ids = {
        "user_id": [other],
        "role_id": [role_id(admin, "viewer")],
        "country_id": [country(admin, "UA")["id"]],
        "customer_id": [create_customer(admin)["id"], client["id"]],
        "key_id": [key["id"]],
        "deal_id": [deal["id"]],
        "clientId": [client["id"]],
    }
    for module in MODULES:
        example = MODULE_EXAMPLES[module.entity]
        if example.make is not None:  # the server makes its records (stock, movements)
            ids[module.path] = [example.make(admin)["id"]]
            continue
        made = admin.post(module.path, json=example.create(admin))
        assert made.status_code == 201, made.text
        ids[module.path] = [made.json().get("data", made.json())["id"]]
    ids["/api/v1/customers"].append(client["id"])
    return ids


def _ids_for(ids: dict[str, list[str]], path: str, name: str) -> list[str]:
    """The real ids a path parameter may name: the kit's routes call theirs ``id``."""
    return ids.get(path.split("/{", 1)[0], []) if name == "id" else ids.get(name, [])


def _has_input(doc: dict[str, Any], path: str, method: str) -> bool:
    op = doc["paths"][path][method.lower()]
    params = [p for p in op.get("parameters", []) if p["in"] != "path"]
    return bool(params or op.get("requestBody"))


def _fresh_token(admin: Api) -> str:
    r = admin.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    return str(r.json()["access_token"])


@pytest.mark.parametrize(
    "settings_overrides", [{"api_key_rate_limit": 100_000, "user_rate_limit": "100000/minute"}]
)
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_the_document_states_what_the_server_enforces(admin: Api, mode: str) -> None:
    ids = _real_ids(admin)
    doc = admin.get("/swagger/doc.json").json()
    schema = schemathesis.openapi.from_dict(doc)
    schema.config.update(base_url=str(admin.base_url))
    # Unknown query parameters are ignored, as everywhere on the web (OpenAPI cannot close
    # a query string): not a negation. The test signs every request itself.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    token = admin.headers["Authorization"]
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.label not in SKIP]
    if mode == "negative":  # any text is a valid path segment: only a query or body can be wrong
        operations = [op for op in operations if _has_input(doc, op.path, op.method)]
    calls: dict[str, Counter[int]] = {}
    failures: list[str] = []
    nothing_to_negate: list[str] = []

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=operation.as_strategy(schemathesis.GenerationMode(mode)),
            real=st.booleans(),
            pick=st.integers(min_value=0, max_value=10),
        )
        def run(case: Any, real: bool, pick: int) -> None:
            negated = {where for where, c in case.meta.components.items() if c.mode.is_negative}
            if mode == "negative" and not negated:
                return  # nothing in this request is invalid (an optional body left out)
            if real and case.path_parameters and ParameterLocation.PATH not in negated:
                for name in case.path_parameters:
                    if real_ids := _ids_for(ids, case.operation.path, name):
                        case.path_parameters[name] = real_ids[pick % len(real_ids)]
            auth = token
            if case.operation.path == "/api/v1/auth/logout":
                auth = f"Bearer {_fresh_token(admin)}"  # ends its own session, not the test's
            headers = {"Authorization": auth}
            response = case.call(headers=headers)
            status = response.status_code
            calls.setdefault(case.operation.label, Counter())[status] += 1
            # Not response.text: a PDF's bytes are no UTF-8 (that raised before any check).
            shown = response.content[:300].decode("utf-8", "replace")
            where = f"{case.operation.label} {mode}: {status} {shown}"
            if mode == "positive":
                refused = status in (400, 422) and not unstated(response.json(), case.body)
                if refused or status >= 500:
                    failures.append(f"{where}\n    request: {_request(case)}")
                    return
                case.validate_response(response, checks=POSITIVE_CHECKS, headers=headers)
            else:
                # The error body: Skeleton's {error, message, details?}, Micro CRM's {error}.
                micro = case.operation.path.startswith(MICRO_CRM)
                body_keys = {"error"} if micro else {"error", "message"}
                if not 400 <= status < 500 or not body_keys <= response.json().keys():
                    failures.append(f"{where}\n    request: {_request(case)}")

        try:
            run()
        except Unsatisfiable:  # nothing in the request can be wrong
            assert mode == "negative", operation.label
            nothing_to_negate.append(operation.label)
    print(mode, {label: dict(c) for label, c in calls.items()}, nothing_to_negate)
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} in all)"
    statuses = {code for counts in calls.values() for code in counts}
    assert ({200, 201} if mode == "positive" else {400, 422}) <= statuses, calls


def _request(case: Any) -> str:
    parts = {
        "path": case.path_parameters,
        "query": case.query,
        "headers": {k: v for k, v in (case.headers or {}).items() if k != "Authorization"},
        "body": case.body,
    }
    return repr({k: v for k, v in parts.items() if v})[:600]
