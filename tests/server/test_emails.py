"""Emails in one normal form (NFKC + case folding), and no account that looks like another.

The comparisons run in SQL against unique indexes, so on both engines.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa

from common.ids import new_id
from server.db import make_engine
from server.migrate import upgrade
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, LiveServer
from tests.factories import customer_payload, expect_error, register, user_with_role

pytestmark = pytest.mark.engines  # unique indexes and SQL comparisons

FULLWIDTH_A = "\uff41"
DOTLESS_I = "\u0131"
CYRILLIC_A = "\u0430"
CAPITAL_I_DOT = "\u0130"  # case-folds to i + U+0307 COMBINING DOT ABOVE


def _register(api: Api, email: str) -> httpx.Response:
    return api.post(
        "/api/v1/auth/register",
        json={"email": email, "password": "long-enough-1", "name": "Look Alike"},
    )


@pytest.mark.parametrize(
    "twin",
    [
        f"{FULLWIDTH_A}dmin@skeleton.local",  # the first example
        f"adm{DOTLESS_I}n@skeleton.local",  # the second example
        f"{CYRILLIC_A}dmin@skeleton.local",
        f"ADM{CAPITAL_I_DOT}N@skeleton.local",
        "ADMIN@SKELETON.LOCAL",
    ],
)
def test_a_look_alike_of_an_account_email_cannot_register(api: Api, twin: str) -> None:
    expect_error(_register(api, twin), 409, "conflict")
    # Nothing was created: the admin is still the only account with that look.
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    users = api.get("/api/v1/users", params={"limit": 100}).json()["items"]
    assert [u["email"] for u in users] == [ADMIN_EMAIL]


def test_sign_in_compares_the_normal_form(api: Api) -> None:
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in "ADMIN") + (
        "@skeleton.local"
    )
    body = api.login(fullwidth, ADMIN_PASSWORD)
    assert body["user"]["email"] == ADMIN_EMAIL
    # The dotless look-alike is another address, and there is no such account.
    r = api.post(
        "/api/v1/auth/login",
        json={"email": f"adm{DOTLESS_I}n@skeleton.local", "password": ADMIN_PASSWORD},
    )
    expect_error(r, 401, "unauthorized")


def test_registration_stores_the_normal_form(api: Api) -> None:
    body = register(api, email=f"J{FULLWIDTH_A}ne@EXAMPLE.com")
    assert body["user"]["email"] == "jane@example.com"


def test_addresses_that_only_resemble_in_ascii_stay_distinct(api: Api) -> None:
    for email in ("rn@example.com", "m@example.com", "bill1@example.com", "billl@example.com"):
        assert _register(api, email).status_code == 201, email


def test_an_admin_cannot_rename_a_user_to_a_look_alike(admin: Api) -> None:
    _, body = user_with_role(admin, "viewer")
    uid = body["user"]["id"]
    r = admin.patch(f"/api/v1/users/{uid}", json={"email": f"adm{DOTLESS_I}n@skeleton.local"})
    expect_error(r, 409, "conflict")
    r = admin.patch(f"/api/v1/users/{uid}", json={"email": f"N{FULLWIDTH_A}w@Example.com"})
    assert r.status_code == 200, r.text
    assert r.json()["email"] == "naw@example.com"


def test_customer_emails_use_the_same_normal_form(admin: Api) -> None:
    r = admin.post("/api/v1/customers", json=customer_payload(email="john@acme.com"))
    assert r.status_code == 201, r.text
    fullwidth_john = "".join(chr(ord(c) + 0xFEE0) for c in "JOHN") + "@acme.com"
    r = admin.post("/api/v1/customers", json=customer_payload(email=fullwidth_john))
    expect_error(r, 409, "conflict")


def test_look_alikes_registering_at_once_get_one_account(server: LiveServer) -> None:
    """The unique index on the look-alike key holds when the service's check races."""
    for n in range(5):
        emails = [f"twin{n}@example.com", f"tw{DOTLESS_I}n{n}@example.com"]
        barrier = threading.Barrier(2)

        def one(email: str, barrier: threading.Barrier = barrier) -> int:
            with Api(base_url=server.url, timeout=30) as client:
                barrier.wait()
                return _register(client, email).status_code

        with ThreadPoolExecutor(2) as pool:
            codes = sorted(pool.map(one, emails))
        assert codes == [201, 409], (n, codes)


# ---------------------------------------------------------------- migration 0007


def _insert(conn: sa.Connection, table: str, **values: object) -> str:
    now = datetime.now(UTC)
    row = {"id": new_id(), "created_at": now, "updated_at": now, "version": 0, **values}
    conn.execute(sa.table(table, *(sa.column(k) for k in row)).insert().values(**row))
    return str(row["id"])


def test_migration_0007_rewrites_emails_and_leaves_twins_for_an_admin(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0005")
        user = {"name": "U", "password_hash": "x", "active": True}
        customer = {"name": "C", "credit_limit": 0, "total_purchases": 0, "currency": "USD"}
        with engine.begin() as conn:
            # What the old rules stored: lower-cased, but neither NFKC nor case-folded.
            admin = _insert(conn, "users", email="admin@example.com", **user)
            fullwidth = _insert(conn, "users", email=f"{FULLWIDTH_A}dmin@example.com", **user)
            dotless = _insert(conn, "users", email=f"adm{DOTLESS_I}n@example.com", **user)
            solo = _insert(conn, "users", email="stra\u00dfe@example.com", **user)
            c_solo = _insert(
                conn, "customers", email=f"{FULLWIDTH_A}cme@example.com", active=True, **customer
            )
            c_old = _insert(conn, "customers", email="bob@example.com", active=True, **customer)
            c_twin = _insert(
                conn, "customers", email="b\uff4fb@example.com", active=True, **customer
            )
            before = conn.scalar(sa.text("SELECT version FROM sync_state"))
        upgrade(engine)
        with engine.connect() as conn:
            users = {
                r.id: (r.email, r.email_key, r.version)
                for r in conn.execute(sa.text("SELECT id, email, email_key, version FROM users"))
            }
            customers = {
                r.id: (r.email, r.version)
                for r in conn.execute(sa.text("SELECT id, email, version FROM customers"))
            }
            version = conn.scalar(sa.text("SELECT version FROM sync_state"))
            logged = set(
                conn.execute(
                    sa.text("SELECT entity, entity_id FROM change_log WHERE version = :v"),
                    {"v": version},
                ).all()
            )
        assert version == before + 1
        assert users[admin] == ("admin@example.com", "admin@example.com", 0)
        # Twins of the older account keep what they had, without a key.
        assert users[fullwidth] == (f"{FULLWIDTH_A}dmin@example.com", None, 0)
        assert users[dotless] == (f"adm{DOTLESS_I}n@example.com", None, 0)
        assert users[solo] == ("strasse@example.com", "strasse@example.com", version)
        assert customers[c_solo] == ("acme@example.com", version)
        assert customers[c_old] == ("bob@example.com", 0)
        assert customers[c_twin] == ("b\uff4fb@example.com", 0)
        # Replicas hear of every rewritten row.
        assert logged == {("user", solo), ("customer", c_solo)}
    finally:
        engine.dispose()
