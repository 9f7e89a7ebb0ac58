"""Control characters in any text input are refused with the documented error, never a 5xx.

Only a real outage (the database cannot be reached, or stays locked past the
timeout) answers 503; a value the database chokes on is the input's fault.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from server.app import build_context, create_app
from server.context import AppContext
from server.deps import SessionDep
from tests.conftest import Api, fast_passwords, make_settings, start_server
from tests.factories import create_customer, customer_payload, expect_error
from tests.micro_factories import create_client, create_deal, key_client, make_key

# NUL, other C0 controls, DEL, a C1 control; short and long (the FTS path starts at 3).
BAD = ["a\x00b", "Acme\x00Corp", "\x01", "Acme\x1b[2J", "ab\x7f", "Acme\x85"]
SKELETON_LISTS = ["/api/v1/users", "/api/v1/customers", "/api/v1/audit", "/api/v1/api-keys"]


@pytest.mark.engines  # search and storage differ: FTS5 / LIKE / pg_trgm
def test_control_characters_in_a_search_are_422_naming_the_parameter(admin: Api) -> None:
    create_customer(admin, name="Acme Corp")
    for path in [*SKELETON_LISTS, "/api/v1/countries"]:
        for text in BAD:
            r = admin.get(path, params={"search": text})
            body = expect_error(r, 422, "validation_error")
            assert set(body["details"]) == {"search"}, (path, text, body)
    # Tab and line breaks are ordinary whitespace, not refused.
    r = admin.get("/api/v1/customers", params={"search": "Acme\tCorp"})
    assert r.status_code == 200, r.text


def test_any_query_parameter_with_control_characters_is_refused(admin: Api) -> None:
    body = expect_error(
        admin.get("/api/v1/customers", params={"sort_by": "name\x00"}), 422, "validation_error"
    )
    assert set(body["details"]) == {"sort_by"}
    body = expect_error(
        admin.get("/api/v1/sync/pull", params={"cursor": "abc\x00def"}), 422, "validation_error"
    )
    assert set(body["details"]) == {"cursor"}


@pytest.mark.engines  # search and storage differ: FTS5 / LIKE / pg_trgm
def test_micro_crm_lists_take_them_as_matching_nothing(admin: Api) -> None:
    """Its document answers every list query with a list (no 400 there): nothing holds them."""
    key = key_client(admin, make_key(admin)["key"])
    client = create_client(key, name="Acme Corp")
    create_deal(key, client["id"])
    for text in BAD:
        r = key.get("/api/v1/clients", params={"search": text})
        assert r.status_code == 200, (text, r.text)
        assert r.json()["data"] == [] and r.json()["pagination"]["total"] == 0
        r = key.get("/api/v1/deals", params={"clientId": client["id"] + text[-1]})
        assert r.status_code == 200 and r.json()["data"] == [], (text, r.text)
    assert len(key.get("/api/v1/clients", params={"search": "Acme"}).json()["data"]) == 1


@pytest.mark.engines  # search and storage differ: FTS5 / LIKE / pg_trgm
def test_control_characters_in_body_text_are_422_naming_the_field(admin: Api) -> None:
    for name in ("Acme\x00", "Acme\x01Corp", "Acme\x7f", "Acme\x9b"):
        r = admin.post("/api/v1/customers", json=customer_payload(name=name))
        body = expect_error(r, 422, "validation_error")
        assert "name" in body["details"], body
    # A lone surrogate is valid JSON but no text: it cannot even be stored as UTF-8.
    raw = customer_payload()
    r = admin.post(
        "/api/v1/customers",
        content=('{"name": "Acme \\ud800", ' + _json_tail(raw)).encode(),
        headers={"content-type": "application/json"},
    )
    body = expect_error(r, 422, "validation_error")
    assert "name" in body["details"], body
    # Tabs and line breaks stay allowed where text is free-form.
    created = create_customer(admin, notes="line one\nline two\r\n\tindented")
    assert created["notes"] == "line one\nline two\r\n\tindented"
    key = key_client(admin, make_key(admin)["key"])
    r = key.post("/api/v1/clients", json={"name": "Jane\x1bSmith", "email": "j@example.com"})
    assert r.status_code == 400 and set(r.json()) == {"error"}, r.text


def _json_tail(payload: dict[str, object]) -> str:
    import json

    rest = {k: v for k, v in payload.items() if k != "name"}
    return json.dumps(rest)[1:]


@pytest.mark.engines  # search and storage differ: FTS5 / LIKE / pg_trgm
def test_control_characters_in_a_path_are_422(admin: Api) -> None:
    for path in ("/api/v1/customers/a%00b", "/api/v1/users/a%01b", "/api/v1/deals/a%00b"):
        r = admin.get(path)
        assert r.status_code in (400, 422), (path, r.text)
        assert "error" in r.json()


def test_a_database_error_that_is_no_outage_is_a_500_not_a_503(  # SQLite: FTS5
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad FTS5 query is a bug or a bad input: never reported as the database being down."""

    @app.get("/fts-boom")
    def fts_boom(session: SessionDep) -> dict[str, str]:
        session.execute(
            sa.text("SELECT rowid FROM customers_fts WHERE customers_fts MATCH :q"),
            {"q": "AND AND"},
        ).all()
        return {}

    live = start_server(app)
    try:
        with Api(base_url=live.url) as client, caplog.at_level(logging.INFO, "crm.errors"):
            r = client.get("/fts-boom")
    finally:
        live.stop()
    body = expect_error(r, 500, "internal_error")
    assert "fts5" not in r.text and "syntax" not in body["message"]
    assert not [rec for rec in caplog.records if "unavailable" in rec.getMessage()]


@pytest.mark.parametrize("settings_overrides", [{"sqlite_busy_timeout_ms": 300}])
def test_a_database_locked_past_the_timeout_is_a_503(ctx: AppContext, admin: Api) -> None:
    path = ctx.settings.resolved_database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        r = admin.post("/api/v1/customers", json=customer_payload())
        expect_error(r, 503, "service_unavailable")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert admin.post("/api/v1/customers", json=customer_payload()).status_code == 201


@pytest.mark.engines  # search and storage differ: FTS5 / LIKE / pg_trgm
def test_an_unreachable_database_is_a_503(backend: str, tmp_path: Path) -> None:
    url = (
        f"sqlite:///{tmp_path / 'no-such-dir' / 'crm.db'}"
        if backend == "sqlite"
        else "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2"
    )
    ctx = build_context(make_settings(url, tmp_path / "data"), passwords=fast_passwords())
    live = start_server(create_app(ctx))
    try:
        with Api(base_url=live.url, timeout=30) as client:
            r = client.post(
                "/api/v1/auth/login", json={"email": "a@example.com", "password": "whatever-1"}
            )
            expect_error(r, 503, "service_unavailable")
            r = client.get("/api/v1/customers", headers={"Authorization": "Bearer x.y.z"})
            assert r.status_code in (401, 503), r.text
    finally:
        live.stop()
        ctx.db.dispose()
