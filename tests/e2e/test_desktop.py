"""The desktop against a real ``crm-server serve`` process that is stopped and started again:
edits made offline survive a restart of the app and reach the server when it is back."""

from __future__ import annotations

from pathlib import Path

import httpx
from pytestqt.qtbot import QtBot

from desktop.core.credentials import MemoryStore
from tests.desktop.ui.shell_support import close, make_app, page_names, sign_in, wait_synced
from tests.e2e.test_serve import ServerProcess, free_port, server_env

EMAIL, PASSWORD = "admin@skeleton.local", "e2e-admin-password"


def test_offline_edits_survive_an_app_restart_and_reach_the_server(
    qtbot: QtBot, backend: str, empty_db_url: str, tmp_path: Path
) -> None:
    env = server_env(
        tmp_path,
        None if backend == "sqlite" else empty_db_url,
        CRM_ADMIN_PASSWORD=PASSWORD,
        CRM_JWT_SECRET="e2e-" + "s" * 40,
    )
    port = free_port()
    proc = ServerProcess(env, port, tmp_path / "one.log")
    api = httpx.Client(base_url=proc.url, timeout=30)
    token = api.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
    api.headers["Authorization"] = f"Bearer {token['access_token']}"
    cid = api.post("/api/v1/customers", json={"name": "Acme", "email": "a@acme.example"}).json()[
        "id"
    ]

    store = MemoryStore()
    root = tmp_path / "desk"
    app = make_app(qtbot, root, store, sync_interval=2.0)
    restarted = None
    try:
        window = sign_in(qtbot, app, proc.url, EMAIL, PASSWORD)
        qtbot.waitUntil(lambda: "Acme" in page_names(window))

        proc.stop()  # the network goes away
        qtbot.waitUntil(lambda: window.state.online is False, timeout=15_000)
        assert "Offline" in window.sync_button.text()
        window.replica.update(entity="customer", id=cid, changes={"notes": "offline edit"})
        new_id = window.replica.create(
            entity="customer", data={"name": "Made Offline", "email": "offline@new.example"}
        )
        qtbot.waitUntil(lambda: "2 changes waiting" in window.sync_button.text(), timeout=5000)
        close(app)

        # The app starts again while the server is still down: straight onto the replica.
        restarted = make_app(qtbot, root, store, sync_interval=2.0)
        restarted.start()
        window = restarted.window
        assert window is not None and restarted.dialog is None
        assert {"Acme", "Made Offline"} <= set(page_names(window))
        qtbot.waitUntil(lambda: window.state.online is False, timeout=15_000)
        window.replica.update(entity="customer", id=new_id, changes={"company": "Offline Inc"})

        proc = ServerProcess(env, port, tmp_path / "two.log")  # back, same address
        wait_synced(qtbot, window, timeout=30_000)
        assert api.get(f"/api/v1/customers/{cid}").json()["notes"] == "offline edit"
        made = api.get(f"/api/v1/customers/{new_id}").json()
        assert (made["name"], made["company"]) == ("Made Offline", "Offline Inc")
        assert "all changes sent" in window.sync_button.text()
    finally:
        close(app)
        if restarted is not None:
            close(restarted)
        proc.stop()
        api.close()
