"""Two real ``crm-server serve`` processes on one PostgreSQL database number invoices together:
every number unique, none skipped (DESIGN.md, Domain rules: gapless per year)."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve import CRM_SERVER, ServerProcess, free_port, server_env

pytestmark = pytest.mark.engines

INVOICES = 48


@pytest.mark.postgres_only
def test_two_processes_number_invoices_gaplessly(
    backend: str, empty_db_url: str, tmp_path: Path
) -> None:
    env = server_env(
        tmp_path, empty_db_url, CRM_ADMIN_PASSWORD="chosen-admin-pw", CRM_JWT_SECRET="s" * 40
    )
    r = subprocess.run(
        [CRM_SERVER, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    one = ServerProcess(env, free_port(), tmp_path / "one.log")
    two = ServerProcess(env, free_port(), tmp_path / "two.log")
    try:
        token = httpx.post(
            one.url + "/api/v1/auth/login",
            json={"email": "admin@skeleton.local", "password": "chosen-admin-pw"},
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        customer = httpx.post(
            two.url + "/api/v1/customers", json={"name": "Acme Corp"}, headers=auth
        ).json()

        def create(i: int) -> tuple[int, str | None]:
            url = (one if i % 2 == 0 else two).url
            lines = [{"description": f"Work {i}", "quantity": 1, "unit_price": 100 + i}]
            if i % 6 == 5:  # a refused create in the mix: it must not use up a number
                lines[0]["currency"] = "EUR"
            resp = httpx.post(
                url + "/api/v1/invoices",
                json={"customer_id": customer["id"], "currency": "USD", "lines": lines},
                headers=auth,
                timeout=60,
            )
            return resp.status_code, resp.json().get("number")

        # Given 8 clients creating invoices at once through both processes
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(create, range(INVOICES)))
        # Then the accepted ones hold INV-<year>-001 .. -N, each once, and the refused none.
        refused = [n for status, n in results if status == 422]
        numbers = sorted(n for status, n in results if status == 201 and n is not None)
        assert len(refused) == INVOICES // 6 and len(numbers) + len(refused) == INVOICES
        year = datetime.now(UTC).year
        assert numbers == [f"INV-{year}-{k:03d}" for k in range(1, len(numbers) + 1)]
        # And the server's list says the same.
        page = httpx.get(one.url + "/api/v1/invoices", params={"limit": 100}, headers=auth).json()
        assert sorted(i["number"] for i in page["items"]) == numbers
    finally:
        one.stop()
        two.stop()
