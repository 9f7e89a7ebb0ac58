"""The desktop installs without the server's stack: its requirements and its imports say so."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import requires

from packaging.requirements import Requirement

SERVER_STACK = {
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "pydantic-settings",
    "argon2-cffi",
    "pyjwt",
    "python-multipart",
    "limits",
    "fastapi-offline",
    "python-magic",
}
SERVER_MODULES = [
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "pydantic_settings",
    "argon2",
    "jwt",
    "multipart",
    "limits",
    "fastapi_offline",
    "magic",
]


def test_installing_the_desktop_requires_nothing_of_the_server_stack() -> None:
    reqs = [Requirement(r) for r in requires("skeleton-crm") or []]
    desktop = {
        r.name.lower() for r in reqs if r.marker is None or r.marker.evaluate({"extra": "desktop"})
    }
    server = {r.name.lower() for r in reqs if r.marker and r.marker.evaluate({"extra": "server"})}
    assert "pyside6-essentials" in desktop and server >= SERVER_STACK
    assert not desktop & SERVER_STACK, desktop & SERVER_STACK


BLOCKED_RUN = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    BLOCKED = set(sys.argv[1].split(","))

    class NoServerStack:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoServerStack())
    if sys.argv[2] == "desktop":
        import common, desktop
        for package in (common, desktop):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                importlib.import_module(info.name)
        from desktop.app import main
        print("desktop imports fine")
    else:
        from server.console import main
        main()
    """
)


def run_without_server_stack(what: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, ",".join(SERVER_MODULES), what, "--version"],
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )


def test_every_desktop_module_imports_without_the_server_stack() -> None:
    done = run_without_server_stack("desktop")
    assert done.returncode == 0, done.stderr
    assert "desktop imports fine" in done.stdout


def test_crm_server_without_the_server_stack_says_what_to_install() -> None:
    done = run_without_server_stack("server")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("crm-server: the server's packages are not installed")
    assert "skeleton-crm[server]" in done.stderr and "Traceback" not in done.stderr
