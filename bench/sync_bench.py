"""Sync throughput and latency against the real server (``crm-server serve`` in a subprocess).

    python bench/sync_bench.py                      # 10k customers on SQLite (quick)
    python bench/sync_bench.py --rows 100000        # the full run
    python bench/sync_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/bench

The PostgreSQL database must exist and be empty (the bench migrates it).
Customers are bulk-loaded straight into the table. Then, through the desktop's
own ``desktop.core`` SyncClient and Replica:

1. initial sync of an empty replica (rows/s): the desktop's real replica (every
   module's list table and search index open, as the app has them, and ready
   when the figure stops: the list counts every customer and the search finds
   one) and a bare replica (records only); next to two references measured in
   the same run: the raw floor (the same rows read from the server database,
   serialised to JSON, sent over a loopback socket and inserted into SQLite
   with executemany, one transaction per page, with the replica's pragmas) and
   PouchDB 9 replicating the same documents over HTTP from an express-pouchdb
   peer into an empty LevelDB database (bench/pouchdb_peer.py; installed with
   npm into --pouch-dir; skipped with a message when node is missing);
2. push throughput of ``--edits`` queued edits (mutations/s), next to the raw
   cost of the same UPDATEs measured in the same run: ``UPDATE customers SET
   notes = ?`` through executemany straight into the server database, one
   transaction per batch of the push's size;
3. edit-to-visible latency: replica A edits and pushes, replica B's run loop is
   woken by /api/v1/sync/events and pulls; time from the edit until B shows it.
   On PostgreSQL A and B talk to two different server processes (A to the
   first, B to a second ``crm-server serve`` on the same database), so the poke
   crosses processes; on SQLite both talk to the one process. The reference,
   measured right after with the same replicas and servers: the same edit and
   push by A, then B pulls at once, without waiting for any poke (the floor
   of any poke), next to a bare round trip (``GET /health`` on B's server).

Prints numbers, not pass/fail, each with the machine's load (1-minute average)
and the CPU seconds the bench and the server process used for it (on a shared
machine the wall time stretches with the load of others; CPU time much less).
Goals on a 2-core machine: the desktop replica's first sync >= 10x PouchDB and
within 1.5x of the floor; >= 2k mutations/s; edit-to-visible p99 <= 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_bench import free_port, load_customers, wait_ready  # noqa: E402
from pouchdb_peer import install as install_pouchdb  # noqa: E402
from pouchdb_peer import replicate as pouchdb_replicate  # noqa: E402

from common.ids import new_id  # noqa: E402
from desktop.core.client import PasswordTokenProvider, SyncClient  # noqa: E402
from desktop.core.kit.listing import ListQuery  # noqa: E402
from desktop.core.modules import MODULES, open_list  # noqa: E402
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


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


class Cpu:
    """CPU seconds the bench (client side) and the server process use between start and stop:
    on a shared machine, a figure that the load of others does not stretch."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.client0, self.server0 = time.process_time(), cpu_seconds(server_pid)

    def __str__(self) -> str:
        client = time.process_time() - self.client0
        server = cpu_seconds(self.server_pid) - self.server0
        return f"cpu {client + server:.2f} s = client {client:.2f} + server {server:.2f}"


def desktop_first_sync(client: SyncClient, rows: int) -> tuple[float, float]:
    """Seconds until the desktop's replica is usable: every record in, the list and search ready.

    The module lists are opened before the sync, as the app does (their side
    tables and triggers are in the file when the first page arrives).
    """
    lists = [open_list(m, client.replica) for m in MODULES]
    try:
        t0 = time.perf_counter()
        client.pull_until_done()
        pulled = time.perf_counter() - t0
        customers = next(x for x in lists if x.projection.entity == "customer")
        assert customers.count() == rows, (customers.count(), rows)
        last = customers.page(ListQuery(sort="name", descending=True), limit=1)[0]
        found = customers.page(ListQuery(text=str(last["name"])), limit=5)
        assert any(r.id == last.id for r in found), "the search index misses a synced row"
        return pulled, time.perf_counter() - t0
    finally:
        for x in lists:
            x.close()


def pouchdb_docs(replica: Replica) -> list[dict[str, Any]]:
    """The customers exactly as the replica received them, as PouchDB documents."""
    with replica._lock:
        rows = replica._conn.execute(
            "SELECT id, server_data FROM records WHERE entity = 'customer' ORDER BY id"
        ).fetchall()
    return [{**json.loads(data), "_id": id} for id, data in rows]


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


def _until_caught_up(a: SyncClient, b: SyncClient) -> None:
    deadline = time.monotonic() + 120
    while b.replica._get_meta("server_version") != a.replica._get_meta("server_version"):
        a.pull_until_done()
        if time.monotonic() > deadline:
            raise SystemExit("replica B did not catch up")
        time.sleep(0.2)


def _edit_until_visible(a: SyncClient, b: SyncClient, cid: str, value: str, *, pull: bool) -> float:
    """Seconds from A's edit of ``cid`` until B shows it (B pulls itself if ``pull``)."""
    t0 = time.perf_counter()
    a.replica.update(entity="customer", id=cid, changes={"notes": value})
    a.push_pending()
    if pull:
        b.pull_until_done()
    while (b.replica.get(entity="customer", id=cid) or {}).get("notes") != value:
        if time.perf_counter() - t0 > 30:
            raise SystemExit(f"edit {value!r} never reached replica B")
        time.sleep(0.001)
    return time.perf_counter() - t0


def latency(a: SyncClient, b: SyncClient, edits: int) -> tuple[list[float], list[float]]:
    """Seconds from A's edit until B (its run loop, woken by the poke) shows it; then the reference.

    The reference: the same edit and push, then B pulls at once (no poke to wait for).
    """
    ids = [c["id"] for c in a.replica.list(entity="customer")[:edits]]
    # Random pauses between edits: a fixed one could keep each edit at one phase of a periodic check.
    pause = random.Random(12)
    stop = threading.Event()
    loop = threading.Thread(target=b.run, args=(stop,), kwargs={"interval": 60}, daemon=True)
    loop.start()
    try:
        time.sleep(1.0)  # the listener connects; B catches up with the pushes before
        _until_caught_up(a, b)
        samples = []
        for i, cid in enumerate(ids):
            samples.append(_edit_until_visible(a, b, cid, f"latency {i}", pull=False))
            time.sleep(pause.uniform(0.05, 0.3))
    finally:
        stop.set()
        loop.join(10)
    _until_caught_up(a, b)
    reference = []
    for i, cid in enumerate(ids):
        reference.append(_edit_until_visible(a, b, cid, f"reference {i}", pull=True))
        time.sleep(pause.uniform(0.05, 0.3))
    return samples, reference


def round_trips(base: str, n: int) -> list[float]:
    """Seconds of ``n`` bare ``GET /health`` round trips on one kept-alive connection."""
    out = []
    with httpx.Client(base_url=base) as http:
        http.get("/health")
        for _ in range(n):
            t0 = time.perf_counter()
            http.get("/health").raise_for_status()
            out.append(time.perf_counter() - t0)
    return out


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000


def serve(env: dict[str, str], log: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``crm-server serve`` on a free port in a subprocess (its output to ``log``, if given)."""
    port = free_port()
    crm_server = Path(sys.executable).with_name("crm-server")
    out = log.open("wb") if log is not None else subprocess.DEVNULL
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
        stdout=out,
        stderr=subprocess.STDOUT if log is not None else None,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
    except BaseException:
        proc.terminate()
        raise
    return proc, base


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    ap.add_argument("--edits", type=int, default=10_000, help="queued edits to push")
    ap.add_argument("--latency-edits", type=int, default=50)
    ap.add_argument("--pull-limit", type=int, default=PAGE)
    ap.add_argument(
        "--first-sync-only", action="store_true", help="skip the push and latency figures"
    )
    ap.add_argument(
        "--pouch-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "crm-bench-pouchdb",
        help="where npm installs PouchDB and its peer (kept for later runs)",
    )
    ap.add_argument("--no-pouchdb", action="store_true", help="skip the PouchDB reference")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="crm-sync-bench-") as tmp_name:
        tmp = Path(tmp_name)
        url = args.database_url or f"sqlite:///{tmp / 'crm.db'}"
        backend = url.split(":", 1)[0].split("+", 1)[0]
        print(f"Loading {args.rows} customers into {backend} ...", flush=True)
        print(f"  loaded in {load_customers(url, args.rows):.1f} s", flush=True)

        env = {
            **os.environ,
            "CRM_DATA_DIR": str(tmp),
            "CRM_DATABASE_URL": url,
            "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "CRM_ADMIN_EMAIL": ADMIN_EMAIL,
        }
        proc, base = serve(env)
        procs = [proc]
        opened: list[SyncClient] = []
        try:
            print(f"  server pid {proc.pid}", flush=True)
            tokens = PasswordTokenProvider(base)
            tokens.login(ADMIN_EMAIL, ADMIN_PASSWORD)

            def client(name: str, server: str = base) -> SyncClient:
                c = SyncClient(
                    server, Replica(tmp / name), tokens, pull_limit=args.pull_limit, timeout=300
                )
                opened.append(c)
                return c

            print(f"\n{backend}, {args.rows} customers", flush=True)
            b = client("b.sqlite3")
            cpu = Cpu(proc.pid)
            t0 = time.perf_counter()
            pages = b.pull_until_done()
            sync_s = time.perf_counter() - t0
            bare_cpu = str(cpu)
            d = client("desktop.sqlite3")
            cpu = Cpu(proc.pid)
            pulled_s, desktop_s = desktop_first_sync(d, args.rows)
            desktop_rate = records(d.replica) / desktop_s
            print(
                f"first sync, desktop replica (lists + search ready) {records(d.replica):>8} records "
                f"in {desktop_s:6.2f} s = {desktop_rate:>9,.0f} rows/s (pulled in {pulled_s:.2f} s; "
                f"{cpu})  [{load()}]",
                flush=True,
            )
            total = records(b.replica)
            customers = len(b.replica.list(entity="customer"))
            assert customers == args.rows, (customers, args.rows)
            print(
                f"first sync, bare replica (records only)         {total:>8} records in {sync_s:6.2f} s "
                f"= {total / sync_s:>9,.0f} rows/s ({pages} pages of <= {args.pull_limit}; "
                f"{bare_cpu})  [{load()}]",
                flush=True,
            )
            floor_cpu = time.process_time()
            rows, floor_s = raw_floor(url, tmp / "floor.sqlite3")
            floor_cpu = time.process_time() - floor_cpu
            floor_rate = rows / floor_s
            print(
                f"reference: raw floor                            {rows:>8} customers in {floor_s:6.2f} s "
                f"= {floor_rate:>9,.0f} rows/s (cpu {floor_cpu:.2f} s)  [{load()}]\n"
                f"  -> desktop replica takes {desktop_rate and floor_rate / desktop_rate:.2f}x the floor's time "
                f"(goal <= 1.5x), bare replica {floor_rate / (total / sync_s):.2f}x",
                flush=True,
            )
            scratch = None if args.no_pouchdb else install_pouchdb(args.pouch_dir)
            if scratch is not None:
                docs = pouchdb_docs(d.replica)
                result = pouchdb_replicate(scratch, docs, batch_size=args.pull_limit)
                if result is not None:
                    pouch_rate = result["docs"] / result["seconds"]
                    print(
                        f"reference: PouchDB 9 replicate (HTTP, LevelDB)  {result['docs']:>8} documents "
                        f"in {result['seconds']:6.2f} s = {pouch_rate:>9,.0f} docs/s "
                        f"(cpu {result['cpu']:.2f} s)  [{load()}]\n"
                        f"  -> desktop replica is {desktop_rate / pouch_rate:.1f}x PouchDB (goal >= 10x)",
                        flush=True,
                    )
            d.replica.close()
            if args.first_sync_only:
                tokens.close()
                return

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

            if backend == "postgresql":
                # B listens to and pulls from a second server process: the poke crosses processes.
                second, base_b = serve(env)
                procs.append(second)
                b.close()
                b.replica.close()
                b = client("b.sqlite3", base_b)
                shape = "A on server process 1, B on process 2"
            else:
                base_b, shape = base, "A and B on the one server process"
            samples, reference = latency(a, b, args.latency_edits)
            bare = round_trips(base_b, args.latency_edits)
            load_avg = os.getloadavg()[0]
            print(
                f"edit-to-visible  {len(samples)} edits, {shape}, load {load_avg:.2f}", flush=True
            )
            p50, p99, top = percentiles(samples)
            r50, r99, rtop = percentiles(reference)
            h50, h99, _ = percentiles(bare)
            print(
                f"  poke (run loop) p50 {p50:6.0f} ms, p99 {p99:6.0f} ms, max {top:6.0f} ms\n"
                f"  reference: edit, push, pull at once (no poke) "
                f"p50 {r50:6.0f} ms, p99 {r99:6.0f} ms, max {rtop:6.0f} ms\n"
                f"  reference: bare GET /health round trip "
                f"p50 {h50:6.1f} ms, p99 {h99:6.1f} ms\n"
                f"  -> p99 is {p99 / r99:.1f}x the no-poke reference (p50 {p50 / r50:.1f}x)",
                flush=True,
            )
            tokens.close()
        finally:
            for c in opened:
                c.close()
                c.replica.close()
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=10)


if __name__ == "__main__":
    main()
