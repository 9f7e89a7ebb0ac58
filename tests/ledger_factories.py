"""Factories for the ledger: the starter chart, accounts and transactions made through the API."""

from __future__ import annotations

import itertools
from typing import Any

from tests.conftest import Api

_seq = itertools.count(1)
Body = dict[str, Any]


def load_chart(api: Api, currency: str = "USD") -> Body:
    r = api.post("/api/v1/accounting/starter-chart", json={"currency": currency})
    assert r.status_code == 200, r.text
    body: Body = r.json()
    return body


def account_payload(**overrides: Any) -> Body:
    n = next(_seq)
    return {"code": f"T{n:05d}", "name": f"Test account {n}", "type": "asset", **overrides}


def create_account(api: Api, **overrides: Any) -> Body:
    r = api.post("/api/v1/accounts", json=account_payload(**overrides))
    assert r.status_code == 201, r.text
    body: Body = r.json()
    return body


def entry(debit: str, credit: str, cents: int, **overrides: Any) -> Body:
    """A two-line transaction body: ``cents`` from ``credit`` to ``debit`` (ids or codes)."""
    return {
        "description": f"Entry {next(_seq)}",
        "lines": [
            {"account_id": debit, "debit": cents},
            {"account_id": credit, "credit": cents},
        ],
        **overrides,
    }


def post(api: Api, body: Body) -> Body:
    r = api.post("/api/v1/transactions", json=body)
    assert r.status_code == 201, r.text
    out: Body = r.json()
    return out


def report(api: Api, name: str, **params: Any) -> Body:
    r = api.get(f"/api/v1/reports/{name}", params=params)
    assert r.status_code == 200, r.text
    out: Body = r.json()
    return out


def currency_part(body: Body, currency: str = "USD") -> Body:
    """One currency's part of a report."""
    part: Body = next(c for c in body["currencies"] if c["currency"] == currency)
    return part


def balance_of(api: Api, code: str, currency: str = "USD") -> int:
    """The account's balance on its normal side, from the trial balance."""
    parts = report(api, "trial-balance")["currencies"]
    rows = [r for p in parts if p["currency"] == currency for r in p["rows"]]
    row = next((r for r in rows if r["code"] == code), None)
    if row is None:
        return 0
    net: int = row["debit"] - row["credit"]
    return net if row["type"] in ("asset", "expense") else -net
