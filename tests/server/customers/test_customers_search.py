"""Customer search over HTTP: the same rows on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm).

The contract: a case-insensitive substring of name, email, phone or company,
with Unicode case folding as PostgreSQL's lower() does it, and no character of
the term meaning anything but itself (no LIKE wildcards, no FTS query syntax).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from common.customers import CustomerCreate, CustomerQuery
from server import customers
from server.context import AppContext
from server.customers import service
from server.db import make_engine
from server.kit.lists import list_page
from server.migrate import alembic_config, upgrade
from tests.conftest import Api
from tests.factories import create_customer
from tests.server.sync.test_pull import pull_all
from tests.server.sync.test_push import Replica

pytestmark = pytest.mark.engines  # behaviour depends on the database engine

# (name, email, company)
PEOPLE = [
    ("ÖKO Handel", "oeko@handel.example", "Grün & Söhne"),
    ("öko markt", "markt@oeko.example", None),
    ("Oko Plain", "plain@oko.example", None),
    ("Straße Bau GmbH", "info@strasse.example", None),
    ("STRASSE Logistics", "logistics@roads.example", None),
    ("Київ Трейд", "trade@kyiv.example", None),
    ("Fabrika", "fabrika@ua.example", "КИЇВСЬКА ФАБРИКА"),
    ("100% Natural", "natural@food.example", None),
    ("Under_score Ltd", "under@score.example", None),
    ("Pearls Inc", "pearls@shell.example", None),
    ('Quote "Q" Co', "quote@q.example", "O'Brien & Sons"),
    ("Tom AND Jerry", "tom@cartoon.example", "NEAR Star*"),
    ("Σίσυφος Ltd", "sisyphus@hill.example", None),
]

# Each term and the names it must find, the same on both databases.
EXPECTED: dict[str, set[str]] = {
    "öko": {"ÖKO Handel", "öko markt"},
    "ÖKO": {"ÖKO Handel", "öko markt"},
    "Öko": {"ÖKO Handel", "öko markt"},
    " öko ": {"ÖKO Handel", "öko markt"},  # the term is trimmed
    "oko": {"Oko Plain"},  # no accent folding: o is not ö
    "ö": {"ÖKO Handel", "öko markt"},  # one character: Söhne, ÖKO, öko
    "Ö": {"ÖKO Handel", "öko markt"},
    "straße": {"Straße Bau GmbH"},
    "STRAßE": {"Straße Bau GmbH"},
    "ß": {"Straße Bau GmbH"},
    "strasse": {"STRASSE Logistics", "Straße Bau GmbH"},  # the email has "strasse"
    "київ": {"Київ Трейд", "Fabrika"},  # КИЇВСЬКА folds to київська
    "КИЇВ": {"Київ Трейд", "Fabrika"},
    "ї": {"Київ Трейд", "Fabrika"},
    "Ї": {"Київ Трейд", "Fabrika"},
    "ΣΊΣΥ": {"Σίσυφος Ltd"},
    "%": {"100% Natural"},
    "0%": {"100% Natural"},
    "100%": {"100% Natural"},
    "%n": set(),
    "_": {"Under_score Ltd"},
    "r_s": {"Under_score Ltd"},  # not Pearls: _ is not a wildcard
    "e_": set(),
    '"': {'Quote "Q" Co'},
    '"Q"': {'Quote "Q" Co'},
    '"q" co': {'Quote "Q" Co'},
    "'": {'Quote "Q" Co'},
    "O'Brien": {'Quote "Q" Co'},
    "AND": {"Tom AND Jerry", "ÖKO Handel"},  # a substring, not an FTS operator
    "Tom AND Jerry": {"Tom AND Jerry"},
    "Tom AND Pearls": set(),
    "NEAR": {"Tom AND Jerry"},
    "NEAR(Tom Jerry)": set(),
    "Star*": {"Tom AND Jerry"},
    "Sta*": set(),  # * is not a prefix query
    "*": {"Tom AND Jerry"},
    "r*": {"Tom AND Jerry"},
    "?": set(),
    "[": set(),
    "^Tom": set(),
    "name:Tom": set(),
    "{name}: Tom": set(),
    "tom OR pearls": set(),
    "-": set(),
    "\\": set(),
    "zz": set(),
}


def _names(admin: Api, term: str, **params: Any) -> set[str]:
    r = admin.get("/api/v1/customers", params={"search": term, "limit": 100, **params})
    assert r.status_code == 200, (term, r.text)
    body = r.json()
    assert body["total"] == len(body["items"]), term
    return {c["name"] for c in body["items"]}


def _people(admin: Api) -> list[dict[str, Any]]:
    return [create_customer(admin, name=n, email=e, company=co) for n, e, co in PEOPLE]


def test_search_finds_the_same_customers_on_both_databases(admin: Api) -> None:
    made = _people(admin)
    for term, expected in EXPECTED.items():
        assert _names(admin, term) == expected, term
    # Every substring of every searched field finds its customer: the index misses nothing.
    for c in made:
        for field in ("name", "email", "company", "phone"):
            value = c[field]
            if not value:
                continue
            for size in (1, 2, 3, 5):
                for start in range(0, max(1, len(value) - size + 1), 3):
                    term = value[start : start + size]
                    if term.strip():
                        assert c["name"] in _names(admin, term), (field, term)


def test_search_with_the_active_filter_and_pages(admin: Api) -> None:
    made = _people(admin)
    admin.patch(f"/api/v1/customers/{made[1]['id']}/deactivate")
    assert _names(admin, "öko", active="true") == {"ÖKO Handel"}
    assert _names(admin, "öko", active="false") == {"öko markt"}
    r = admin.get("/api/v1/customers", params={"search": "ÖKO", "limit": 1, "sort_by": "name"})
    page = r.json()
    assert (page["total"], page["has_more"]) == (2, True)
    assert [c["name"] for c in page["items"]] == ["ÖKO Handel"]


def test_a_term_longer_than_allowed_is_a_validation_error(admin: Api) -> None:
    r = admin.get("/api/v1/customers", params={"search": "x" * 201})
    assert r.status_code == 422
    assert r.json()["error"] == "validation_error"


def _fts_is_consistent(ctx: AppContext) -> None:
    """SQLite: the FTS index holds exactly what the customers table holds."""
    if ctx.db.dialect != "sqlite":
        return
    with ctx.db.engine.begin() as conn:
        # Raises "database disk image is malformed" (SQLITE_CORRUPT_VTAB) when they differ.
        conn.exec_driver_sql(
            "INSERT INTO customers_fts(customers_fts, rank) VALUES ('integrity-check', 1)"
        )


def test_search_follows_create_update_and_delete(admin: Api, ctx: AppContext) -> None:
    _people(admin)
    c = create_customer(admin, name="Zebra Crossing", email="zebra@stripes.example")
    assert _names(admin, "zebra") == {"Zebra Crossing"}
    _fts_is_consistent(ctx)

    r = admin.put(f"/api/v1/customers/{c['id']}", json={"name": "Yak Pasture"})
    assert r.status_code == 200, r.text
    assert _names(admin, "Crossing") == set()
    assert _names(admin, "yak past") == {"Yak Pasture"}
    assert _names(admin, "zebra@") == {"Yak Pasture"}  # the email did not change

    # Fields the index does not hold leave it alone; the row is still found.
    admin.put(f"/api/v1/customers/{c['id']}", json={"credit_limit": 1, "notes": "zebra"})
    admin.put(f"/api/v1/customers/{c['id']}", json={"email": "yak@herd.example"})
    admin.put(f"/api/v1/customers/{c['id']}", json={"company": "Ürümqi Wool"})
    assert _names(admin, "zebra") == set()
    assert _names(admin, "yak@herd") == {"Yak Pasture"}
    assert _names(admin, "ÜRÜMQI") == {"Yak Pasture"}
    admin.put(f"/api/v1/customers/{c['id']}", json={"company": None})
    assert _names(admin, "ürümqi") == set()
    _fts_is_consistent(ctx)

    # Deletes come from desktop replicas, through a sync push.
    changes, _, _ = pull_all(admin)
    version = next(ch["version"] for ch in changes if ch["id"] == c["id"])
    rep = Replica(admin)
    res = rep.push(rep.mutation(entity="customer", op="delete", id=c["id"], base_version=version))
    assert res["results"][0]["status"] == "applied", res
    assert _names(admin, "yak") == set()
    assert _names(admin, "öko") == {"ÖKO Handel", "öko markt"}  # the others are untouched
    _fts_is_consistent(ctx)


def test_search_count_and_page_read_the_trigram_index(ctx: AppContext) -> None:
    """SQLite: the FTS5 table, then rows by rowid; PostgreSQL: the pg_trgm GIN indexes."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cur: Any, stmt: str, params: Any, _ctx: Any, _many: bool) -> None:
        if "FROM customers" in stmt and "customer_addresses" not in stmt:
            seen.append((stmt, params))

    with ctx.unit_of_work() as session:
        for name in ("Summit One", "Summit Two"):
            service.create(session=session, actor=None, data=CustomerCreate(name=name, email=None))
    sa.event.listen(ctx.db.engine, "before_cursor_execute", capture)
    try:
        with ctx.db.session(write=False) as session:
            # A full page: a page that ends the list knows its total without a count.
            list_page(session, customers.RESOURCE, CustomerQuery(search="summit", limit=1))
    finally:
        sa.event.remove(ctx.db.engine, "before_cursor_execute", capture)
    assert len(seen) == 2  # the page and the count
    for stmt, params in seen:
        with ctx.db.engine.connect() as conn:
            cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            if ctx.db.dialect == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + stmt, params)
            else:
                cur.execute("SET enable_seqscan = off")  # a tiny test table would always be scanned
                cur.execute("EXPLAIN " + stmt, params)
            plan = "\n".join(str(row) for row in cur.fetchall())
        if ctx.db.dialect == "sqlite":
            assert "SCAN customers_fts VIRTUAL TABLE" in plan, plan
            assert "SEARCH customers USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
        else:
            assert "_trgm" in plan, plan


def test_migration_indexes_existing_rows_and_downgrades(empty_db_url: str) -> None:
    rows = 3
    script = ScriptDirectory.from_config(alembic_config())
    before = script.get_revision("0005").down_revision
    assert isinstance(before, str)
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, before)
        with engine.begin() as conn:
            for n in range(rows):
                conn.execute(
                    sa.text(
                        "INSERT INTO customers (id, name, email, credit_limit, total_purchases,"
                        " currency, active, created_at, updated_at, version) VALUES"
                        " (:id, :name, :email, 0, 0, 'EUR', true, :now, :now, 0)"
                    ),
                    {
                        "id": f"id-{n}",
                        "name": f"Ölmühle {n}",
                        "email": f"m{n}@x.example",
                        "now": "2025-01-01 00:00:00",
                    },
                )
        upgrade(engine, "0005")
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                found = conn.scalar(
                    sa.text("SELECT count(*) FROM customers_fts WHERE customers_fts MATCH :q"),
                    {"q": '"ÖLMÜHLE"'},
                )
                assert found == rows
        cfg = alembic_config()
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, before)
            conn.commit()
            names = sa.inspect(conn).get_table_names()
            assert not [n for n in names if n.startswith("customers_fts")]
            assert conn.scalar(sa.text("SELECT count(*) FROM customers")) == rows
    finally:
        engine.dispose()
