"""Two real ``crm-server serve`` processes on one PostgreSQL race adjustments and transfers on
one stock record: it never goes below zero and no movement is lost (DESIGN.md, Domain rules)."""

from __future__ import annotations

import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.e2e.test_serve import CRM_SERVER, ServerProcess, free_port, server_env

pytestmark = [pytest.mark.engines, pytest.mark.postgres_only]

OPENING = 20
REQUESTS = 48  # more take-aways than there are units, through both processes at once


def test_racing_adjustments_and_transfers_never_go_below_zero(
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

        def post(url: str, path: str, body: dict[str, object]) -> httpx.Response:
            return httpx.post(url + "/api/v1" + path, json=body, headers=auth, timeout=60)

        item = post(one.url, "/catalog/items", {"sku": "RACE-1", "name": "Bolt", "unit_price": 10})
        source = post(one.url, "/warehouses", {"name": "Source"}).json()
        target = post(two.url, "/warehouses", {"name": "Target"}).json()
        item_id = item.json()["id"]

        def record(warehouse_id: str) -> dict[str, int | str]:
            page = httpx.get(
                one.url + "/api/v1/stock",
                params={"item_id": item_id, "warehouse_id": warehouse_id},
                headers=auth,
            ).json()
            found: dict[str, int | str] = page["items"][0]
            return found

        sid, tid = record(source["id"])["id"], record(target["id"])["id"]
        assert post(
            one.url, f"/stock/{sid}/adjust", {"quantity": OPENING, "reason": "Open"}
        ).is_success
        rng = random.Random(15)
        plan = [rng.choice(["take", "out", "back"]) for _ in range(REQUESTS)]

        def act(i: int) -> tuple[str, int]:
            url = (one if i % 2 == 0 else two).url
            kind = plan[i]
            if kind == "take":  # an adjustment of the source record
                resp = post(url, f"/stock/{sid}/adjust", {"quantity": -1, "reason": f"Take {i}"})
            else:  # a transfer out of it, or back into it, racing the other way
                ends = (
                    (source["id"], target["id"]) if kind == "out" else (target["id"], source["id"])
                )
                resp = post(
                    url,
                    "/stock/transfer",
                    {
                        "item_id": item_id,
                        "from_warehouse_id": ends[0],
                        "to_warehouse_id": ends[1],
                        "quantity": 1,
                    },
                )
            return kind, resp.status_code

        # Given 8 clients taking from one record through both processes at once
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(act, range(REQUESTS)))
        # Then every request is either done (200) or refused for want of stock (409), never a 5xx
        assert {status for _, status in results} <= {200, 409}, results
        done = [kind for kind, status in results if status == 200]
        assert results.count(("take", 409)) + results.count(("out", 409)) > 0  # the race was lost
        # And the records hold exactly what the accepted requests say
        taken, out, back = done.count("take"), done.count("out"), done.count("back")
        src, tgt = record(source["id"]), record(target["id"])
        assert src["quantity"] == OPENING - taken - out + back >= 0
        assert tgt["quantity"] == out - back >= 0
        # And every accepted request left its movements, chained in commit order per record
        engine = sa.create_engine(empty_db_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text(
                        "SELECT stock_id, quantity, quantity_after FROM stock_movements "
                        "ORDER BY version, id"
                    )
                ).all()
                totals = {
                    row[0]: row[1]
                    for row in conn.execute(sa.text("SELECT id, stock_total FROM warehouses"))
                }
        finally:
            engine.dispose()
        assert len(rows) == 1 + taken + 2 * (out + back)
        for stock_id, final in ((sid, src["quantity"]), (tid, tgt["quantity"])):
            level = 0
            for _, change, after in (row for row in rows if row[0] == stock_id):
                level += change
                assert after == level >= 0
            assert level == final
        assert totals == {source["id"]: src["quantity"], target["id"]: tgt["quantity"]}
        for process in (one, two):
            assert " ERROR " not in process.output(), process.output()[-2000:]
    finally:
        one.stop()
        two.stop()
