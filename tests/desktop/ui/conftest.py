"""Fixtures for the desktop UI: a replica filled by really syncing from the real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from desktop.core.client import PasswordTokenProvider, SyncClient
from desktop.core.replica import Replica
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, LiveServer

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


@pytest.fixture
def sync_client(server: LiveServer, tmp_path: Path) -> Iterator[SyncClient]:
    tokens = PasswordTokenProvider(server.url)
    tokens.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    client = SyncClient(server.url, Replica(tmp_path / "replica.sqlite3"), tokens, timeout=10)
    yield client
    client.close()
    client.replica.close()
    tokens.close()


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


@pytest.fixture
def customers(admin: Api) -> list[dict[str, Any]]:
    """Five customers on the server (Cobalt Mining deactivated)."""
    made = [add_customer(admin, *c) for c in CUSTOMERS]
    r = admin.patch(f"/api/v1/customers/{made[2]['id']}/deactivate")
    assert r.status_code == 200, r.text
    return made


@pytest.fixture
def replica(customers: list[dict[str, Any]], sync_client: SyncClient) -> Replica:
    """The replica after a real sync: countries and the five customers."""
    sync_client.sync_once()
    return sync_client.replica


PageFactory = Callable[[], Any]
