"""Helpers for the shell tests: a DesktopApp on a temporary data dir with an in-memory
credential store, signed in through the real sign-in dialog against a real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from desktop.app import DesktopApp
from desktop.core.credentials import CredentialStore, MemoryStore
from desktop.ui.main_window import MainWindow
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD


def make_app(
    qtbot: QtBot, root: Path, store: CredentialStore | None = None, **kwargs: Any
) -> DesktopApp:
    root.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("backoff_cap", 1.0)
    app = DesktopApp(
        root,
        store or MemoryStore(),
        settings=QSettings(str(root / "window.ini"), QSettings.Format.IniFormat),
        **kwargs,
    )
    return app


def sign_in(
    qtbot: QtBot,
    app: DesktopApp,
    url: str,
    email: str = ADMIN_EMAIL,
    password: str = ADMIN_PASSWORD,
) -> MainWindow:
    """Fill the sign-in dialog the way a user does; wait for the window and the first sync."""
    if app.dialog is None:
        app.start()
    dialog = app.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.server_edit.setText(url)
    dialog.email_edit.setText(email)
    dialog.password_edit.setText(password)
    qtbot.mouseClick(dialog.sign_in_button, qtbot_left())
    qtbot.waitUntil(lambda: app.window is not None, timeout=15_000)
    window = app.window
    assert window is not None
    wait_synced(qtbot, window)
    return window


def qtbot_left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def wait_synced(qtbot: QtBot, window: MainWindow, timeout: int = 15_000) -> None:
    """Until the status bar says online with nothing waiting and a last sync time."""

    def done() -> None:
        window._watch_replica()
        s = window.state
        assert s.online is True and s.pending == 0 and s.last_sync_at is not None, s

    qtbot.waitUntil(done, timeout=timeout)


def page_names(window: MainWindow) -> list[str]:
    """The customer names the customers page shows."""
    model = window.pages["customers"].model  # type: ignore[attr-defined]
    return [str(model.index(row, model.column("name")).data()) for row in range(model.rowCount())]


def close(app: DesktopApp) -> None:
    app.quit()
