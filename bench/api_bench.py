"""Customer list/search latency against the real server (``crm-server serve`` in a subprocess).

    python bench/api_bench.py                       # 10k customers on SQLite (quick)
    python bench/api_bench.py --rows 100000         # the full 100k run
    python bench/api_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/bench

The PostgreSQL database must exist and be empty (the server migrates it).
Customers are bulk-loaded straight into the table (executemany); the
measurements go through HTTP with concurrent clients. Prints numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.ids import new_id  # noqa: E402
from server.customers.models import Customer  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.migrate import upgrade  # noqa: E402

ADMIN_EMAIL = "admin@skeleton.local"
ADMIN_PASSWORD = "bench-password-123"
WORDS = [
    "Northwind",
    "Bluebird",
    "Granite",
    "Silverline",
    "Harbor",
    "Summit",
    "Evergreen",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Nimbus",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Redwood",
    "Sterling",
    "Tidewater",
    "Vertex",
    "Willow",
    "Zephyr",
]
TRADES = [
    "Logistics",
    "Foods",
    "Software",
    "Textiles",
    "Builders",
    "Analytics",
    "Motors",
    "Pharma",
    "Design",
    "Energy",
    "Consulting",
    "Retail",
    "Printing",
    "Optics",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_customers(url: str, rows: int) -> float:
    """Migrate and bulk-insert ``rows`` customers; return seconds taken."""
    engine = make_engine(url)
    start = time.perf_counter()
    upgrade(engine)
    rng = random.Random(7)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    table = Customer.__table__
    batch: list[dict[str, object]] = []
    with engine.begin() as conn:
        for n in range(rows):
            company = f"{rng.choice(WORDS)} {rng.choice(TRADES)} {n}"
            created = base + timedelta(minutes=n)
            batch.append(
                {
                    "id": new_id(),
                    "name": company,
                    "email": f"contact{n}@{company.split()[0].lower()}.example",
                    "phone": f"+1555{n:07d}",
                    "phone_display": f"+1 555{n:07d}",
                    "company": company,
                    "credit_limit": rng.randrange(0, 10_000_000, 100),
                    "total_purchases": rng.randrange(0, 5_000_000),
                    "currency": rng.choice(["USD", "EUR", "UAH", "GBP"]),
                    "active": rng.random() > 0.1,
                    "created_at": created,
                    "updated_at": created,
                    "version": 0,
                }
            )
            if len(batch) == 5000:
                conn.execute(sa.insert(table), batch)
                batch.clear()
        if batch:
            conn.execute(sa.insert(table), batch)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE customers")
        else:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return time.perf_counter() - start


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def measure(
    base: str, token: str, path: str, *, threads: int, requests: int, seconds: float
) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    issued = 0
    failures = 0
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        nonlocal issued, failures
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as c:
            c.get(path)  # warm this connection
            while True:
                with lock:
                    if issued >= requests or time.monotonic() > stop_at:
                        return
                    issued += 1
                t0 = time.perf_counter()
                r = c.get(path)
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        failures += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(worker)
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "n": len(latencies),
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "rps": len(latencies) / wall,
        "failures": failures,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--requests", type=int, default=2000, help="per scenario, at most")
    ap.add_argument("--seconds", type=float, default=20, help="per scenario, at most")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'crm.db'}"
        backend = url.split(":", 1)[0].split("+", 1)[0]
        print(f"Loading {args.rows} customers into {backend} ...", flush=True)
        print(f"  loaded in {load_customers(url, args.rows):.1f} s", flush=True)

        port = free_port()
        env = {
            **os.environ,
            "CRM_DATA_DIR": tmp,
            "CRM_DATABASE_URL": url,
            "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "CRM_ADMIN_EMAIL": ADMIN_EMAIL,
        }
        crm_server = Path(sys.executable).with_name("crm-server")
        proc = subprocess.Popen(
            [
                str(crm_server),
                "serve",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, proc)
            r = httpx.post(
                f"{base}/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            )
            r.raise_for_status()
            token = r.json()["access_token"]
            scenarios = {
                "baseline GET /auth/me": "/api/v1/auth/me",
                "list limit=20": "/api/v1/customers?limit=20",
                "list sort_by=name page=50": "/api/v1/customers?limit=20&sort_by=name&page=50",
                "search name 'summit'": "/api/v1/customers?limit=20&search=summit",
                "search rare 'ulders 42'": "/api/v1/customers?limit=20&search=ulders%2042",
            }
            print(
                f"\n{backend}, {args.rows} customers, {args.threads} client threads, "
                f"{args.workers} server worker(s)"
            )
            print(
                f"{'scenario':<28} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>6}"
            )
            for label, path in scenarios.items():
                m = measure(
                    base,
                    token,
                    path,
                    threads=args.threads,
                    requests=args.requests,
                    seconds=args.seconds,
                )
                print(
                    f"{label:<28} {m['n']:>8.0f} {m['p50']:>8.1f} {m['p99']:>8.1f} {m['rps']:>8.0f} {m['failures']:>6.0f}"
                )
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
