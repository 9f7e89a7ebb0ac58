"""Soak: many desktops and integrations against two server processes on one PostgreSQL.

    python bench/soak.py                                   # 2 minutes, 40 desktops (quick)
    python bench/soak.py --desktops 200 --minutes 10       # the full run
    python bench/soak.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/soak

Without ``--database-url`` it starts a throwaway PostgreSQL (``scripts/pg.sh``);
a database given must exist and be empty (the soak migrates it). Two
``crm-server serve`` processes run on it; desktop ``i`` and integration thread
``i`` talk to process ``i % 2``.

- Desktops: the real ``desktop.core`` ``SyncClient`` and ``Replica``, each with
  its own replica file, its run loop (pokes from /api/v1/sync/events, a local
  edit, a timer) on a thread of this process; ten desktops per user. Edits, on
  average one per ``--edit-every`` seconds per desktop: create a customer, change
  the notes or name of one it created, delete one it created, or change the notes
  of one of the shared customers every desktop and the REST integration edit.
- Integrations (``--api-threads``, ``--api-rate`` requests/s in all): the REST
  API with an API key (customers: create, change notes of its own and of shared
  ones, read one, list a page) and the Micro CRM API with another key (clients:
  create, list; deals: create, rename, list).

Rate limits are raised for the servers it starts: it measures the server, not the limiter.
After ``--minutes`` the load stops and everything drains (every outbox pushed,
every replica pulled). Then it checks:

- every replica equals the server: its records equal a fresh snapshot pulled by
  the same user, and nothing is pending or shown differently from the server row;
- no acknowledged edit is lost: every edit a desktop made (its outbox is empty,
  so the server acknowledged it) and every write an integration got a 2xx for is
  in the audit log as made, each record has the last value its only writer gave
  it (records created by one desktop or integration), and deleted records are gone.

Prints requests/s, p50/p99 per endpoint (time to the whole response; the event
stream: time to its headers), errors (goal 0) and lost writes (goal 0).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sync_bench import serve  # noqa: E402

from desktop.core.client import Offline, PasswordTokenProvider, SyncClient, SyncStatus  # noqa: E402
from desktop.core.replica import Replica  # noqa: E402

ADMIN_EMAIL = "admin@skeleton.local"
ADMIN_PASSWORD = "soak-admin-password-1"
USER_PASSWORD = "soak-user-password-1"
DESKTOPS_PER_USER = 10
SHARED = 30  # customers every desktop and the REST integration edit
UNLIMITED = {
    "CRM_API_KEY_RATE_LIMIT": "100000000",
    "CRM_USER_RATE_LIMIT": "100000000/minute",
    "CRM_LOGIN_LIMIT_PER_EMAIL": "100000/minute",
    "CRM_LOGIN_LIMIT_PER_ADDRESS": "100000/minute",
    "CRM_LOGIN_LIMIT_PER_ADDRESS_EMAIL": "100000/minute",
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# ---------------------------------------------------------------- measurements


@dataclass
class Stats:
    """Every request: its endpoint, how long it took, and whether it was an error."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    recording: bool = False  # only the load phase counts for requests/s and latencies

    def record(self, label: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            if self.recording:
                self.times[label].append(seconds)
            if error is not None:
                self.errors[label].append(error)

    def error(self, label: str, what: str) -> None:
        """An error outside any one request (the sync loop's report, a refused local edit)."""
        with self.lock:
            self.errors[label].append(what)


def endpoint(request: httpx.Request) -> str:
    return f"{request.method} {UUID.sub('{id}', request.url.path)}"


def is_error(label: str, status: int) -> bool:
    # A 401 is how an access token runs out: the client refreshes and goes on.
    return status >= 500 or (status >= 400 and not (status == 401 and "/sync/" in label))


class _TimedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, done: Callable[[], None]) -> None:
        self._inner, self._done = inner, done

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._done()


class TimedTransport(httpx.BaseTransport):
    """Times every request through it (to the end of its body; an event stream to its headers)."""

    def __init__(self, stats: Stats) -> None:
        self._inner = httpx.HTTPTransport()
        self._stats = stats

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        label = endpoint(request)
        t0 = time.perf_counter()
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as exc:
            self._stats.record(label, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
            raise
        status = response.status_code
        error = f"HTTP {status}" if is_error(label, status) else None
        if label.endswith("/sync/events"):
            self._stats.record(label, time.perf_counter() - t0, error)
            return response
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            status,
            headers=response.headers,
            stream=_TimedStream(
                response.stream,
                lambda: self._stats.record(label, time.perf_counter() - t0, error),
            ),
            extensions=response.extensions,
        )

    def close(self) -> None:
        """Kept open: a client's event listener and its requests share it (see ``shutdown``)."""

    def shutdown(self) -> None:
        self._inner.close()


# ---------------------------------------------------------------- what was written


@dataclass(frozen=True)
class Write:
    """One acknowledged change of one field: it must be in the audit log."""

    entity: str
    id: str
    field: str
    value: Any
    by: str


@dataclass
class Ledger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    writes: list[Write] = field(default_factory=list)
    # Records with a single writer: their expected final fields (None: deleted).
    owned: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)

    def created(self, entity: str, id: str, fields: dict[str, Any]) -> None:
        with self.lock:
            self.owned[(entity, id)] = dict(fields)

    def changed(self, entity: str, id: str, fld: str, value: Any, by: str) -> None:
        with self.lock:
            self.writes.append(Write(entity, id, fld, value, by))
            current = self.owned.get((entity, id))
            if current is not None:
                current[fld] = value

    def deleted(self, entity: str, id: str) -> None:
        with self.lock:
            self.owned[(entity, id)] = None


# ---------------------------------------------------------------- desktops


@dataclass
class Desktop:
    name: str
    client: SyncClient
    transport: TimedTransport
    user: int
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    mine: list[str] = field(default_factory=list)  # customers it created and has not deleted
    edits: list[tuple[str, str, str, Any]] = field(default_factory=list)  # entity, id, field, value
    creates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, stats: Stats) -> None:
        def on_status(status: SyncStatus) -> None:
            if status.error:
                stats.error(
                    f"desktop sync loop ({'online' if status.online else 'offline'})", status.error
                )

        self.client.on_status = on_status
        self.thread = threading.Thread(
            target=self.client.run,
            args=(self.stop,),
            kwargs={"interval": 30.0},
            name=f"soak-{self.name}",
            daemon=True,
        )
        self.thread.start()

    def edit(self, rng: random.Random, shared: list[str], seq: int) -> None:
        """One edit a user could make, then the loop is woken as the UI does after an edit."""
        replica = self.client.replica
        roll = rng.random()
        with self.lock:
            if roll < 0.25 or not self.mine:
                fields = {
                    "name": f"Soak {self.name} {seq}",
                    "email": f"{self.name}.{seq}@soak.example",
                    "notes": f"created by {self.name}",
                }
                cid = replica.create(entity="customer", data=fields)
                self.mine.append(cid)
                self.creates.append((cid, fields))
            elif roll < 0.35 and len(self.mine) > 1:
                cid = self.mine.pop(rng.randrange(len(self.mine)))
                replica.delete(entity="customer", id=cid)
                self.deletes.append(cid)
            elif roll < 0.75:
                cid = rng.choice(self.mine)
                fld = rng.choice(["notes", "name"])
                value = f"{fld} {self.name} {seq}"
                replica.update(entity="customer", id=cid, changes={fld: value})
                self.edits.append(("customer", cid, fld, value))
            else:
                cid = rng.choice(shared)
                value = f"shared {self.name} {seq}"
                replica.update(entity="customer", id=cid, changes={"notes": value})
                self.edits.append(("customer", cid, "notes", value))
        self.client.wake()


# ---------------------------------------------------------------- integrations


class Integration:
    """REST and Micro CRM calls with API keys, each write noted once it is acknowledged (2xx)."""

    def __init__(
        self,
        name: str,
        base: str,
        rest_key: str,
        micro_key: str,
        stats: Stats,
        ledger: Ledger,
        shared: list[str],
    ) -> None:
        self.name = name
        self.transport = TimedTransport(stats)
        self.rest = httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {rest_key}"},
            transport=self.transport,
            timeout=60,
        )
        self.micro = httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {micro_key}"},
            transport=self.transport,
            timeout=60,
        )
        self.stats, self.ledger, self.shared = stats, ledger, shared
        self.customers: list[str] = []
        self.clients: list[str] = []
        self.deals: list[str] = []
        self.seq = itertools.count(1)

    def _ok(self, r: httpx.Response) -> dict[str, Any] | None:
        if r.status_code // 100 != 2:
            return None  # already counted as an error by the transport
        body = r.json()
        return body.get("data", body) if isinstance(body, dict) else {"items": body}

    def step(self, rng: random.Random) -> None:
        n = next(self.seq)
        roll = rng.random()
        if roll < 0.12 or not self.customers:
            fields = {
                "name": f"Rest {self.name} {n}",
                "email": f"rest.{self.name}.{n}@soak.example",
                "notes": "rest",
            }
            body = self._ok(self.rest.post("/api/v1/customers", json=fields))
            if body:
                self.customers.append(body["id"])
                self.ledger.created("customer", body["id"], fields)
        elif roll < 0.24:
            cid = rng.choice(self.customers)
            value = f"rest {self.name} {n}"
            if self._ok(self.rest.put(f"/api/v1/customers/{cid}", json={"notes": value})):
                self.ledger.changed("customer", cid, "notes", value, self.name)
        elif roll < 0.32:
            cid = rng.choice(self.shared)
            value = f"shared rest {self.name} {n}"
            if self._ok(self.rest.put(f"/api/v1/customers/{cid}", json={"notes": value})):
                self.ledger.changed("customer", cid, "notes", value, self.name)
        elif roll < 0.42:
            self._ok(self.rest.get(f"/api/v1/customers/{rng.choice(self.customers)}"))
        elif roll < 0.55:
            self._ok(self.rest.get("/api/v1/customers", params={"limit": 20}))
        elif roll < 0.65 or not self.clients:
            fields = {
                "name": f"Micro {self.name} {n}",
                "email": f"micro.{self.name}.{n}@soak.example",
                "phone": "+1 212 555 0456",
                "company": "Soak Corp",
                "notes": "micro",
            }
            body = self._ok(self.micro.post("/api/v1/clients", json=fields))
            if body:
                self.clients.append(body["id"])
                self.ledger.created(
                    "customer", body["id"], {"name": fields["name"], "notes": "micro"}
                )
        elif roll < 0.73:
            self._ok(self.micro.get("/api/v1/clients", params={"limit": 20}))
        elif roll < 0.81 or not self.deals:
            title = f"Deal {self.name} {n}"
            body = self._ok(
                self.micro.post(
                    "/api/v1/deals",
                    json={"title": title, "clientId": rng.choice(self.clients), "value": 1500},
                )
            )
            if body:
                self.deals.append(body["id"])
                self.ledger.created("deal", body["id"], {"title": title})
        elif roll < 0.90:
            did = rng.choice(self.deals)
            title = f"Renamed {self.name} {n}"
            if self._ok(self.micro.patch(f"/api/v1/deals/{did}", json={"title": title})):
                self.ledger.changed("deal", did, "title", title, self.name)
        else:
            self._ok(self.micro.get("/api/v1/deals", params={"limit": 20}))

    def close(self) -> None:
        self.rest.close()
        self.micro.close()
        self.transport.shutdown()


# ---------------------------------------------------------------- setup


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[str]:
    """The database to soak: the one given, or a new one in a throwaway cluster."""
    if url:
        yield url
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Its own directory under /tmp: the cluster runs as the postgres user, which cannot
    # enter this run's private temporary directory.
    pgdir = Path(tempfile.mkdtemp(prefix="crm-soak-pg-"))
    out = subprocess.run(
        [str(ROOT / "scripts" / "pg.sh"), "start", str(pgdir), str(port)],
        check=True,
        capture_output=True,
        text=True,
    )
    server = out.stdout.strip().splitlines()[-1]
    try:
        engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE soak")
        engine.dispose()
        yield server.rsplit("/", 1)[0] + "/soak"
    finally:
        subprocess.run([str(ROOT / "scripts" / "pg.sh"), "stop", str(pgdir)], check=False)


def admin_call(base: str, token: str, method: str, path: str, **kw: Any) -> Any:
    r = httpx.request(
        method, base + path, headers={"Authorization": f"Bearer {token}"}, timeout=60, **kw
    )
    if r.status_code // 100 != 2:
        raise SystemExit(f"setup: {method} {path} -> {r.status_code} {r.text}")
    return r.json()


def setup(base: str, users: int) -> tuple[str, str, str, list[str]]:
    """Users with the admin role, two API keys, the shared customers; returns keys and ids."""
    token = httpx.post(
        base + "/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        timeout=60,
    ).json()["access_token"]
    roles = admin_call(base, token, "GET", "/api/v1/roles")["data"]
    role = next(r["id"] for r in roles if r["name"] == "admin")
    for u in range(users):
        body = httpx.post(
            base + "/api/v1/auth/register",
            json={
                "email": f"user{u}@soak.example",
                "password": USER_PASSWORD,
                "name": f"Soak user {u}",
            },
            timeout=60,
        ).json()
        admin_call(
            base, token, "POST", f"/api/v1/users/{body['user']['id']}/roles", json={"role_id": role}
        )
    rest = admin_call(
        base,
        token,
        "POST",
        "/api/v1/api-keys",
        json={"name": "soak REST", "permissions": ["customers:read", "customers:write"]},
    )["key"]
    micro = admin_call(
        base,
        token,
        "POST",
        "/api/v1/api-keys",
        json={
            "name": "soak Micro CRM",
            "permissions": ["clients:read", "clients:write", "deals:read", "deals:write"],
        },
    )["key"]
    shared = [
        admin_call(
            base,
            token,
            "POST",
            "/api/v1/customers",
            json={"name": f"Shared {i}", "email": f"shared{i}@soak.example", "notes": "shared"},
        )["id"]
        for i in range(SHARED)
    ]
    return token, rest, micro, shared


# ---------------------------------------------------------------- checks


def replica_rows(replica: Replica) -> dict[tuple[str, str], tuple[int | None, Any, Any, int]]:
    with replica._lock:
        rows = replica._conn.execute(
            "SELECT entity, id, version, server_data, local_data, dirty FROM records"
        ).fetchall()
    return {
        (e, i): (v, json.loads(s) if s else None, json.loads(ld) if ld else None, d)
        for e, i, v, s, ld, d in rows
    }


def check_replicas(desktops: list[Desktop], references: dict[int, Replica]) -> list[str]:
    problems: list[str] = []
    for d in desktops:
        mine = replica_rows(d.client.replica)
        truth = {k: (v[0], v[1]) for k, v in replica_rows(references[d.user]).items()}
        pending = d.client.replica.pending_count()
        if pending:
            problems.append(f"{d.name}: {pending} edit(s) still pending")
        got = {k: (v[0], v[1]) for k, v in mine.items()}
        for key in truth.keys() - got.keys():
            problems.append(f"{d.name}: missing {key}")
        for key in got.keys() - truth.keys():
            problems.append(f"{d.name}: has {key} the server does not")
        for key in truth.keys() & got.keys():
            if truth[key] != got[key]:
                problems.append(f"{d.name}: {key} differs: {got[key]} != server {truth[key]}")
            elif mine[key][2] != mine[key][1] or mine[key][3]:
                problems.append(f"{d.name}: {key} shows a local value over the server's")
    return problems


def check_writes(url: str, ledger: Ledger) -> tuple[int, list[str]]:
    """Acknowledged writes missing from the audit log or from the final rows."""
    engine = sa.create_engine(url)
    audited: set[tuple[str, str, str]] = set()
    with engine.connect() as conn:
        for entity_id, changes in conn.execute(
            sa.text("SELECT entity_id, changes FROM audit_log WHERE entity IN ('customer', 'deal')")
        ):
            data = changes if isinstance(changes, dict) else json.loads(changes)
            for name, pair in data.items():
                if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str):
                    audited.add((entity_id, name, pair[1]))
        customers = {
            r.id: {"name": r.name, "notes": r.notes}
            for r in conn.execute(sa.text("SELECT id, name, notes FROM customers"))
        }
        deals = {
            r.id: {"title": r.title} for r in conn.execute(sa.text("SELECT id, title FROM deals"))
        }
    engine.dispose()
    problems = []
    for w in ledger.writes:
        if (w.id, w.field, w.value) not in audited:
            problems.append(
                f"not in the audit log: {w.entity} {w.id} {w.field}={w.value!r} by {w.by}"
            )
    tables = {"customer": customers, "deal": deals}
    for (entity, rid), expected in ledger.owned.items():
        row = tables[entity].get(rid)
        if expected is None:
            if row is not None:
                problems.append(f"deleted but still there: {entity} {rid}")
            continue
        if row is None:
            problems.append(f"acknowledged but missing: {entity} {rid}")
            continue
        for fld, value in expected.items():
            if fld in row and row[fld] != value:
                problems.append(f"{entity} {rid} {fld}: {row[fld]!r}, last written {value!r}")
    return len(ledger.writes) + len(ledger.owned), problems


# ---------------------------------------------------------------- the run


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def report(stats: Stats, seconds: float) -> int:
    total = sum(len(v) for v in stats.times.values())
    print(f"\n{total} requests in {seconds:.0f} s of load = {total / seconds:.1f} requests/s")
    print(
        f"{'endpoint':<36} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
    )
    labels = sorted(stats.times.keys() | stats.errors.keys())
    for label in labels:
        times = stats.times.get(label, [])
        errors = len(stats.errors.get(label, []))
        if times:
            print(
                f"{label:<36} {len(times):>8} {len(times) / seconds:>7.1f} "
                f"{statistics.median(times) * 1000:>8.1f} {percentile(times, 0.99) * 1000:>8.1f} {errors:>6}"
            )
        else:
            print(f"{label:<36} {0:>8} {0:>7} {'-':>8} {'-':>8} {errors:>6}")
    count = sum(len(v) for v in stats.errors.values())
    for label, msgs in stats.errors.items():
        for msg, n in sorted({m: msgs.count(m) for m in set(msgs)}.items(), key=lambda kv: -kv[1])[
            :5
        ]:
            print(f"  error x{n} {label}: {msg[:200]}")
    return count


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--desktops", type=int, default=40, help="simulated desktops (full run: 200)")
    ap.add_argument("--minutes", type=float, default=2.0, help="load time (full run: 10)")
    ap.add_argument(
        "--edit-every",
        type=float,
        default=20.0,
        help="seconds between one desktop's edits, on average",
    )
    ap.add_argument("--api-threads", type=int, default=4)
    ap.add_argument("--api-rate", type=float, default=20.0, help="integration requests/s in all")
    ap.add_argument(
        "--database-url",
        default=None,
        help="an empty PostgreSQL database; default: a throwaway cluster",
    )
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    users = max(1, -(-args.desktops // DESKTOPS_PER_USER))

    with tempfile.TemporaryDirectory(prefix="crm-soak-") as tmp_name:
        tmp = Path(tmp_name)
        with postgres(args.database_url) as url:
            env = {
                **os.environ,
                "CRM_DATA_DIR": str(tmp / "data"),
                "CRM_DATABASE_URL": url,
                "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "CRM_ADMIN_EMAIL": ADMIN_EMAIL,
                **UNLIMITED,
            }
            crm_server = Path(sys.executable).with_name("crm-server")
            subprocess.run([str(crm_server), "migrate"], env=env, check=True, capture_output=True)
            logs = [tmp / "server1.log", tmp / "server2.log"]
            procs, bases = [], []
            for log in logs:
                proc, base = serve(env, log=log)
                procs.append(proc)
                bases.append(base)
            stats, ledger = Stats(), Ledger()
            desktops: list[Desktop] = []
            integrations: list[Integration] = []
            tokens: list[PasswordTokenProvider] = []
            try:
                run(args, users, tmp, url, bases, stats, ledger, desktops, integrations, tokens)
            finally:
                for d in desktops:
                    d.stop.set()
                for d in desktops:
                    if d.thread is not None:
                        d.thread.join(10)
                    d.client.close()
                    d.client.replica.close()
                    d.transport.shutdown()
                for i in integrations:
                    i.close()
                for t in tokens:
                    t.close()
                for p in procs:
                    p.terminate()
                for p in procs:
                    p.wait(timeout=30)
                for n, log in enumerate(logs, 1):
                    lines = log.read_text().splitlines() if log.exists() else []
                    bad = [ln for ln in lines if "ERROR" in ln or "Traceback" in ln]
                    if bad:
                        print(f"\nserver process {n} logged {len(bad)} error line(s), e.g.:")
                        for line in sorted(set(bad), key=bad.index)[:5]:
                            print(f"  {line[:300]}")


def run(
    args: argparse.Namespace,
    users: int,
    tmp: Path,
    url: str,
    bases: list[str],
    stats: Stats,
    ledger: Ledger,
    desktops: list[Desktop],
    integrations: list[Integration],
    tokens: list[PasswordTokenProvider],
) -> None:
    print(
        f"PostgreSQL {url.rsplit('@', 1)[-1]}; server processes at {', '.join(bases)}", flush=True
    )
    t0 = time.perf_counter()
    _, rest_key, micro_key, shared = setup(bases[0], users)
    providers: dict[tuple[int, int], PasswordTokenProvider] = {}
    for u in range(users):
        for s, base in enumerate(bases):
            p = PasswordTokenProvider(base, timeout=120)
            p.login(f"user{u}@soak.example", USER_PASSWORD)
            providers[(u, s)] = p
            tokens.append(p)
    (tmp / "replicas").mkdir()
    for n in range(args.desktops):
        user, server = n // DESKTOPS_PER_USER, n % 2
        transport = TimedTransport(stats)
        client = SyncClient(
            bases[server],
            Replica(tmp / "replicas" / f"d{n}.sqlite3"),
            providers[(user, server)],
            transport=transport,
            timeout=120,
        )
        desktops.append(Desktop(f"d{n}", client, transport, user))
    for d in desktops:
        d.client.pull_until_done()  # the first sync, before the clock
    for i in range(args.api_threads):
        integrations.append(
            Integration(f"api{i}", bases[i % 2], rest_key, micro_key, stats, ledger, shared)
        )
    print(
        f"{args.desktops} desktops ({users} users), {args.api_threads} integration threads; "
        f"set up in {time.perf_counter() - t0:.0f} s; load for {args.minutes:g} min ...",
        flush=True,
    )

    stop = threading.Event()
    for d in desktops:
        d.start(stats)
    seq = itertools.count(1)

    def edit_driver(k: int, drivers: int) -> None:
        r = random.Random(args.seed * 1000 + k)
        mine = desktops[k::drivers]
        pause = args.edit_every / max(1, len(mine))
        while not stop.wait(r.expovariate(1 / pause)):
            try:
                r.choice(mine).edit(r, shared, next(seq))
            except Exception as exc:  # an edit the replica refused is an error of the run
                stats.error("desktop edit", f"{type(exc).__name__}: {exc}")

    def api_driver(i: Integration, k: int) -> None:
        r = random.Random(args.seed * 2000 + k)
        pause = len(integrations) / args.api_rate
        while not stop.wait(r.expovariate(1 / pause)):
            try:
                i.step(r)
            except httpx.HTTPError as exc:
                stats.error("integration", f"{type(exc).__name__}: {exc}")

    drivers = min(8, max(1, args.desktops))
    threads = [
        threading.Thread(target=edit_driver, args=(k, drivers), daemon=True) for k in range(drivers)
    ]
    threads += [
        threading.Thread(target=api_driver, args=(i, k), daemon=True)
        for k, i in enumerate(integrations)
    ]
    stats.recording = True
    load_start = time.perf_counter()
    for t in threads:
        t.start()
    deadline = load_start + args.minutes * 60
    while time.perf_counter() < deadline:
        time.sleep(min(10.0, deadline - time.perf_counter()))
        made = sum(len(d.edits) + len(d.creates) + len(d.deletes) for d in desktops)
        pending = sum(d.client.replica.pending_count() for d in desktops)
        print(
            f"  {time.perf_counter() - load_start:5.0f} s: {made} desktop edits, {pending} pending, "
            f"{sum(len(v) for v in stats.times.values())} requests, "
            f"{sum(len(v) for v in stats.errors.values())} errors, load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    stop.set()
    for t in threads:
        t.join(60)
    load_seconds = time.perf_counter() - load_start
    stats.recording = False

    print("draining ...", flush=True)
    t0 = time.perf_counter()
    for d in desktops:
        d.stop.set()
    for d in desktops:
        assert d.thread is not None
        d.thread.join(30)
    for attempt in range(5):
        try:
            for d in desktops:
                d.client.push_pending()
            for d in desktops:
                d.client.pull_until_done()
            break
        except Offline as exc:
            stats.error("drain", str(exc))
            time.sleep(2 * (attempt + 1))
    print(f"  drained in {time.perf_counter() - t0:.1f} s", flush=True)

    errors = report(stats, load_seconds)

    # What each desktop made is acknowledged once its outbox is empty; refused edits are not.
    rejected = 0
    for d in desktops:
        refused = d.client.replica.rejections()
        rejected += len(refused)
        for rej in refused[:3]:
            print(f"  refused on {d.name}: {rej.op} {rej.entity} {rej.id}: {rej.error}")
        # A refused edit is not acknowledged (it is counted as an error above).
        refused_creates = {r.id for r in refused if r.op == "create"}
        refused_edits = {
            (r.id, json.dumps(r.payload.get("changes"), sort_keys=True))
            for r in refused
            if r.op == "update"
        }
        refused_deletes = {r.id for r in refused if r.op == "delete"}
        for cid, fields in d.creates:
            if cid not in refused_creates:
                ledger.created("customer", cid, fields)
        for entity, rid, fld, value in d.edits:
            if (rid, json.dumps({fld: value}, sort_keys=True)) not in refused_edits:
                ledger.changed(entity, rid, fld, value, d.name)
        for cid in d.deletes:
            if cid not in refused_deletes:
                ledger.deleted("customer", cid)
    references: dict[int, Replica] = {}
    for u in sorted({d.user for d in desktops}):
        ref = SyncClient(
            desktops[0].client.base_url,
            Replica(tmp / "replicas" / f"reference-user{u}.sqlite3"),
            providers[(u, 0)],
            timeout=120,
        )
        ref.pull_until_done()
        references[u] = ref.replica
        ref.close()
    replica_problems = check_replicas(desktops, references)
    checked, lost = check_writes(url, ledger)
    for ref_replica in references.values():
        ref_replica.close()

    made = sum(len(d.edits) + len(d.creates) + len(d.deletes) for d in desktops)
    print(
        f"\ndesktop edits {made} (refused {rejected}); integration writes acknowledged "
        f"{sum(1 for w in ledger.writes if w.by.startswith('api'))} "
        f"+ {sum(len(i.customers) + len(i.clients) + len(i.deals) for i in integrations)} creates"
    )
    conflicts = sum(len(d.client.replica.conflict_results()) for d in desktops)
    print(f"conflict records made for desktops: {conflicts} (shared customers are edited by many)")
    unequal = {problem.split(":")[0] for problem in replica_problems}
    print(f"replicas equal to the server: {len(desktops) - len(unequal)}/{len(desktops)}")
    for problem in replica_problems[:10]:
        print(f"  {problem}")
    print(f"errors: {errors + rejected}")
    print(f"lost writes: {len(lost)} of {checked} acknowledged writes and records checked")
    for problem in lost[:10]:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
