"""`crm-server` for an administrator, run for real in a subprocess on the test's database.

The users commands act on the same database a live server uses; what they do
is checked over HTTP (sign-in, sessions, roles) and in the audit log.
"""

from __future__ import annotations

import os
import pty
import select
import socket
import subprocess
import time
from pathlib import Path

import pytest

from server.config import Settings
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, LiveServer
from tests.e2e.test_serve import CRM_SERVER, free_port, server_env


def crm(
    db_url: str | None, tmp: Path, *args: str, timeout: int = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``crm-server ARGS`` on the database, with stdin not a terminal."""
    return subprocess.run(
        [CRM_SERVER, *args],
        env=server_env(tmp, db_url, **env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 1 and one line on stderr naming the problem; no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm-server: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def login(api: Api, email: str, password: str) -> int:
    return api.post("/api/v1/auth/login", json={"email": email, "password": password}).status_code


def bearer(api: Api, email: str, password: str) -> dict[str, str]:
    r = api.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.engines  # the console writes while the live server holds the same database
def test_users_commands_act_through_the_service(
    db_url: str, tmp_path: Path, server: LiveServer, admin: Api
) -> None:
    # Given a running server, the console creates Bob with a password from the environment.
    out = ok(
        crm(
            db_url,
            tmp_path,
            *("users", "create", "Bob@Example.com", "--name", " Bob Builder "),
            *("--role", "viewer", "--password-env", "BOB_PW"),
            BOB_PW="bob-first-pw",
        )
    )
    assert out == "Created the user bob@example.com (viewer)\n"
    bob = bearer(admin, "bob@example.com", "bob-first-pw")
    me = admin.get("/api/v1/auth/me", headers=bob).json()
    assert (me["name"], me["roles"]) == ("Bob Builder", ["viewer"])

    # A reset ends Bob's sessions at once; only the new password works.
    ok(
        crm(
            db_url,
            tmp_path,
            *("users", "reset-password", "bob@example.com", "--password-env", "NEW"),
            NEW="bob-second-pw",
        )
    )
    assert admin.get("/api/v1/auth/me", headers=bob).status_code == 401
    assert login(admin, "bob@example.com", "bob-first-pw") == 401
    bob = bearer(admin, "bob@example.com", "bob-second-pw")

    # Roles by name; the admin named with --as is the audit actor.
    out = ok(
        crm(
            db_url, tmp_path, "users", "grant-role", "--as", ADMIN_EMAIL, "bob@example.com", "admin"
        )
    )
    assert out == "Granted the role admin to bob@example.com (admin, viewer)\n"
    out = ok(crm(db_url, tmp_path, "users", "revoke-role", "bob@example.com", "viewer"))
    assert out == "Revoked the role viewer from bob@example.com (admin)\n"
    assert admin.get("/api/v1/auth/me", headers=bob).json()["roles"] == ["admin"]

    # Deactivation ends access at once; activation lets Bob sign in again.
    ok(crm(db_url, tmp_path, "users", "deactivate", "bob@example.com"))
    assert admin.get("/api/v1/auth/me", headers=bob).status_code == 401
    assert login(admin, "bob@example.com", "bob-second-pw") == 401
    ok(crm(db_url, tmp_path, "users", "activate", "bob@example.com"))
    assert login(admin, "bob@example.com", "bob-second-pw") == 200

    table = ok(crm(db_url, tmp_path, "users", "list")).splitlines()
    assert table[0].split() == ["EMAIL", "NAME", "ACTIVE", "ROLES", "CREATED", "(UTC)"]
    rows = {line.split()[0]: line for line in table[1:-1]}
    assert set(rows) == {ADMIN_EMAIL, "bob@example.com"}
    assert rows["bob@example.com"].split()[1:5] == ["Bob", "Builder", "yes", "admin"]
    assert table[-1] == "2 users"
    only_inactive = ok(crm(db_url, tmp_path, "users", "list", "--inactive")).splitlines()
    assert only_inactive[1:] == ["0 users"]

    # Every change is in the audit log, in the sync change log's entity, with its actor.
    users = admin.get("/api/v1/users", params={"search": "bob"}).json()["items"]
    bob_id = users[0]["id"]
    admin_id = admin.get("/api/v1/auth/me").json()["id"]
    audit = admin.get(
        "/api/v1/audit", params={"entity_id": bob_id, "sort_order": "asc", "limit": 100}
    ).json()["items"]
    # (Sign-ins may add "update" records: the test server rehashes with its cheaper settings.)
    assert [(a["action"], a["actor_id"]) for a in audit if a["action"] != "update"] == [
        ("create", None),
        ("reset_password", None),
        ("assign_role", admin_id),
        ("remove_role", None),
        ("deactivate", None),
        ("activate", None),
    ]
    assert audit[0]["changes"]["password_hash"] == [None, "***"]
    assert audit[0]["changes"]["roles"] == [[], ["viewer"]]


def test_failures_are_one_line_and_change_nothing(db_url: str, tmp_path: Path, admin: Api) -> None:
    def users(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return crm(db_url, tmp_path, "users", *args, **env)

    ok(users("create", "bob@example.com", "--name", "Bob", "--password-env", "PW", PW="bob-pw-123"))
    before = admin.get("/api/v1/users").json()

    refused(users("grant-role", "nobody@example.com", "admin"), "No user", "nobody@example.com")
    refused(users("grant-role", "bob@example.com", "boss"), "No role named 'boss'", "viewer")
    refused(users("revoke-role", "bob@example.com", "admin"), "does not have the role admin")
    refused(
        users("create", "BOB@example.com", "--name", "B", "--password-env", "PW", PW="x" * 8),
        "already exists",
    )
    refused(users("create", "not-an-email", "--name", "N", "--generate-password"), "email")
    refused(
        users("create", "c@example.com", "--name", "C", "--password-env", "PW", PW="short"),
        "at least 8",
    )
    refused(
        users("create", "c@example.com", "--name", "C", "--password-env", "UNSET_VAR"), "UNSET_VAR"
    )
    refused(users("create", "c@example.com", "--name", "C", "--role", "boss"), "boss")
    refused(users("activate", "bob@example.com"), "already active")
    # Bob holds no role: acting as him, nothing is allowed.
    refused(users("deactivate", "--as", "bob@example.com", ADMIN_EMAIL), "users:write")
    # The console may act on anyone, but never leaves the server without a super admin.
    refused(users("deactivate", ADMIN_EMAIL), "last active user with every permission")
    refused(users("revoke-role", ADMIN_EMAIL, "super_admin"), "last active user")

    assert admin.get("/api/v1/users").json() == before
    assert login(admin, ADMIN_EMAIL, ADMIN_PASSWORD) == 200

    # Argument errors are argparse's: exit 2 with usage. A password is never an argument.
    bad = users("create", "d@example.com", "--name", "D", "--password", "secret-pw")
    assert bad.returncode == 2 and "unrecognized arguments" in bad.stderr


def test_no_database_or_an_old_schema_is_refused(tmp_path: Path, empty_db_url: str) -> None:
    # An unset CRM_DATABASE_URL means the SQLite file in the data dir: not created by a query.
    refused(crm(None, tmp_path, "users", "list"), "no database at", "crm-server migrate")
    assert not (tmp_path / "data" / "crm.db").exists()
    # A database without the schema.
    Path(empty_db_url.removeprefix("sqlite:///")).touch()
    refused(crm(empty_db_url, tmp_path, "users", "list"), "empty database", "crm-server migrate")


def test_a_generated_password_is_shown_once_and_works(
    db_url: str, tmp_path: Path, api: Api
) -> None:
    out = ok(crm(db_url, tmp_path, "users", "create", "gen@example.com", "--name", "Gen"))
    first, second = out.splitlines()
    assert first == "Created the user gen@example.com (no role)"
    password = second.removeprefix("Generated password (shown once, write it down): ")
    assert len(password) >= 16
    assert login(api, "gen@example.com", password) == 200
    out = ok(
        crm(db_url, tmp_path, "users", "reset-password", "--generate-password", "gen@example.com")
    )
    new = out.splitlines()[1].split(": ")[1]
    assert new != password
    assert login(api, "gen@example.com", password) == 401
    assert login(api, "gen@example.com", new) == 200


def _on_terminal(args: list[str], env: dict[str, str], answers: list[str]) -> tuple[int, str]:
    """Run with a pseudo-terminal as stdin/stdout/stderr, typing each answer at each prompt."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        args, env=env, stdin=follower, stdout=follower, stderr=follower, start_new_session=True
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
                if answers and seen.endswith(b": "):  # a prompt waits (echo already off)
                    os.write(leader, answers.pop(0).encode() + b"\n")
            elif proc.poll() is not None:
                break
        return proc.wait(timeout=10), seen.decode(errors="replace")
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()


def test_a_password_is_asked_on_a_terminal_without_echo(
    db_url: str, tmp_path: Path, api: Api
) -> None:
    env = server_env(tmp_path, db_url)
    cmd = [CRM_SERVER, "users", "create", "tty@example.com", "--name", "Tty"]
    code, screen = _on_terminal(cmd, env, ["typed-password", "typed-password"])
    assert code == 0, screen
    assert "New password for tty@example.com:" in screen and "Repeat it:" in screen
    assert "typed-password" not in screen  # not echoed
    assert "Generated password" not in screen
    assert login(api, "tty@example.com", "typed-password") == 200

    code, screen = _on_terminal(
        [*cmd[:3], "tty2@example.com", "--name", "T"], env, ["one-pw-123", "two-pw-123"]
    )
    assert code == 1 and "the two passwords differ" in screen
    assert login(api, "tty2@example.com", "one-pw-123") == 401


def test_version() -> None:
    r = subprocess.run([CRM_SERVER, "--version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    from importlib.metadata import version

    assert r.stdout == f"crm-server {version('skeleton-crm')}\n"


def test_serve_help_lists_every_setting_with_its_default() -> None:
    r = subprocess.run([CRM_SERVER, "serve", "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for name, field in Settings.model_fields.items():
        env = f"CRM_{name.upper()} (default: "
        at = next(i for i, line in enumerate(lines) if line.strip().startswith(env))
        assert lines[at + 1].strip() == field.description, name  # the meaning, on the next line
    text = r.stdout
    assert "CRM_PORT (default: 8080)" in text and "CRM_HOST (default: 127.0.0.1)" in text
    assert "CRM_ADMIN_PASSWORD (default: unset)" in text
    assert 'CRM_TRUSTED_HOSTS (default: ["*"])' in text
    assert "CRM_ALLOW_REGISTRATION (default: true)" in text


def test_a_busy_port_is_a_one_line_error(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        r = crm(None, tmp_path, "serve", "--port", str(port))
    assert r.returncode == 1
    assert r.stderr == f"crm-server: port {port} on 127.0.0.1 is in use\n"
    assert r.stdout == ""
    assert not (tmp_path / "data" / "crm.db").exists()  # refused before touching anything
    # The same from the environment (CRM_PORT), which --help documents.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        r = crm(None, tmp_path, "serve", CRM_PORT=str(port))
    assert r.stderr == f"crm-server: port {port} on 127.0.0.1 is in use\n"
