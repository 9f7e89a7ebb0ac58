"""The application shell against a real server on loopback: sign in, open offline, status,
live updates from elsewhere, global search, refused edits, logout, remembered layout."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.credentials import MemoryStore
from desktop.core.profile import last_profile
from desktop.ui.main_window import MainWindow
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, LiveServer
from tests.desktop.ui.shell_support import close, make_app, page_names, sign_in, wait_synced


def new_customer(admin: Api, name: str, email: str) -> dict:
    r = admin.post("/api/v1/customers", json={"name": name, "email": email})
    assert r.status_code == 201, r.text
    return r.json()


@contextmanager
def closed_port_url() -> Iterator[str]:
    """A loopback URL where nothing listens, for as long as the block runs.

    The port stays bound (never listening, so a connect is refused): a port closed
    before use can be taken meanwhile by any process on this shared machine (another
    test's server), and then the "unreachable" server answers.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


def test_sign_in_then_the_window_shows_the_servers_customers(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    new_customer(admin, "Acme", "a@acme.example")
    store = MemoryStore()
    app = make_app(qtbot, tmp_path / "desk", store)
    try:
        window = sign_in(qtbot, app, server.url)
        qtbot.waitUntil(lambda: "Acme" in page_names(window))
        text = window.sync_button.text()
        assert "Online" in text and "all changes sent" in text and "last sync" in text
        assert app.profile is not None
        assert store.get(app.profile.key)  # the refresh token, not the password
        assert ADMIN_PASSWORD not in str(store._secrets)
        assert app.profile.replica_path.exists()
    finally:
        close(app)


def test_sign_in_errors_are_shown_in_the_dialog(
    qtbot: QtBot, server: LiveServer, tmp_path: Path
) -> None:
    app = make_app(qtbot, tmp_path / "desk")
    app.start()
    dialog = app.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)

    with closed_port_url() as nowhere:
        dialog.server_edit.setText(nowhere)
        dialog.email_edit.setText(ADMIN_EMAIL)
        dialog.password_edit.setText(ADMIN_PASSWORD)
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.server_error.isVisible())
    assert "Cannot reach the server" in dialog.server_error.text()
    assert app.window is None

    dialog.server_edit.setText(server.url)
    dialog.password_edit.setText("not-the-password")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.password_error.isVisible())
    assert "Wrong email or password" in dialog.password_error.text()
    assert not dialog.server_error.isVisible()
    assert app.window is None

    dialog.server_edit.setText("ftp://nowhere")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert "http://host:port" in dialog.server_error.text()
    dialog.reject()


def test_a_later_start_opens_the_replica_at_once_even_without_the_server(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    new_customer(admin, "Acme", "a@acme.example")
    store = MemoryStore()
    root = tmp_path / "desk"
    first = make_app(qtbot, root, store)
    window = sign_in(qtbot, first, server.url)
    qtbot.waitUntil(lambda: "Acme" in page_names(window))
    close(first)
    server.stop()

    second = make_app(qtbot, root, store)
    try:
        second.start()  # no arguments: the remembered profile
        assert second.dialog is None
        window = second.window
        assert window is not None
        assert "Acme" in page_names(window)
        qtbot.waitUntil(lambda: window.state.online is False, timeout=10_000)
        assert "Offline" in window.sync_button.text()
        # Editing offline works and is counted as waiting.
        cid = window.replica.list(entity="customer")[0]["id"]
        window.replica.update(entity="customer", id=cid, changes={"notes": "offline note"})
        qtbot.waitUntil(lambda: "1 change waiting" in window.sync_button.text())
    finally:
        close(second)


def test_a_change_made_through_the_rest_api_shows_up_in_the_open_window(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    c = new_customer(admin, "Acme", "a@acme.example")
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        qtbot.waitUntil(lambda: "Acme" in page_names(window))
        r = admin.put(f"/api/v1/customers/{c['id']}", json={"name": "Acme Renamed"})
        assert r.status_code == 200
        new_customer(admin, "Globex", "g@globex.example")
        # No user action: the server's poke wakes the sync, the page refreshes.
        qtbot.waitUntil(lambda: {"Acme Renamed", "Globex"} <= set(page_names(window)), timeout=5000)
    finally:
        close(app)


def test_ctrl_k_searches_the_replica_and_enter_opens_the_record(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    new_customer(admin, "Acme", "a@acme.example")
    target = new_customer(admin, "Globex Corporation", "hello@globex.example")
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        window.activateWindow()
        window.search_action.trigger()
        assert window.search.hasFocus() or window.focusWidget() is window.search
        qtbot.keyClicks(window.search, "globex")
        popup = window.search.completer_.popup()
        qtbot.waitUntil(lambda: popup.isVisible() and window.search.results.rowCount() == 1)
        assert "Globex Corporation" in window.search.results.item(0).text()
        page = window.pages["customers"]
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
        assert window.stack.currentWidget() is page
        assert page.form.raw_values()["name"] == "Globex Corporation"  # the record is open
        assert page.form.raw_values()["email"] == target["email"]
    finally:
        close(app)


def test_an_edit_the_server_refuses_is_undone_and_the_user_told_why(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    new_customer(admin, "Acme", "taken@acme.example")
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        cid = window.replica.create(
            entity="customer", data={"name": "Copycat", "email": "taken@acme.example"}
        )
        qtbot.waitUntil(lambda: window.rejection_box is not None, timeout=10_000)
        box = window.rejection_box
        assert box is not None and box.isVisible()
        assert "Copycat" in box.informativeText()
        assert "refused" in box.informativeText()
        assert window.replica.get(entity="customer", id=cid) is None  # undone
        box.close()
        # The details dialog keeps the reason; the message is not shown twice.
        window.show_sync_details()
        items = window.details_dialog.rejections
        assert "Copycat" in items.item(0).text()
        assert window.details_dialog.error_label.text()
        window.details_dialog.close()
    finally:
        close(app)


def test_logout_warns_about_unsynced_changes_then_wipes_the_replica(
    qtbot: QtBot,
    server: LiveServer,
    admin: Api,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new_customer(admin, "Acme", "a@acme.example")
    store = MemoryStore()
    root = tmp_path / "desk"
    app = make_app(qtbot, root, store)
    try:
        window = sign_in(qtbot, app, server.url)
        profile = app.profile
        assert profile is not None
        old_token = store.get(profile.key)
        window.set_working_offline(True)
        window.replica.update(
            entity="customer",
            id=window.replica.list(entity="customer")[0]["id"],
            changes={"notes": "never sent"},
        )
        asked: list[str] = []

        def warning(_parent, _title, text, *_a, **_k):
            asked.append(text)
            return (
                QMessageBox.StandardButton.Cancel
                if len(asked) == 1
                else (QMessageBox.StandardButton.Yes)
            )

        monkeypatch.setattr(QMessageBox, "warning", warning)
        window.logout_action.trigger()  # first answer: Cancel — nothing happens
        assert "1 change(s) have not reached the server" in asked[0]
        assert app.window is window and profile.replica_path.exists()

        window.logout_action.trigger()  # Yes
        assert app.window is None
        assert not profile.directory.exists()
        assert store.get(profile.key) is None
        assert last_profile(root) is None
        assert app.dialog is not None and app.dialog.isVisible()
        assert app.dialog.server_edit.text() == server.url

        # The server was told: the old refresh token no longer works.
        def revoked() -> None:
            r = httpx.post(server.url + "/api/v1/auth/refresh", json={"refresh_token": old_token})
            assert r.status_code == 401

        qtbot.waitUntil(revoked, timeout=5000)
        app.dialog.reject()
    finally:
        close(app)


def test_window_geometry_and_column_widths_are_remembered(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    new_customer(admin, "Acme", "a@acme.example")
    store = MemoryStore()
    root = tmp_path / "desk"
    first = make_app(qtbot, root, store)
    window = sign_in(qtbot, first, server.url)
    window.resize(700, 520)
    header = next(iter(window._views().values()))
    header.resizeSection(0, 333)
    close(first)

    second = make_app(qtbot, root, store)
    try:
        second.start()
        window2 = second.window
        assert isinstance(window2, MainWindow)
        assert (window2.width(), window2.height()) == (700, 520)
        assert next(iter(window2._views().values())).sectionSize(0) == 333
    finally:
        close(second)


def test_without_a_keyring_the_token_file_is_private_and_the_window_says_so(
    qtbot: QtBot, server: LiveServer, tmp_path: Path
) -> None:
    from desktop.core.credentials import FileStore, default_store

    root = tmp_path / "desk"
    root.mkdir()
    store = default_store(root)  # this machine is headless: no keyring backend
    assert isinstance(store, FileStore) and store.is_fallback
    app = make_app(qtbot, root, store)
    try:
        window = sign_in(qtbot, app, server.url)
        assert (root / "credentials.json").stat().st_mode & 0o777 == 0o600
        notice = window.statusBar().findChild(QLabel, "credentialFallback")
        assert notice is not None and "no system keyring" in notice.text()
    finally:
        close(app)


def test_the_token_provider_rotates_and_stores_the_refresh_token(
    server: LiveServer, tmp_path: Path
) -> None:
    from desktop.core.credentials import StoredTokenProvider
    from desktop.core.credentials import sign_in as login

    store = MemoryStore()
    tokens = login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    provider = StoredTokenProvider.from_sign_in(server.url, store, "k", tokens)
    first = store.get("k")
    access = provider.refresh()
    second = store.get("k")
    assert second and second != first and access != tokens["access_token"]
    r = httpx.get(server.url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"})
    assert r.status_code == 200
    # A provider started later (no access token in memory) uses the stored token.
    later = StoredTokenProvider(server.url, store, "k")
    assert later.access_token()
    assert store.get("k") != second


def type_into(qtbot: QtBot, page, field: str, text: str) -> None:
    editor = page.form.editors[field]
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, text)


def test_create_and_edit_a_customer_with_the_window_shortcuts_reaches_the_server(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        page = window.pages["customers"]
        window.new_action.trigger()  # Ctrl+N
        type_into(qtbot, page, "name", "Nimbus Analytics")
        type_into(qtbot, page, "email", "team@nimbus.example")
        window.save_action.trigger()  # Ctrl+S
        assert "Nimbus Analytics" in page_names(window)  # at once, before any network
        wait_synced(qtbot, window)
        r = admin.get("/api/v1/customers", params={"search": "Nimbus"})
        [created] = [c for c in r.json()["items"] if c["name"] == "Nimbus Analytics"]

        type_into(qtbot, page, "name", "Nimbus Analytics GmbH")
        assert page.has_unsaved_changes()
        window.save_action.trigger()
        assert "Nimbus Analytics GmbH" in page_names(window)
        qtbot.waitUntil(
            lambda: (
                admin.get(f"/api/v1/customers/{created['id']}").json()["name"]
                == "Nimbus Analytics GmbH"
            ),
            timeout=10_000,
        )
        assert [a.shortcut().toString() for a in (window.new_action, window.save_action)] == [
            "Ctrl+N",
            "Ctrl+S",
        ]
        assert window.search_action.shortcut().toString() == "Ctrl+K"
    finally:
        close(app)
