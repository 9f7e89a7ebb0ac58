"""``crm-desktop``: sign in once, then open straight onto the local replica.

First start: the sign-in dialog (server URL, email, password). The refresh
token goes to the credential store and the profile (server + user) is
remembered, so later starts open the replica at once — with or without the
network — and the sync worker signs in with the stored token in the
background. ``--server URL --email E --password-env VAR`` signs in without
typing (scripts/run.sh); the password is read from the environment variable,
never from the command line.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QApplication

from desktop.core.credentials import (
    CredentialStore,
    StoredTokenProvider,
    default_store,
    revoke,
)
from desktop.core.profile import (
    Profile,
    data_dir,
    forget,
    last_profile,
    normalize_server_url,
    open_profile,
    remember,
)
from desktop.core.replica import Replica
from desktop.ui.main_window import MainWindow
from desktop.ui.sign_in import SignInDialog
from desktop.ui.sync_worker import SyncWorker

log = logging.getLogger(__name__)


class DesktopApp(QObject):
    """Owns the session: which profile is open, its replica, window, token provider, worker."""

    #: No window and no sign-in dialog any more: the process should end.
    finished = Signal()

    def __init__(
        self,
        root: Path,
        store: CredentialStore,
        *,
        settings: QSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        sync_interval: float = 30.0,
        backoff_cap: float = 30.0,
    ) -> None:
        super().__init__()
        self.root = root
        self.store = store
        self.settings = settings or QSettings(str(root / "window.ini"), QSettings.Format.IniFormat)
        self.transport = transport
        self.sync_interval = sync_interval
        self.backoff_cap = backoff_cap
        self.window: MainWindow | None = None
        self.dialog: SignInDialog | None = None
        self.profile: Profile | None = None
        self.replica: Replica | None = None
        self.tokens: StoredTokenProvider | None = None
        self.worker: SyncWorker | None = None

    # ------------------------------------------------------------ starting

    def start(
        self, *, server: str | None = None, email: str | None = None, password: str | None = None
    ) -> None:
        """Open the remembered profile, or the given one if its token is stored, else sign in."""
        if server and email:
            profile = open_profile(server, email, self.root)
            if profile.exists() and self.store.get(profile.key) is not None:
                self.open(profile)
                return
            self.ask_sign_in(server_url=profile.server_url, email=profile.email, password=password)
            return
        profile = last_profile(self.root)
        if profile is not None:
            self.open(profile)
            return
        self.ask_sign_in(server_url=server or "", email=email or "", password=password)

    def ask_sign_in(
        self,
        *,
        server_url: str = "",
        email: str = "",
        password: str | None = None,
        message: str = "",
        reauth: bool = False,
    ) -> SignInDialog:
        dialog = SignInDialog(
            server_url=server_url,
            email=email,
            message=message,
            transport=self.transport,
            parent=self.window,
        )
        if reauth:  # the same profile: only the password is asked for
            dialog.server_edit.setReadOnly(True)
            dialog.email_edit.setReadOnly(True)
        dialog.accepted.connect(lambda: self._signed_in(dialog, reauth))
        dialog.rejected.connect(lambda: self._sign_in_cancelled(dialog))
        self.dialog = dialog
        dialog.show()
        if password:
            dialog.password_edit.setText(password)
            dialog.submit()
        return dialog

    def _signed_in(self, dialog: SignInDialog, reauth: bool) -> None:
        self.dialog = None
        tokens: dict[str, Any] = dialog.tokens or {}
        profile = open_profile(dialog.server_url, dialog.email, self.root)
        if reauth and self.window is not None and self.profile == profile:
            self.store.set(profile.key, str(tokens["refresh_token"]))
            assert self.tokens is not None
            self.tokens = StoredTokenProvider.from_sign_in(
                profile.server_url, self.store, profile.key, tokens, transport=self.transport
            )
            assert self.worker is not None
            self.worker.tokens = self.tokens
            self.window.start_sync()
            return
        if self.window is not None:
            self.close_window()
        StoredTokenProvider.from_sign_in(
            profile.server_url, self.store, profile.key, tokens, transport=self.transport
        )
        self.open(profile, access_token=str(tokens["access_token"]))

    def _sign_in_cancelled(self, dialog: SignInDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        if self.window is None:
            self.finished.emit()

    def open(self, profile: Profile, *, access_token: str | None = None) -> MainWindow:
        """The main window on the profile's replica; syncing starts in the background."""
        profile.ensure()
        remember(profile)
        self.profile = profile
        self.replica = Replica(profile.replica_path)
        self.tokens = StoredTokenProvider(
            profile.server_url,
            self.store,
            profile.key,
            access_token=access_token,
            transport=self.transport,
        )
        self.worker = SyncWorker(
            profile.server_url,
            profile.replica_path,
            self.tokens,
            interval=self.sync_interval,
            backoff_cap=self.backoff_cap,
            transport=self.transport,
        )
        window = MainWindow(
            profile=profile,
            replica=self.replica,
            worker=self.worker,
            settings=self.settings,
            credential_note=self.store.description,
            credential_fallback=self.store.is_fallback,
        )
        window.logout_requested.connect(self.logout)
        window.reauth_needed.connect(self._reauth)
        window.destroyed.connect(lambda *_: None)
        self.window = window
        window.show()
        window.start_sync()
        return window

    def _reauth(self, message: str) -> None:
        if self.dialog is not None or self.profile is None:
            return
        self.ask_sign_in(
            server_url=self.profile.server_url,
            email=self.profile.email,
            message=self.tr(
                "Your session has ended; enter your password to keep syncing. (%1)"
            ).replace("%1", message),
            reauth=True,
        )

    # ------------------------------------------------------------ ending

    def close_window(self) -> None:
        """Stop syncing, close the window and the replica (the profile stays on disk)."""
        window, self.window = self.window, None
        if window is not None:
            window.shutdown()
            window.close()
            window.deleteLater()
        if self.replica is not None:
            self.replica.close()
            self.replica = None
        self.worker = None

    def logout(self) -> None:
        """Revoke the session (if the server is reachable), wipe the replica, ask to sign in."""
        profile, tokens = self.profile, self.tokens
        self.close_window()
        if tokens is not None and (refresh_token := self.store.get(tokens.key)) is not None:
            self.store.delete(tokens.key)
            threading.Thread(
                target=revoke,
                args=(tokens.server_url, refresh_token),
                kwargs={"transport": self.transport},
                name="crm-logout",
                daemon=True,
            ).start()
        if profile is not None:
            profile.wipe()
            forget(self.root)
        self.profile = self.tokens = None
        self.ask_sign_in(
            server_url=profile.server_url if profile else "", email=profile.email if profile else ""
        )

    def quit(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.close_window()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="crm-desktop", description="Skeleton CRM desktop app")
    parser.add_argument("--server", help="server URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--email", help="sign in as this user")
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help="read the password from this environment variable (never pass it in argv)",
    )
    parser.add_argument("--data-dir", help="where profiles live (default: the platform data dir)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the desktop app; returns the process exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=os.environ.get("CRM_DESKTOP_LOG", "WARNING"))
    password = os.environ.get(args.password_env) if args.password_env else None
    if args.password_env and not password:
        print(f"crm-desktop: ${args.password_env} is not set", file=sys.stderr)
    if args.server:
        try:
            normalize_server_url(args.server)
        except ValueError as exc:
            print(f"crm-desktop: {exc}", file=sys.stderr)
            return 2
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt, QApplication)
    qt.setApplicationName("Skeleton CRM")
    qt.setOrganizationName("Skeleton")
    qt.setQuitOnLastWindowClosed(False)
    root = data_dir(args.data_dir)
    app = DesktopApp(root, default_store(root))
    app.finished.connect(qt.quit)
    qt.aboutToQuit.connect(app.quit)
    app.start(server=args.server, email=args.email, password=password)

    def window_closed() -> None:
        if app.window is not None and not app.window.isVisible() and app.dialog is None:
            qt.quit()

    qt.lastWindowClosed.connect(window_closed)
    return int(qt.exec())


if __name__ == "__main__":
    sys.exit(main())
