"""Settings → API Keys, from the main window's menu against the real server."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop.core.client import PasswordTokenProvider
from desktop.ui import api_keys as api_keys_module
from desktop.ui.api_keys import ApiKeysClient, ApiKeysDialog, permission_choices
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer
from tests.desktop.ui.shell_support import close, make_app, sign_in


def wait_idle(qtbot: QtBot, dialog: ApiKeysDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=15_000)


def test_create_list_and_revoke_a_key_from_the_settings_menu(
    qtbot: QtBot, server: LiveServer, tmp_path: Path, monkeypatch: Any, qtmodeltester: Any
) -> None:
    app = make_app(qtbot, tmp_path / "desk")
    window = sign_in(qtbot, app, server.url)
    try:
        settings_menu = next(
            a.menu() for a in window.menuBar().actions() if a.text() == "Se&ttings"
        )
        assert window.api_keys_action in settings_menu.actions()
        window.api_keys_action.trigger()
        dialog = window.api_keys_dialog
        assert dialog.isVisible()
        wait_idle(qtbot, dialog)
        assert dialog.model.rowCount() == 0
        assert dialog.status_label.text() == "0 key(s)"
        assert {"deals:read", "deals:write", "clients:write"} <= set(dialog.choices)

        # Create: a name and permissions chosen among the user's own.
        dialog.new_button.click()
        new = dialog.new_dialog
        assert new is not None and new.isVisible()
        qtbot.keyClicks(new.name_edit, "Website form")
        new.check("clients:write")
        new.check("deals:read")
        new.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        wait_idle(qtbot, dialog)

        # The key, once, with a Copy button and the warning.
        shown = dialog.shown_dialog
        assert shown is not None and shown.isVisible()
        key = shown.key_edit.text()
        assert key.startswith("mcrm_")
        assert "will not be shown again" in shown.warning.text()
        shown.copy_button.click()
        assert QGuiApplication.clipboard().text() == key
        shown.reject()

        # Listed without the secret.
        assert dialog.model.rowCount() == 1
        row = [dialog.model.index(0, c).data() for c in range(5)]
        assert row[0] == "Website form"
        assert key.startswith(row[1].rstrip("…")) and row[1] != key
        assert row[2] == "clients:write, deals:read"
        assert row[4] == "Never"
        qtmodeltester.check(dialog.model)

        # The key works until it is revoked.
        auth = {"Authorization": f"Bearer {key}"}
        assert httpx.get(f"{server.url}/api/v1/deals", headers=auth).status_code == 200

        asked: list[str] = []
        monkeypatch.setattr(
            api_keys_module, "confirm_revoke", lambda _p, name: asked.append(name) or True
        )
        dialog.table.selectRow(0)
        dialog.revoke_button.click()
        wait_idle(qtbot, dialog)
        assert asked == ["Website form"]
        assert dialog.model.rowCount() == 0
        r = httpx.get(f"{server.url}/api/v1/deals", headers=auth)
        assert r.status_code == 401
        dialog.reject()
    finally:
        close(app)


def test_offline_says_so_and_offers_nothing(
    qtbot: QtBot, server: LiveServer, monkeypatch: Any
) -> None:
    tokens = PasswordTokenProvider(server.url)
    tokens.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dialog = ApiKeysDialog(ApiKeysClient(f"http://127.0.0.1:{port}", tokens, timeout=2))
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, dialog)
    assert "cannot be reached" in dialog.status_label.text()
    assert not dialog.new_button.isEnabled() and not dialog.revoke_button.isEnabled()
    assert dialog.reload_button.isEnabled()
    tokens.close()


def test_wildcard_grants_are_spelled_out_for_choosing() -> None:
    choices = permission_choices(["*:*"])
    assert {"deals:read", "deals:write", "api_keys:manage", "clients:*", "*:*"} <= set(choices)
    assert choices[-1] == "*:*"  # the widest last
    assert permission_choices(["deals:*", "bogus"]) == [
        "deals:*",
        "deals:manage",
        "deals:read",
        "deals:write",
    ]
