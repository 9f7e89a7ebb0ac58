"""Top-level fixtures: a real database per test (SQLite file and PostgreSQL), a real server on loopback.

Every test that takes ``db_url`` (directly or through ``ctx``/``server``/``api``)
runs on SQLite. Tests whose behaviour depends on the engine (change-log order,
locks, search, migrations, limits across processes, sync convergence) carry the
``engines`` marker and run once more on PostgreSQL when ``CRM_TEST_PG_URL``
names a server (the README's test command starts one); ``postgres_only`` tests
run only there. ``CRM_TEST_ALL_ENGINES=1`` runs every database test on both.
Databases are built by the Alembic migrations once per session (per xdist
worker) into a template, then copied per test.

Writing a fast test (CI runs the whole suite on 2 cores within 10 minutes):

- A fresh ``server`` costs ~0.3 s of CPU before the test does anything: the
  database copy and admin are cheap, but FastAPI builds every route's models
  again for each new app on its first requests (~150-250 ms). A test that only
  adds records of its own (unique emails/names) and never counts or resets what
  is there takes ``shared_admin``/``shared_server`` (one server per worker).
- A test that touches no database takes no ``ctx``/``db_url``/``server``: in a
  module marked ``engines`` those make it run once more on PostgreSQL for nothing.
  Mark ``engines`` only where the engine changes what the test checks.
- HTTP clients: ``Api`` (and ``TLS`` for a transport of your own, e.g.
  ``httpx.HTTPTransport(verify=TLS)``); each client httpx builds on its own
  reads the CA bundle again (~30 ms of CPU).
- No fixed sleeps: wait on the condition (``qtbot.waitUntil``, a loop with a
  deadline), and shorten the server's own intervals with ``settings_overrides``
  (``event_poll_seconds``, ``event_stream_check_seconds``...) where the test is
  not about the default.
- Hypothesis/schemathesis: modest example counts; there is no per-example
  deadline (the "crm" profile below).
- A file whose tests take over ~10 s goes into ``LONG_FIRST`` (started first).
- Measure with ``scripts/test.sh <paths> --durations=15 -q``; on a loaded
  machine CPU time says more than wall time:
  ``/usr/bin/time -f "%U+%S s CPU" .venv/bin/python -m pytest -n 0 <paths>``.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything can create a QApplication

import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastapi.dependencies.models
import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url

from server.app import build_context, create_app
from server.bootstrap import ensure_admin
from server.config import Settings
from server.context import AppContext
from server.db import make_engine
from server.migrate import upgrade
from server.security import PasswordHashing
from server.serving import uvicorn_options

# No per-example time limit: on a shared 2-core machine one example's wall time says
# more about the neighbours than about the code (speed is measured in bench/), and a
# deadline turned a loaded run into "flaky" failures of tests/common/test_emails.py.
hypothesis_settings.register_profile("crm", deadline=None)
hypothesis_settings.load_profile("crm")

PG_URL = os.environ.get(
    "CRM_TEST_PG_URL"
)  # e.g. postgresql+psycopg://postgres@127.0.0.1:54329/postgres
ADMIN_EMAIL = "admin@skeleton.local"
ADMIN_PASSWORD = "admin-secret-pw"
TEST_JWT_SECRET = "test-secret-" + "x" * 40
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
ALL_ENGINES = os.environ.get("CRM_TEST_ALL_ENGINES") == "1"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        both = ALL_ENGINES or metafunc.definition.get_closest_marker("engines") is not None
        backends = BACKENDS if both else ["sqlite"]
        if metafunc.definition.get_closest_marker("postgres_only"):
            backends = [b for b in BACKENDS if b == "postgresql"]
            if not backends:
                # Not a skip standing in for a feature: without a PostgreSQL server the test has nothing to run on.
                backends = ["postgresql-unavailable"]
        metafunc.parametrize("backend", backends, scope="session")


# The longest tests, started first: the workers share the queue (scripts/test.sh runs
# xdist with ``--dist worksteal``), and a long test taken last keeps one worker busy
# while the other idles. Order is by the first prefix a test's id starts with; tests
# matching none keep their collection order after these. Put a new test file here when
# `scripts/test.sh <it> --durations=15` shows tests of it over ~10 s.
LONG_FIRST = (
    "tests/e2e/test_skeleton_schema.py",
    "tests/e2e/test_sync_convergence.py",
    "tests/e2e/test_admin_cli.py",
    "tests/e2e/",  # real server processes
    "tests/server/ledger/test_chart_and_demo.py",  # the CLI in a subprocess
    "tests/server/sync/test_event_wakeups.py",
    "tests/server/test_auth_races.py",
    "tests/server/test_concurrency.py",
    "tests/server/ledger/",
    "tests/server/sync/test_push_lossless.py",
    "tests/desktop/ui/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next(
            (i for i, prefix in enumerate(LONG_FIRST) if item.nodeid.startswith(prefix)),
            len(LONG_FIRST),
        )

    items.sort(key=rank)  # stable: within a rank, the collection order


def fast_passwords() -> PasswordHashing:
    """argon2id with small costs: tests hash many passwords; production uses the defaults."""
    return PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# ---------------------------------------------------------------- databases


class PgAdmin:
    """Creates and drops databases on the throwaway PostgreSQL server."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")

    def db_url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        with self.engine.connect() as conn:
            tmpl = f' TEMPLATE "{template}"' if template else ""
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{tmpl}'))
        return self.db_url(name)

    def drop(self, name: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[PgAdmin]:
    if not PG_URL:
        pytest.fail(
            "CRM_TEST_PG_URL is not set: run the tests with `make test`, which starts PostgreSQL"
        )
    admin = PgAdmin(PG_URL)
    yield admin
    admin.engine.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {"dir": tmp_path_factory.mktemp("templates")}


def _template(backend: str, templates: dict[str, Any], request: pytest.FixtureRequest) -> str:
    """Migrate a template database once per session and backend; return its name or path."""
    if backend in templates:
        return str(templates[backend])
    if backend == "sqlite":
        path = templates["dir"] / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        templates[backend] = path
        return str(path)
    if backend == "postgresql":
        pg: PgAdmin = request.getfixturevalue("pg_admin")
        name = f"crm_template_{os.getpid()}"
        pg.drop(name)
        url = pg.create(name)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        templates[backend] = name
        return name
    pytest.fail(f"backend {backend!r} is not available: set CRM_TEST_PG_URL (make test does)")


@pytest.fixture
def db_url(
    backend: str, templates: dict[str, Any], request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A fresh, fully migrated database for this test."""
    template = _template(backend, templates, request)
    if backend == "sqlite":
        path = tmp_path / "crm.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    pg: PgAdmin = request.getfixturevalue("pg_admin")
    name = f"crm_t_{uuid.uuid4().hex[:16]}"
    url = pg.create(name, template=template)
    yield url
    pg.drop(name)


@pytest.fixture
def empty_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (for the first-start and migration tests)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if backend != "postgresql":
        pytest.fail(f"backend {backend!r} is not available")
    pg: PgAdmin = request.getfixturevalue("pg_admin")
    name = f"crm_e_{uuid.uuid4().hex[:16]}"
    url = pg.create(name)
    yield url
    pg.drop(name)


# ---------------------------------------------------------------- the app


def make_settings(db_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": db_url,
        "data_dir": data_dir,
        "admin_email": ADMIN_EMAIL,
        "admin_password": ADMIN_PASSWORD,
        "jwt_secret": TEST_JWT_SECRET,
        "login_limit_per_email": "1000/minute",
        "login_limit_per_address": "1000/minute",
        "login_limit_per_address_email": "1000/minute",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change the server's settings."""
    return {}


@pytest.fixture
def ctx(db_url: str, tmp_path: Path, settings_overrides: dict[str, Any]) -> Iterator[AppContext]:
    context = build_context(
        make_settings(db_url, tmp_path / "data", **settings_overrides), passwords=fast_passwords()
    )
    ensure_admin(context)
    yield context
    context.db.dispose()


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        forget_dependency_callables()

    def stop_soon(self) -> None:
        """Ask the server to stop and go on: uvicorn notices within its 0.1 s tick.

        A test's teardown need not wait for that; the session joins them all at its end.
        """
        self.server.should_exit = True
        _STOPPING.append(self.thread)
        forget_dependency_callables()


def forget_dependency_callables() -> None:
    """Let a stopped test server's app go.

    FastAPI keeps facts about each dependency callable in module-level caches
    (``lru_cache``, 4,096 entries each). Every app holds closures of its own, so
    the caches kept hundreds of earlier tests' apps alive: one xdist worker grew
    to 7.3 GB, and a full garbage collection over that heap stalled the test
    servers (threads of the same process) past the desktop client's 10 s
    timeout. A server process builds one app, so this is the tests' concern only.
    """
    for value in vars(fastapi.dependencies.models).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


_STOPPING: list[threading.Thread] = []


@pytest.fixture(scope="session", autouse=True)
def _join_stopped_servers() -> Iterator[None]:
    yield
    for thread in _STOPPING:
        thread.join(timeout=10)


def start_server(app: FastAPI) -> LiveServer:
    """Run the app under uvicorn on a free loopback port, in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, **uvicorn_options(log_level="warning", access_log=False, lifespan="off")
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread)


@pytest.fixture
def app(ctx: AppContext) -> FastAPI:
    return create_app(ctx)


@pytest.fixture
def server(app: FastAPI) -> Iterator[LiveServer]:
    live = start_server(app)
    yield live
    live.stop_soon()


# One TLS context for every test client: httpx builds a new one (loading the CA
# bundle, ~30 ms of CPU) for each client or transport not given one, and a test
# makes several. The live servers speak plain HTTP on loopback; nothing is weakened.
TLS = httpx.create_ssl_context()


class Api(httpx.Client):
    """An HTTP client for the live server that can sign in."""

    def __init__(self, *args: Any, timeout: float = 30, **kwargs: Any) -> None:
        # httpx's 5 s default is shorter than a loaded 2-core CI machine's slowest answers.
        kwargs.setdefault("verify", TLS)
        super().__init__(*args, timeout=timeout, **kwargs)

    def login(self, email: str, password: str) -> dict[str, Any]:
        r = self.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        self.headers["Authorization"] = f"Bearer {body['access_token']}"
        return body


@pytest.fixture
def api(server: LiveServer) -> Iterator[Api]:
    """An anonymous client."""
    with Api(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def admin(server: LiveServer) -> Iterator[Api]:
    """A client signed in as the bootstrap super admin."""
    with Api(base_url=server.url, timeout=30) as client:
        client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client


# ---------------------------------------------------------------- one server per worker


@pytest.fixture(scope="session")
def shared_server(
    templates: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[LiveServer]:
    """One live server per xdist worker on its own SQLite copy.

    For tests that only add records of their own and never count or reset what
    is there (the generated per-module checks): they skip the ~0.5 s of a fresh
    database, app and server each.
    """
    path = tmp_path_factory.mktemp("shared") / "crm.db"
    shutil.copyfile(_template("sqlite", templates, request), path)
    context = build_context(
        make_settings(f"sqlite:///{path}", path.parent / "data"), passwords=fast_passwords()
    )
    ensure_admin(context)
    live = start_server(create_app(context))
    yield live
    live.stop()
    context.db.dispose()


@pytest.fixture
def shared_admin(shared_server: LiveServer) -> Iterator[Api]:
    """The super admin of the worker's shared server."""
    with Api(base_url=shared_server.url, timeout=30) as client:
        client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client
