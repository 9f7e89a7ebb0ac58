"""Contracts for tests: the spec's create body with a real party, made over HTTP."""

from __future__ import annotations

import itertools
from typing import Any

from common.contracts import ContractCreate
from common.kit import example
from common.parties import EmployeeCreate, PartnerCreate, SupplierCreate
from tests.conftest import Api

Body = dict[str, Any]
_seq = itertools.count(1)


def create_party(api: Api, kind: str = "suppliers", **overrides: Any) -> Body:
    """A supplier (or partner, employee) with a unique name and email."""
    n = next(_seq)
    schema = {"suppliers": SupplierCreate, "partners": PartnerCreate, "employees": EmployeeCreate}
    body = example(schema[kind])
    body.update(name=f"{body['name']} {n}", email=f"contract{n}.{body['email']}")
    body.update(overrides)
    r = api.post(f"/api/v1/{kind}", json=body)
    assert r.status_code == 201, r.text
    made: Body = r.json()
    return made


def contract_payload(party_id: str, **overrides: Any) -> Body:
    """The spec's ``POST /contracts`` example for this party."""
    body = example(ContractCreate)
    body["party_id"] = party_id
    body.update(overrides)
    return body


def create_contract(api: Api, party_id: str | None = None, **overrides: Any) -> Body:
    """Create a contract and return the object read back (create answers only its id)."""
    party = party_id or create_party(api)["id"]
    r = api.post("/api/v1/contracts", json=contract_payload(party, **overrides))
    assert r.status_code == 201, r.text
    got = api.get(f"/api/v1/contracts/{r.json()['data']['id']}")
    assert got.status_code == 200, got.text
    made: Body = got.json()
    return made
