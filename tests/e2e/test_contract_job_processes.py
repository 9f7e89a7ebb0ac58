"""Two real ``crm-server serve`` processes on one PostgreSQL database both run the contracts'
scheduled job: every contract past its end date is expired or renewed exactly once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.contracts import ActivateContract, ContractCreate
from common.kit import example
from common.parties import SupplierCreate
from server.app import build_context
from server.bootstrap import ensure_admin
from server.contracts import service
from server.db import make_engine
from server.migrate import upgrade
from server.suppliers import RESOURCE as SUPPLIERS
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, fast_passwords, make_settings
from tests.contract_factories import contract_payload
from tests.e2e.test_serve import ServerProcess, free_port, server_env

pytestmark = [pytest.mark.engines, pytest.mark.postgres_only]

CONTRACTS = 24


def _login(url: str) -> dict[str, str]:
    r = httpx.post(
        url + "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_two_processes_run_the_job_once_per_contract(
    backend: str, empty_db_url: str, tmp_path: Path
) -> None:
    env = server_env(
        tmp_path,
        empty_db_url,
        CRM_JWT_SECRET="s" * 40,
        CRM_ADMIN_EMAIL=ADMIN_EMAIL,
        CRM_ADMIN_PASSWORD=ADMIN_PASSWORD,
    )
    engine = make_engine(empty_db_url)
    upgrade(engine)
    engine.dispose()
    ctx = build_context(
        make_settings(empty_db_url, tmp_path / "direct"), passwords=fast_passwords()
    )
    ensure_admin(ctx)  # before the servers start: two first starts would both create it

    # Given two server processes, each running the job every 50 ms
    job = {**env, "CRM_CONTRACT_JOB_SECONDS": "0.05"}
    procs: list[ServerProcess] = []
    errors: list[BaseException] = []

    def start(name: str) -> None:
        try:
            procs.append(ServerProcess(job, free_port(), tmp_path / f"{name}.log"))
        except BaseException as exc:
            errors.append(exc)

    starters = [threading.Thread(target=start, args=(n,)) for n in ("one", "two")]
    for t in starters:
        t.start()
    for t in starters:
        t.join()
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    made: dict[str, bool] = {}
    try:
        assert not errors and len(procs) == 2, errors
        # When contracts past their end date appear at once (one commit): both processes see them
        with ctx.unit_of_work() as session:
            supplier = SUPPLIERS.service.create(
                session=session, actor=None, data=SupplierCreate(**example(SupplierCreate))
            )
            for n in range(CONTRACTS):
                renews = n % 2 == 0
                body = contract_payload(
                    supplier.id,
                    start_date=str(yesterday - timedelta(days=365)),
                    end_date=str(yesterday),
                    auto_renewal=renews,
                    renewal_period_days=30 if renews else None,
                    max_renewals=1 if renews else None,
                )
                made_one = service.create(session=session, actor=None, data=ContractCreate(**body))
                service.activate(
                    session=session, actor=None, id=made_one.id, args=ActivateContract()
                )
                made[made_one.id] = renews
        auth = _login(procs[0].url)

        def contracts() -> dict[str, dict[str, Any]]:
            page = httpx.get(
                procs[1].url + "/api/v1/contracts", params={"limit": 100}, headers=auth
            ).json()
            return {c["id"]: c for c in page["data"]["items"]}

        deadline = time.monotonic() + 60
        while any(c["status"] == "active" and not made[i] for i, c in contracts().items()):
            assert time.monotonic() < deadline, "the job did not run"
            time.sleep(0.2)
        time.sleep(0.5)  # both processes run the job several times more meanwhile

        # Then each contract was changed once: expired, or renewed once to 30 days later
        now = contracts()
        for cid, renews in made.items():
            c = now[cid]
            if renews:
                assert (c["status"], c["renewal_count"]) == ("active", 1), c
                assert c["validity_period"]["end_date"] == str(yesterday + timedelta(days=30))
            else:
                assert (c["status"], c["renewal_count"]) == ("expired", 0), c
        audit = httpx.get(
            procs[0].url + "/api/v1/audit",
            params={"entity": "contract", "limit": 100},
            headers=auth,
        ).json()["items"]
        done = sorted(
            (a["entity_id"], a["action"]) for a in audit if a["action"] in ("expire", "auto_renew")
        )
        assert done == sorted((c, "auto_renew" if r else "expire") for c, r in made.items())
        for proc in procs:
            assert "Traceback" not in proc.log.read_text(), proc.log.read_text()
    finally:
        for proc in procs:
            proc.stop()
        ctx.db.dispose()
