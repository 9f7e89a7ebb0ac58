"""Property: any sequence of partial updates equals the same dict merges on a plain model."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api
from tests.factories import create_customer

_emails = itertools.count(1)
words = st.text(alphabet="abcdefgh XYZ-", min_size=1, max_size=12).map(str.strip).filter(bool)
optional_words = st.none() | words
PHONES = ["+15550100", "+442079460958", "+380441234567", "+4930901820"]  # already E.164
ADDRESS = st.fixed_dictionaries(
    {},
    optional={
        "street": optional_words,
        "city": optional_words,
        "region": optional_words,
        "postal_code": st.none() | st.from_regex(r"\A[0-9]{5}\Z"),
        "country": st.sampled_from([None, "US", "CA", "UA"]),
    },
)
UPDATE = st.fixed_dictionaries(
    {},
    optional={
        "name": words,
        "email": st.just("<fresh>"),
        "phone": st.none() | st.sampled_from(PHONES),
        "tax_id": optional_words,
        "website": st.none() | st.sampled_from(["https://a.example", "http://b.example/x"]),
        "social_media": st.none()
        | st.dictionaries(st.sampled_from(["x", "fb"]), words, max_size=2),
        "company": optional_words,
        "notes": optional_words,
        "credit_limit": st.integers(min_value=0, max_value=10**15),
        "currency": st.sampled_from(["USD", "EUR", "UAH"]),
        "address": st.none() | ADDRESS,
    },
)
FIELDS = [
    "name",
    "email",
    "phone",
    "tax_id",
    "website",
    "social_media",
    "company",
    "notes",
    "credit_limit",
    "currency",
]


def _apply(model: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if key != "address":
            model[key] = value
        elif value is None:
            model["address"] = None
        else:
            addr = model["address"] or dict.fromkeys(
                ("street", "city", "region", "postal_code", "country")
            )
            model["address"] = {**addr, **value}


def _seen(body: dict[str, Any]) -> dict[str, Any]:
    out = {k: body[k] for k in FIELDS}
    a = body["address"]
    out["address"] = (
        None
        if a is None
        else {
            "street": a["street"],
            "city": a["city"],
            "region": a["region"],
            "postal_code": a["postal_code"],
            "country": a["country_code"],
        }
    )
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(updates=st.lists(UPDATE, min_size=1, max_size=4))
def test_partial_updates_are_dict_merges(admin: Api, updates: list[dict[str, Any]]) -> None:
    created = create_customer(admin)
    model = _seen(created)
    for update in updates:
        if "email" in update:
            update = {**update, "email": f"prop{next(_emails)}@example.com"}
        r = admin.put(f"/api/v1/customers/{created['id']}", json=update)
        assert r.status_code == 200, (update, r.text)
        _apply(model, update)
        assert _seen(r.json()) == model, update
        assert r.json()["total_purchases"] == 0
    assert _seen(admin.get(f"/api/v1/customers/{created['id']}").json()) == model
