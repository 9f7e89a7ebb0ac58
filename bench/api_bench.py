"""The customer list API next to a bare endpoint serving the same JSON, measured in the same run.

    python bench/api_bench.py                        # 10k customers on SQLite (quick)
    python bench/api_bench.py --pg                   # 10k on a throwaway PostgreSQL (scripts/pg.sh)
    python bench/api_bench.py --pg --full            # 1M customers: the issue-12 figure
    python bench/api_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/bench

A ``--database-url`` database must exist (the bench migrates it); customers
already in it are measured as they are (load 1M once, measure many times).
Customers are bulk-loaded straight into the table (COPY on PostgreSQL,
executemany on SQLite), then the real server (``crm-server serve``) and a bare
FastAPI app (one route returning the very bytes the server answered, through
the same uvicorn options: ``server.serving.uvicorn_options``, same worker count)
take turns under the same load: ``--connections`` kept-alive connections
(default 32) for ``--seconds`` each, with 1 and 2 uvicorn workers. Each line
prints requests/s, p50 and p99 of both and the ratio, and the load average of
the machine (``uptime``) at the time, since the 2 cores are shared, and the
server's CPU milliseconds per request (all its processes, from /proc), a figure
the neighbours' load moves much less than requests/s.

The load comes from wrk (installed with apt-get when missing and possible);
without it, from a Python asyncio generator (httpx), which costs more CPU on
the same cores: the line says which one ran. Prints numbers, not pass/fail.
Goal (issue 12): p99 <= 20 ms and at least half of the bare endpoint's requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
LIST = "/api/v1/customers?limit=20"
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
]
COLUMNS = [
    "id",
    "name",
    "email",
    "phone",
    "phone_display",
    "company",
    "credit_limit",
    "total_purchases",
    "currency",
    "active",
    "created_at",
    "updated_at",
    "version",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants (uvicorn's workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, cpu seconds)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, total = {pid}, 0.0
    changed = True
    while changed:
        changed = False
        for child, (parent, _) in stats.items():
            if parent in tree and child not in tree:
                tree.add(child)
                changed = True
    for member in tree:
        total += stats.get(member, (0, 0.0))[1]
    return total


def _rows(count: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(7)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(count):
        company = f"{rng.choice(WORDS)} {rng.choice(TRADES)} {n}"
        created = base + timedelta(minutes=n)
        yield (
            new_id(),
            company,
            f"contact{n}@{company.split()[0].lower()}.example",
            f"+1555{n:07d}",
            f"+1 555{n:07d}",
            company,
            rng.randrange(0, 10_000_000, 100),
            rng.randrange(0, 5_000_000),
            rng.choice(["USD", "EUR", "UAH", "GBP"]),
            rng.random() > 0.1,
            created,
            created,
            0,
        )


def load_customers(url: str, rows: int) -> int:
    """Migrate and bulk-insert ``rows`` customers (none if some are there); return how many there are."""
    engine = make_engine(url)
    start = time.perf_counter()
    upgrade(engine)
    with engine.connect() as conn:
        there = conn.scalar(sa.select(sa.func.count()).select_from(Customer.__table__))
    if there:
        print(f"  {there:,} customers are already there: measuring those", flush=True)
        engine.dispose()
        return int(there)
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy(f"COPY customers ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in _rows(rows):
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE customers")
    else:
        table = Customer.__table__
        with engine.begin() as conn:
            batch: list[dict[str, Any]] = []
            for row in _rows(rows):
                batch.append(dict(zip(COLUMNS, row, strict=True)))
                if len(batch) == 5000:
                    conn.execute(sa.insert(table), batch)
                    batch.clear()
            if batch:
                conn.execute(sa.insert(table), batch)
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"  loaded in {time.perf_counter() - start:.1f} s", flush=True)
    return rows


# ------------------------------------------------------------------ the bare reference endpoint


def bare_app() -> Any:
    """A FastAPI app with one route answering the bytes in ``$BENCH_BARE_BODY``."""
    from fastapi import FastAPI, Response

    body = Path(os.environ["BENCH_BARE_BODY"]).read_bytes()
    app = FastAPI()

    @app.get("/api/v1/customers")
    def customers() -> Response:
        return Response(body, media_type="application/json")

    return app


def serve_bare(port: int, workers: int) -> None:
    import uvicorn

    from server.serving import uvicorn_options

    uvicorn.run(
        "bench.api_bench:bare_app",
        **uvicorn_options(
            factory=True,
            host="127.0.0.1",
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            # The supervisor's patience, not how requests are served: at a load average
            # of ~20 a worker can miss the default 5 s ping while starting, and flap.
            timeout_worker_healthcheck=60,
        ),
    )


# ------------------------------------------------------------------ processes


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


@contextmanager
def process(args: list[str], env: dict[str, str], probe: str) -> Iterator[int]:
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        wait_ready(probe, proc)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL cluster from scripts/pg.sh with an empty ``bench`` database."""
    pgdir = tempfile.mkdtemp(prefix="crm-bench-pg-")
    url = subprocess.run(
        [str(ROOT / "scripts" / "pg.sh"), "start", pgdir, str(free_port())],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE bench")
        engine.dispose()
        yield url.rsplit("/", 1)[0] + "/bench"
    finally:
        subprocess.run([str(ROOT / "scripts" / "pg.sh"), "stop", pgdir], check=False)
        shutil.rmtree(pgdir, ignore_errors=True)


# ------------------------------------------------------------------ load


@dataclass
class Result:
    rps: float
    p50: float  # ms
    p99: float
    errors: int
    load: str
    cpu_ms: float = float("nan")  # server CPU (all its processes) per answered request


def have_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
            check=False,
        )
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        return float("nan")  # wrk had no answers to measure
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(url: str, token: str, connections: int, seconds: float) -> Result:
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds:.0f}s",
            "--timeout",
            "10s",  # a slow answer is measured, not dropped as a socket timeout
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    load = load_average()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, errs.groups())) if errs else 0)
    return Result(rps, p50, p99, errors, load)


def run_python(url: str, token: str, connections: int, seconds: float) -> Result:
    async def main() -> tuple[list[float], int, float]:
        latencies: list[float] = []
        errors = 0
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
        ) as client:
            stop = time.perf_counter() + seconds

            async def one() -> None:
                nonlocal errors
                while time.perf_counter() < stop:
                    t0 = time.perf_counter()
                    r = await client.get(url)
                    latencies.append(time.perf_counter() - t0)
                    errors += r.status_code != 200

            start = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(connections)))
            return latencies, errors, time.perf_counter() - start

    latencies, errors, wall = asyncio.run(main())
    latencies.sort()
    return Result(
        len(latencies) / wall,
        statistics.median(latencies) * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
        errors,
        load_average(),
    )


def measured(load: Any, pid: int, url: str, token: str, args: argparse.Namespace) -> Result:
    """One timed load against the server ``pid``, with its CPU seconds per answered request.

    On a shared machine requests/s moves with the neighbours' load; the CPU one
    request costs the server moves much less.
    """
    before = cpu_seconds(pid)
    result: Result = load(url, token, args.connections, args.seconds)
    spent = cpu_seconds(pid) - before
    result.cpu_ms = spent * 1000 / max(1.0, result.rps * args.seconds)
    return result


# ------------------------------------------------------------------ main


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=10_000, help="customers (default 10k)")
    ap.add_argument("--full", action="store_true", help="1,000,000 customers (the issue's size)")
    ap.add_argument("--pg", action="store_true", help="a throwaway PostgreSQL (scripts/pg.sh)")
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10, help="per measurement")
    ap.add_argument("--workers", default="1,2", help="uvicorn worker counts to measure")
    ap.add_argument("--path", default=LIST, help=f"the list request (default {LIST})")
    ap.add_argument("--python-load", action="store_true", help="the httpx generator, not wrk")
    ap.add_argument("--serve-bare", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_bare is not None:
        serve_bare(args.serve_bare, int(os.environ["BENCH_WORKERS"]))
        return
    rows = 1_000_000 if args.full else args.rows
    use_wrk = not args.python_load and have_wrk()
    load = run_wrk if use_wrk else run_python
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp, _database(args, tmp) as url:
        backend = url.split(":", 1)[0].split("+", 1)[0]
        print(f"Loading {rows:,} customers into {backend} ...", flush=True)
        rows = load_customers(url, rows)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CRM_DATA_DIR": tmp,
            "CRM_DATABASE_URL": url,
            "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "CRM_ADMIN_EMAIL": ADMIN_EMAIL,
            "CRM_USER_RATE_LIMIT": "1000000000/minute",
        }
        crm_server = str(Path(sys.executable).with_name("crm-server"))
        body = Path(tmp) / "body.json"
        print(
            f"\n{backend}, {rows:,} customers, GET {args.path}, {args.connections} connections, "
            f"{args.seconds:.0f} s each, load from {'wrk' if use_wrk else 'python/httpx'}"
        )
        head = (
            f"{'workers':>7} {'endpoint':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>6} {'cpu ms/req':>10}  load (1/5/15 min)"
        )
        print(head)
        for workers in (int(w) for w in args.workers.split(",")):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            serve = [crm_server, "serve", "--port", str(port), "--no-access-log"]
            serve += ["--log-level", "warning", "--workers", str(workers)]
            with process(serve, env, f"{base}/health") as pid:
                r = httpx.post(
                    f"{base}/api/v1/auth/login",
                    json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                )
                r.raise_for_status()
                token = r.json()["access_token"]
                page = httpx.get(base + args.path, headers={"Authorization": f"Bearer {token}"})
                page.raise_for_status()
                body.write_bytes(page.content)
                load(base + args.path, token, args.connections, 2)  # warm every worker
                crm = measured(load, pid, base + args.path, token, args)
            bare_port = free_port()
            bare_env = {**env, "BENCH_BARE_BODY": str(body), "BENCH_WORKERS": str(workers)}
            bare_cmd = [sys.executable, str(Path(__file__)), "--serve-bare", str(bare_port)]
            bare_base = f"http://127.0.0.1:{bare_port}"
            with process(bare_cmd, bare_env, f"{bare_base}/api/v1/customers") as pid:
                load(bare_base + args.path, token, args.connections, 2)
                bare = measured(load, pid, bare_base + args.path, token, args)
            for label, m in (("crm", crm), ("bare", bare)):
                print(
                    f"{workers:>7} {label:<9} {m.rps:>8.0f} {m.p50:>8.1f} {m.p99:>8.1f} "
                    f"{m.errors:>6} {m.cpu_ms:>10.2f}  {m.load}"
                )
            print(
                f"{workers:>7} {'ratio':<9} {crm.rps / bare.rps:>8.2f} {'':>17} {'':>6} "
                f"{bare.cpu_ms / crm.cpu_ms:>10.2f}  "
                f"({len(page.content):,} bytes a page; goal: ratio >= 0.5, crm p99 <= 20 ms)",
                flush=True,
            )


@contextmanager
def _database(args: argparse.Namespace, tmp: str) -> Iterator[str]:
    if args.database_url:
        yield args.database_url
    elif args.pg:
        with throwaway_postgres() as url:
            yield url
    else:
        yield f"sqlite:///{Path(tmp) / 'crm.db'}"


if __name__ == "__main__":
    main()
