"""Sync throughput and latency against the real server (``crm-server serve`` in a subprocess).

    python bench/sync_bench.py                      # 10k customers on SQLite (quick)
    python bench/sync_bench.py --rows 100000        # the full run
    python bench/sync_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/bench

The PostgreSQL database must exist and be empty (the bench migrates it).
Customers are bulk-loaded straight into the table. Then, through the desktop's
own ``desktop.core`` SyncClient and Replica:

1. initial sync of an empty replica (rows/s), next to the raw floor measured in
   the same run: the same rows read from the server database, serialised to
   JSON, sent over a loopback socket and inserted into SQLite with executemany,
   one transaction per page, with the replica's pragmas;
2. push throughput of ``--edits`` queued edits (mutations/s), next to the raw
   cost of the same UPDATEs measured in the same run: ``UPDATE customers SET
   notes = ?`` through executemany straight into the server database, one
   transaction per batch of the push's size;
3. edit-to-visible latency: replica A edits and pushes, replica B's run loop is
   woken by /api/v1/sync/events and pulls; time from the edit until B shows it.

Prints numbers, not pass/fail. Goals on a 2-core machine: >= 50k rows/s and
within 2x of the floor; >= 2k mutations/s; p99 <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_bench import free_port, load_customers, wait_ready  # noqa: E402

from common.ids import new_id  # noqa: E402
from desktop.core.client import PasswordTokenProvider, SyncClient  # noqa: E402
from desktop.core.replica import Replica  # noqa: E402
from server.customers.models import Customer  # noqa: E402
from server.db import make_engine  # noqa: E402

ADMIN_EMAIL = "admin@skeleton.local"
ADMIN_PASSWORD = "bench-password-123"
PAGE = 2000  # the largest pull page the server serves
PUSH_BATCH = 500  # the largest batch the server takes


# ---------------------------------------------------------------- the raw floor


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value))


def _send_pages(sock: socket.socket, url: str) -> None:
    """Read customers page by page (keyset on id), JSON-encode, send length-prefixed."""
    engine = make_engine(url)
    table = Customer.__table__
    after = ""
    with engine.connect() as conn:
        while True:
            rows = conn.execute(
                sa.select(table).where(table.c.id > after).order_by(table.c.id).limit(PAGE)
            ).mappings()
            page = [dict(r) for r in rows]
            body = json.dumps(page, default=_default, separators=(",", ":")).encode()
            sock.sendall(struct.pack("!I", len(body)) + body)
            if len(page) < PAGE:
                break
            after = page[-1]["id"]
    sock.sendall(struct.pack("!I", 0))
    engine.dispose()


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise ConnectionError("sender went away")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def raw_floor(url: str, path: Path) -> tuple[int, float]:
    """Rows and seconds: database -> JSON -> loopback TCP -> executemany into SQLite."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE records (entity TEXT, id TEXT, version INTEGER, server_data TEXT, "
        "local_data TEXT, dirty INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (entity, id))"
    )
    start = time.perf_counter()

    def serve() -> None:
        peer, _ = listener.accept()
        with peer:
            _send_pages(peer, url)

    sender = threading.Thread(target=serve, daemon=True)
    sender.start()
    rows = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        while True:
            (size,) = struct.unpack("!I", _recv_exact(sock, 4))
            if size == 0:
                break
            page = json.loads(_recv_exact(sock, size))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO records (entity, id, version, server_data, local_data) "
                "VALUES ('customer', ?, ?, ?, ?)",
                [(r["id"], r["version"], json.dumps(r), json.dumps(r)) for r in page],
            )
            conn.execute("COMMIT")
            rows += len(page)
    elapsed = time.perf_counter() - start
    sender.join()
    listener.close()
    conn.close()
    return rows, elapsed


def push_floor(url: str, edits: list[tuple[str, str]], batch: int) -> float:
    """Seconds for the same note edits as plain UPDATEs: executemany, one transaction per batch."""
    engine = make_engine(url)
    table = Customer.__table__
    stmt = sa.update(table).where(table.c.id == sa.bindparam("cid")).values(notes=sa.bindparam("n"))
    start = time.perf_counter()
    for i in range(0, len(edits), batch):
        with engine.begin() as conn:
            conn.execute(stmt, [{"cid": cid, "n": n} for cid, n in edits[i : i + batch]])
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (Linux /proc; 0 elsewhere): work, whatever the load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the replicas


def records(replica: Replica) -> int:
    with replica._lock:
        return int(replica._conn.execute("SELECT count(*) FROM records").fetchone()[0])


def copy_replica(source: Path, target: Path) -> None:
    """Another desktop with the same data (a copy of a synced file, with its own client id)."""
    shutil.copyfile(source, target)
    conn = sqlite3.connect(target)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'client_id'", (new_id(),))
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'next_mutation_id'")
    conn.close()


def queue_edits(replica: Replica, ids: list[str], n: int, label: str) -> None:
    """``n`` note edits in the outbox (without fsync per edit: only the push is measured)."""
    replica._conn.execute("PRAGMA synchronous=OFF")
    for i in range(n):
        replica.update(entity="customer", id=ids[i % len(ids)], changes={"notes": f"{label} {i}"})
    replica._conn.execute("PRAGMA synchronous=FULL")


def latency(a: SyncClient, b: SyncClient, edits: int) -> list[float]:
    """Seconds from A's edit until B (its run loop, woken by the poke) shows it."""
    stop = threading.Event()
    loop = threading.Thread(target=b.run, args=(stop,), kwargs={"interval": 60}, daemon=True)
    loop.start()
    try:
        ids = [c["id"] for c in a.replica.list(entity="customer")[:edits]]
        time.sleep(1.0)  # the listener connects; B catches up with the pushes before
        deadline = time.monotonic() + 120
        while b.replica._get_meta("server_version") != a.replica._get_meta("server_version"):
            a.pull_until_done()
            if time.monotonic() > deadline:
                raise SystemExit("replica B did not catch up")
            time.sleep(0.2)
        samples: list[float] = []
        for i, cid in enumerate(ids):
            value = f"latency {i}"
            t0 = time.perf_counter()
            a.replica.update(entity="customer", id=cid, changes={"notes": value})
            a.push_pending()
            while (b.replica.get(entity="customer", id=cid) or {}).get("notes") != value:
                if time.perf_counter() - t0 > 30:
                    raise SystemExit(f"edit {i} never reached replica B")
                time.sleep(0.001)
            samples.append(time.perf_counter() - t0)
            time.sleep(0.05)
        return samples
    finally:
        stop.set()
        loop.join(10)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    ap.add_argument("--edits", type=int, default=10_000, help="queued edits to push")
    ap.add_argument("--latency-edits", type=int, default=50)
    ap.add_argument("--pull-limit", type=int, default=PAGE)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="crm-sync-bench-") as tmp_name:
        tmp = Path(tmp_name)
        url = args.database_url or f"sqlite:///{tmp / 'crm.db'}"
        backend = url.split(":", 1)[0].split("+", 1)[0]
        print(f"Loading {args.rows} customers into {backend} ...", flush=True)
        print(f"  loaded in {load_customers(url, args.rows):.1f} s", flush=True)

        port = free_port()
        env = {
            **os.environ,
            "CRM_DATA_DIR": str(tmp),
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
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        opened: list[SyncClient] = []
        try:
            wait_ready(base, proc)
            print(f"  server pid {proc.pid}", flush=True)
            tokens = PasswordTokenProvider(base)
            tokens.login(ADMIN_EMAIL, ADMIN_PASSWORD)

            def client(name: str) -> SyncClient:
                c = SyncClient(
                    base, Replica(tmp / name), tokens, pull_limit=args.pull_limit, timeout=300
                )
                opened.append(c)
                return c

            print(f"\n{backend}, {args.rows} customers", flush=True)
            b = client("b.sqlite3")
            t0 = time.perf_counter()
            pages = b.pull_until_done()
            sync_s = time.perf_counter() - t0
            total = records(b.replica)
            customers = len(b.replica.list(entity="customer"))
            assert customers == args.rows, (customers, args.rows)
            print(
                f"initial sync     {total:>8} records in {sync_s:6.2f} s = {total / sync_s:>9,.0f} rows/s "
                f"({pages} pages of <= {args.pull_limit})",
                flush=True,
            )
            rows, floor_s = raw_floor(url, tmp / "floor.sqlite3")
            print(
                f"raw floor        {rows:>8} customers in {floor_s:6.2f} s = {rows / floor_s:>9,.0f} rows/s "
                f"-> initial sync is {(total / sync_s) and (rows / floor_s) / (total / sync_s):.1f}x the floor",
                flush=True,
            )

            b.replica.close()
            copy_replica(tmp / "b.sqlite3", tmp / "a.sqlite3")
            b = client("b.sqlite3")
            a = client("a.sqlite3")
            ids = [c["id"] for c in a.replica.list(entity="customer")]
            queue_edits(a.replica, ids, args.edits, "bench edit")
            t0, cpu0, own0 = time.perf_counter(), cpu_seconds(proc.pid), time.process_time()
            pushed = a.push_pending(batch_size=PUSH_BATCH)
            push_s = time.perf_counter() - t0
            server_cpu, client_cpu = cpu_seconds(proc.pid) - cpu0, time.process_time() - own0
            print(
                f"push             {pushed:>8} mutations in {push_s:6.2f} s = {pushed / push_s:>9,.0f} mutations/s "
                f"(CPU per mutation: server {server_cpu / pushed * 1e6:.0f} us, "
                f"client {client_cpu / pushed * 1e6:.0f} us)",
                flush=True,
            )
            edits = [(ids[i % len(ids)], f"floor edit {i}") for i in range(args.edits)]
            floor_s = push_floor(url, edits, PUSH_BATCH)
            print(
                f"raw UPDATEs      {len(edits):>8} rows      in {floor_s:6.2f} s = {len(edits) / floor_s:>9,.0f} rows/s "
                f"-> push is {(len(edits) / floor_s) / (pushed / push_s):.1f}x slower than the floor",
                flush=True,
            )
            t0 = time.perf_counter()
            b.pull_until_done()
            print(
                f"  (replica B pulled those {pushed} edits in {time.perf_counter() - t0:.2f} s)",
                flush=True,
            )

            samples = sorted(latency(a, b, args.latency_edits))
            p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
            print(
                f"edit-to-visible  {len(samples):>8} edits: p50 {statistics.median(samples) * 1000:6.0f} ms, "
                f"p99 {p99 * 1000:6.0f} ms, max {samples[-1] * 1000:6.0f} ms",
                flush=True,
            )
            tokens.close()
        finally:
            for c in opened:
                c.close()
                c.replica.close()
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
