"""Fixtures for the desktop UI: a replica synced from the real server, prebuilt where it can be.

Syncing a fresh replica costs every test a snapshot (every country and record)
and the data behind it many API calls. So the fixtures that need a filled
server and replica (``replica``: five customers; ``demo_client``: the demo
customers and deals) stand on a *prebuilt* pair, made once per test process:
the server's SQLite database after the data went in, and a replica that really
synced from it. Each test copies both files (a server database per test, as
always) and syncs once more, incrementally, against its own server, so the
cursor, client id and outbox numbering are checked against that server as a
first sync would leave them. On PostgreSQL the pair is made per test as before.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy.engine import make_url

from desktop.core.client import PasswordTokenProvider, SyncClient
from desktop.core.replica import Replica
from server.app import build_context, create_app
from server.bootstrap import ensure_admin
from server.context import AppContext
from server.deals.demo import fill_demo_deals
from server.demo import fill_demo_customers
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Api,
    LiveServer,
    fast_passwords,
    make_settings,
    start_server,
)

CUSTOMERS = [
    ("Acme Corporation", "contact@acme.example", "Berlin", "DE", 500_000, "EUR"),
    ("Bluebird Logistics", "office@bluebird.example", "Boston", "US", 100_000, "USD"),
    ("Cobalt Mining", "info@cobalt.example", "Lyon", "FR", 0, "EUR"),
    ("Zephyr Textiles", "hello@zephyr.example", "Austin", "US", 2_500_050, "USD"),
    ("Granite Works", "sales@granite.example", "Munich", "DE", 75_000, "EUR"),
]


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def add_customer(
    admin: Api, name: str, email: str, city: str, country: str, cents: int, currency: str
) -> dict[str, Any]:
    r = admin.post(
        "/api/v1/customers",
        json={
            "name": name,
            "email": email,
            "credit_limit": cents,
            "currency": currency,
            "addresses": [{"type": "billing", "city": city, "country": country}],
        },
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def five_customers(_ctx: AppContext, admin: Api) -> list[dict[str, Any]]:
    """Five customers on the server (Cobalt Mining deactivated)."""
    made = [add_customer(admin, *c) for c in CUSTOMERS]
    r = admin.patch(f"/api/v1/customers/{made[2]['id']}/deactivate")
    assert r.status_code == 200, r.text
    return made


def demo_pipeline(ctx: AppContext, _admin: Api) -> None:
    """20 demo customers and 60 demo deals."""
    fill_demo_customers(ctx, 20)
    assert fill_demo_deals(ctx, 60) == 60


# ---------------------------------------------------------------- prebuilt server + replica

Scenario = Callable[[AppContext, Api], Any]
# The fixture standing on a prebuilt pair -> how its data is made.
PREBUILT: dict[str, tuple[str, Scenario]] = {
    "replica": ("customers", five_customers),
    "demo_client": ("demo", demo_pipeline),
}


@dataclass(frozen=True)
class Prebuilt:
    server_db: Path  # the server's database after the scenario
    replica: Path  # a replica synced from it
    data: Any  # what the scenario returned


_built: dict[str, Prebuilt] = {}


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so copying the one file copies everything."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _build(name: str, scenario: Scenario, template: Path, root: Path) -> Prebuilt:
    server_db = root / "server.db"
    shutil.copyfile(template, server_db)
    ctx = build_context(
        make_settings(f"sqlite:///{server_db}", root / "data"), passwords=fast_passwords()
    )
    ensure_admin(ctx)
    live = start_server(create_app(ctx))
    try:
        with Api(base_url=live.url, timeout=30) as admin:
            admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
            data = scenario(ctx, admin)
        tokens = PasswordTokenProvider(live.url)
        tokens.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        client = SyncClient(live.url, Replica(root / "replica.sqlite3"), tokens, timeout=10)
        client.sync_once()
        client.close()
        client.replica.close()
        tokens.close()
    finally:
        live.stop()
        ctx.db.dispose()
    _checkpoint(server_db)
    _checkpoint(root / "replica.sqlite3")
    return Prebuilt(server_db, root / "replica.sqlite3", data)


@pytest.fixture
def prebuilt(
    request: pytest.FixtureRequest,
    backend: str,
    templates: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Prebuilt | None:
    """The prebuilt pair this test stands on (None: it makes its own data)."""
    wanted = [PREBUILT[f] for f in PREBUILT if f in request.fixturenames]
    if not wanted or backend != "sqlite":
        return None
    [(name, scenario)] = wanted
    if name not in _built:
        from tests.conftest import _template

        template = Path(_template("sqlite", templates, request))
        _built[name] = _build(name, scenario, template, tmp_path_factory.mktemp(f"prebuilt-{name}"))
    return _built[name]


@pytest.fixture
def db_url(db_url: str, prebuilt: Prebuilt | None) -> str:
    """The test's own server database: a copy of the prebuilt one where there is one."""
    if prebuilt is not None:
        database = make_url(db_url).database
        assert database is not None
        shutil.copyfile(prebuilt.server_db, database)
    return db_url


@pytest.fixture
def sync_client(
    server: LiveServer, tmp_path: Path, prebuilt: Prebuilt | None
) -> Iterator[SyncClient]:
    path = tmp_path / "replica.sqlite3"
    if prebuilt is not None:
        shutil.copyfile(prebuilt.replica, path)
    tokens = PasswordTokenProvider(server.url)
    tokens.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    client = SyncClient(server.url, Replica(path), tokens, timeout=10)
    yield client
    client.close()
    client.replica.close()
    tokens.close()


@pytest.fixture
def customers(admin: Api, ctx: AppContext, prebuilt: Prebuilt | None) -> list[dict[str, Any]]:
    """Five customers on the server (Cobalt Mining deactivated)."""
    if prebuilt is not None:
        data: list[dict[str, Any]] = prebuilt.data
        return data
    return five_customers(ctx, admin)


@pytest.fixture
def replica(customers: list[dict[str, Any]], sync_client: SyncClient) -> Replica:
    """The replica after a real sync: countries and the five customers."""
    sync_client.sync_once()
    return sync_client.replica


@pytest.fixture
def demo_client(
    ctx: AppContext, admin: Api, sync_client: SyncClient, prebuilt: Prebuilt | None
) -> SyncClient:
    """The replica after a real sync of 20 demo customers and 60 demo deals."""
    if prebuilt is None:
        demo_pipeline(ctx, admin)
    sync_client.sync_once()
    return sync_client
