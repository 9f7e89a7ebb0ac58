"""The main window: menus, toolbar, navigation sidebar, pages, sync status, conflicts.

The window reads and writes the UI thread's own Replica; the SyncWorker syncs
the same file on its own connection and reports by signals. A 1 s timer
watches the outbox so an edit made by any page wakes the sync at once.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QSettings,
    QSignalBlocker,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolBar,
    QWidget,
)

from desktop.core.client import SyncStatus
from desktop.core.modules import may
from desktop.core.profile import Profile
from desktop.core.replica import Replica
from desktop.ui.conflicts import CompareDialog, open_conflicts
from desktop.ui.kit.display import tr
from desktop.ui.kit.history import EditHistory
from desktop.ui.pages import PAGES, PageSpec
from desktop.ui.search import GlobalSearch
from desktop.ui.status import (
    ConflictButton,
    InitialSyncProgress,
    SyncDetailsDialog,
    SyncState,
    SyncStatusButton,
    rejection_text,
)
from desktop.ui.sync_worker import SyncWorker

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    #: The user confirmed Logout: the app wipes the profile and asks for a sign-in.
    logout_requested = Signal()
    #: The server ended the session: the app asks for the password again.
    reauth_needed = Signal(str)

    def __init__(
        self,
        *,
        profile: Profile,
        replica: Replica,
        worker: SyncWorker | None,
        settings: QSettings,
        credential_note: str,
        credential_fallback: bool = False,
        pages: list[PageSpec] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.profile = profile
        self.replica = replica
        self.worker = worker
        self.settings = settings
        self.credential_note = credential_note
        self.state = SyncState(pending=replica.pending_count(), last_sync_at=replica.last_sync_at)
        self.compare_dialog: CompareDialog | None = None
        self.rejection_box: QMessageBox | None = None
        self._seen_conflicts: set[str] = set()
        self._watched_pending = self.state.pending
        self._closing = False
        self.setWindowTitle(
            self.tr("Skeleton CRM — %1").replace("%1", f"{profile.email} @ {profile.server_url}")
        )

        # ----------------------------------------------------------- pages
        self.specs = list(PAGES if pages is None else pages)
        self.history = EditHistory(self)  # one undo history for every page of the window
        self._pulled: set[str] = set()  # entities pulled since the pages were last refreshed
        self.pages: dict[str, QWidget] = {}
        self.stack = QStackedWidget()
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("navigation")
        self.sidebar.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for spec in self.specs:
            page = spec.factory(replica, self.history)
            self.pages[spec.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(tr(spec.entity, spec.title or spec.entity.plural))
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.sidebar.addItem(item)
            signal = getattr(page, "status_message", None)
            if signal is not None:
                signal.connect(lambda text: self.statusBar().showMessage(text, 5000))
            elsewhere = getattr(page, "open_elsewhere", None)  # a related record of another page
            if elsewhere is not None:
                elsewhere.connect(self.open_record)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setMaximumWidth(220)
        splitter = QSplitter()
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([160, 1000])
        self.setCentralWidget(splitter)
        self.sidebar.setCurrentRow(0)

        # ----------------------------------------------------------- search, actions, menus
        self.search = GlobalSearch(replica)
        self.search.open_requested.connect(self.open_record)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()

        # ----------------------------------------------------------- status bar
        self.sync_button = SyncStatusButton()
        self.sync_button.clicked.connect(self.show_sync_details)
        self.progress = InitialSyncProgress()
        self.conflict_button = ConflictButton()
        self.conflict_button.clicked.connect(self.show_conflicts)
        bar = self.statusBar()
        if credential_fallback:
            notice = QLabel(self.tr("Sign-in kept in a file (no system keyring)"))
            notice.setObjectName("credentialFallback")
            notice.setToolTip(
                self.tr(
                    "No system keyring is available, so the sign-in token is kept in %1."
                ).replace("%1", credential_note)
            )
            bar.addPermanentWidget(notice)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.conflict_button)
        bar.addPermanentWidget(self.sync_button)
        self.sync_button.show_state(self.state)

        # ----------------------------------------------------------- sync wiring
        self._refresh_timer = QTimer(self)  # coalesce page refreshes during a burst of pulls
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self._refresh_pulled)
        self._poll = QTimer(self)
        self._poll.setInterval(1000)
        self._poll.timeout.connect(self._watch_replica)
        self._poll.start()
        if worker is not None:
            self._connect_worker(worker)
        self._restore_ui_state()
        self.show_allowed_pages()
        self._check_conflicts()
        self._check_rejections()

    # ================================================================ construction

    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence.StandardKey | str | None = None,
        icon: QStyle.StandardPixmap | None = None,
        name: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)
        elif shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        sp, key = QStyle.StandardPixmap, QKeySequence.StandardKey
        self.new_action = self._action(
            self.tr("&New"), lambda: self._page_call("new_record"), key.New, sp.SP_FileIcon, "new"
        )
        self.save_action = self._action(
            self.tr("&Save"), lambda: self._page_call("save"), key.Save,
            sp.SP_DialogSaveButton, "save",
        )  # fmt: skip
        self.close_action = self._action(
            self.tr("&Close record"), lambda: self._page_call("close_record"), key.Close,
            None, "close",
        )  # fmt: skip
        self.logout_action = self._action(self.tr("&Log out…"), self.logout, None, None, "logout")
        self.quit_action = self._action(self.tr("&Quit"), self.close, key.Quit, None, "quit")
        if not self.quit_action.shortcuts():  # no platform default (Windows): Ctrl+Q
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.undo_action = self._action(
            self.tr("&Undo"), lambda: self._page_call("undo"), key.Undo, None, "undo"
        )
        self.redo_action = self._action(
            self.tr("&Redo"), lambda: self._page_call("redo"), key.Redo, None, "redo"
        )
        # The menu names the edit an undo or redo takes back ("Undo Edit of “Acme”").
        self.history.undoTextChanged.connect(
            lambda text: self.undo_action.setText(
                self.tr("&Undo %1").replace("%1", text) if text else self.tr("&Undo")
            )
        )
        self.history.redoTextChanged.connect(
            lambda text: self.redo_action.setText(
                self.tr("&Redo %1").replace("%1", text) if text else self.tr("&Redo")
            )
        )
        self.find_action = self._action(
            self.tr("&Find"), lambda: self._page_call("focus_filter"), key.Find, None, "find"
        )
        self.search_action = self._action(
            self.tr("Search &everything"), self.focus_search, "Ctrl+K", None, "globalSearch"
        )
        self.sync_now_action = self._action(
            self.tr("Sync &now"), self.sync_now, "F5", sp.SP_BrowserReload, "syncNow"
        )
        self.offline_action = self._action(
            self.tr("Work &offline"), self.set_working_offline, None, None, "workOffline"
        )
        self.offline_action.setCheckable(True)
        self.offline_action.triggered.disconnect()
        self.offline_action.toggled.connect(self.set_working_offline)
        self.conflicts_action = self._action(
            self.tr("&Compare conflicts…"), self.show_conflicts, None, None, "compare"
        )
        self.details_action = self._action(
            self.tr("Sync &details…"), self.show_sync_details, None, None, "syncDetails"
        )
        self.about_action = self._action(self.tr("&About"), self.about, None, None, "about")
        self.api_keys_action = self._action(
            self.tr("API &Keys…"), self.show_api_keys, None, None, "apiKeys"
        )
        self.api_keys_action.setEnabled(self.worker is not None)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu(self.tr("&File"))
        file.addActions([self.new_action, self.save_action, self.close_action])
        file.addSeparator()
        file.addAction(self.logout_action)
        file.addAction(self.quit_action)
        edit = bar.addMenu(self.tr("&Edit"))
        edit.addActions([self.undo_action, self.redo_action, self.find_action, self.search_action])
        # The current page's record commands (Activate, Blacklist...), as its command bar has them.
        self.record_menu = bar.addMenu(self.tr("&Record"))
        self.record_menu.setObjectName("recordMenu")
        self.record_menu.aboutToShow.connect(self._fill_record_menu)
        view = bar.addMenu(self.tr("&View"))
        self.go_actions: list[QAction] = []
        for row, spec in enumerate(self.specs):
            go = QAction(tr(spec.entity, spec.title or spec.entity.plural), self)
            self.go_actions.append(go)
            go.setShortcut(QKeySequence(f"Ctrl+{row + 1}"))
            go.triggered.connect(lambda _c=False, r=row: self.sidebar.setCurrentRow(r))
            view.addAction(go)
        view.addSeparator()
        self.view_menu = view
        sync = bar.addMenu(self.tr("&Sync"))
        sync.addActions(
            [self.sync_now_action, self.offline_action, self.conflicts_action, self.details_action]
        )
        settings_menu = bar.addMenu(self.tr("Se&ttings"))
        settings_menu.addAction(self.api_keys_action)
        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        tools = QToolBar(self.tr("Main toolbar"))
        tools.setObjectName("mainToolbar")
        tools.setMovable(False)
        tools.addActions([self.new_action, self.save_action])
        tools.addSeparator()
        tools.addAction(self.sync_now_action)
        tools.addSeparator()
        tools.addWidget(self.search)
        self.addToolBar(tools)
        sidebar_toggle = QAction(self.tr("Navigation"), self)
        sidebar_toggle.setCheckable(True)
        sidebar_toggle.setChecked(True)
        sidebar_toggle.toggled.connect(self.sidebar.setVisible)
        self.view_menu.addAction(sidebar_toggle)
        self.view_menu.addAction(tools.toggleViewAction())

    # ================================================================ pages

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def _fill_record_menu(self) -> None:
        self.record_menu.clear()
        actions = getattr(self.current_page(), "command_actions", None) or {}
        documents = getattr(self.current_page(), "document_actions", None) or {}
        if actions:
            self.record_menu.addActions(list(actions.values()))
        if documents:  # Print, Save as PDF
            if actions:
                self.record_menu.addSeparator()
            self.record_menu.addActions(list(documents.values()))
        if not actions and not documents:
            self.record_menu.addAction(self.tr("No actions on this page")).setEnabled(False)

    def show_allowed_pages(self) -> None:
        """Show in the sidebar only the pages the user may read (as the server last said)."""
        for row, spec in enumerate(self.specs):
            allowed = may(self.replica, spec.entity.permission, "read")
            self.sidebar.item(row).setHidden(not allowed)
            self.go_actions[row].setVisible(allowed)
        current = self.sidebar.currentItem()
        if current is not None and current.isHidden():
            self.sidebar.setCurrentRow(
                next(r for r in range(self.sidebar.count()) if not self.sidebar.item(r).isHidden())
            )

    def _page_call(self, name: str, *args: Any) -> Any:
        method = getattr(self.current_page(), name, None)
        return method(*args) if callable(method) else None

    def refresh_pages(self, entities: set[str] | None = None) -> None:
        """Refresh the pages showing any of ``entities`` (None: every page)."""
        for spec in self.specs:
            if entities is not None and not entities & spec.entity.concerns:
                continue
            refresh = getattr(self.pages[spec.key], "refresh", None)
            if callable(refresh):
                refresh()

    def _refresh_pulled(self) -> None:
        pulled, self._pulled = self._pulled, set()
        self.refresh_pages(pulled)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def open_record(self, entity: str, record_id: str) -> None:
        if self._pulled:
            # The record may have come in a pull the pages have not shown yet: show it first.
            self._refresh_timer.stop()
            self._refresh_pulled()
        for row, spec in enumerate(self.specs):
            if spec.entity.name == entity:
                self.sidebar.setCurrentRow(row)
                opener = getattr(self.pages[spec.key], "open_record", None)
                if callable(opener):
                    opener(record_id)
                return

    # ================================================================ sync

    def _connect_worker(self, worker: SyncWorker) -> None:
        worker.status_changed.connect(self.on_sync_status)
        worker.pulled.connect(self.on_pulled)
        worker.snapshot_progress.connect(self.progress.show_count)
        worker.failed.connect(self.on_sync_failed)

    def start_sync(self) -> None:
        if self.worker is None or self.state.working_offline:
            return
        if self.worker.isRunning():
            self.worker.stop()
        self.state.online = None
        self.state.error = None
        self.sync_button.show_state(self.state)
        self.worker.start()

    def on_sync_status(self, status: SyncStatus) -> None:
        if self.state.working_offline or self._closing:
            return
        self.state.online = status.online
        self.state.error = status.error
        self.state.pending = self.replica.pending_count()
        self.state.last_sync_at = status.last_sync_at or self.replica.last_sync_at
        self.sync_button.show_state(self.state)
        self.show_allowed_pages()
        self._check_rejections()

    def on_pulled(self, entities: list[str]) -> None:
        if self._closing:
            return
        self._pulled.update(entities)
        self._refresh_timer.start()
        if "conflict" in entities:
            self._check_conflicts()

    def on_sync_failed(self, kind: str, message: str) -> None:
        if self._closing:
            return
        self.state.online = False
        self.state.error = message
        self.sync_button.show_state(self.state)
        if kind == "AuthenticationRequired":
            self.reauth_needed.emit(message)
        elif kind == "UpgradeRequired":
            box = QMessageBox(
                QMessageBox.Icon.Critical, self.tr("Update needed"), message, parent=self
            )
            box.open()

    def sync_now(self) -> None:
        if self.state.working_offline:
            self.offline_action.setChecked(False)
        elif self.worker is not None and not self.worker.isRunning():
            self.start_sync()
        elif self.worker is not None:
            self.worker.wake()

    def set_working_offline(self, offline: bool) -> None:
        if offline == self.state.working_offline:
            return
        self.state.working_offline = offline
        with QSignalBlocker(self.offline_action):
            self.offline_action.setChecked(offline)
        if offline:
            if self.worker is not None:
                self.worker.stop()
            self.state.online = False
        else:
            self.start_sync()
        self.sync_button.show_state(self.state)

    def _watch_replica(self) -> None:
        """Every second: a new local edit wakes the sync; the counts stay current."""
        pending = self.replica.pending_count()
        if pending > self._watched_pending and self.worker is not None:
            self.worker.wake()
        self._watched_pending = pending
        if pending != self.state.pending:
            self.state.pending = pending
            self.sync_button.show_state(self.state)

    def _check_conflicts(self) -> None:
        conflicts = open_conflicts(self.replica)
        self.conflict_button.show_count(len(conflicts))
        self.conflicts_action.setEnabled(bool(conflicts))
        new = {c["id"] for c in conflicts} - self._seen_conflicts
        if new:
            self._seen_conflicts |= new
            self.statusBar().showMessage(
                self.tr("Someone else changed the same fields: compare and choose."), 10000
            )
            self.show_conflicts()

    def show_conflicts(self) -> None:
        conflicts = open_conflicts(self.replica)
        if not conflicts:
            self.conflict_button.show_count(0)
            return
        if self.compare_dialog is not None and self.compare_dialog.isVisible():
            self.compare_dialog.close()
        dialog = CompareDialog(self.replica, conflicts, self)
        dialog.finished.connect(self._compare_finished)
        self.compare_dialog = dialog
        dialog.open()

    def _compare_finished(self, _result: int) -> None:
        self.refresh_pages()
        self.conflict_button.show_count(len(open_conflicts(self.replica)))
        self._watch_replica()

    def _check_rejections(self) -> None:
        """Tell the user, once, about every edit the server refused (already undone)."""
        fresh = self.replica.rejections()
        if not fresh:
            return
        lines = [rejection_text(r, self.replica) for r in fresh]
        for r in fresh:
            self.replica.dismiss_rejection(seq=r.seq)
        self.refresh_pages()
        if self.rejection_box is not None and self.rejection_box.isVisible():
            lines.insert(0, self.rejection_box.informativeText())
            self.rejection_box.close()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Changes refused"),
            self.tr("The server refused some of your changes; they have been undone here."),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("rejectionBox")
        box.setInformativeText("\n\n".join(lines))
        self.rejection_box = box
        box.open()

    def show_sync_details(self) -> None:
        dialog = SyncDetailsDialog(
            state=self.state,
            server_url=self.profile.server_url,
            user=self.profile.email,
            replica=self.replica,
            credential_note=self.credential_note,
            parent=self,
        )
        dialog.sync_now.connect(self.sync_now)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.details_dialog = dialog
        dialog.open()

    def show_api_keys(self) -> None:
        """Settings → API Keys: talks to the server directly (keys are not replicated)."""
        from desktop.ui.api_keys import ApiKeysClient, ApiKeysDialog

        if self.worker is None:
            return
        client = ApiKeysClient(
            self.profile.server_url, self.worker.tokens, transport=self.worker.transport
        )
        dialog = ApiKeysDialog(client, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.api_keys_dialog = dialog
        dialog.open()

    # ================================================================ session

    def logout(self) -> None:
        pending = self.replica.pending_count()
        if pending:
            answer = QMessageBox.warning(
                self,
                self.tr("Log out"),
                self.tr(
                    "%n change(s) have not reached the server yet. Logging out deletes "
                    "them together with the local copy of the data. Log out anyway?",
                    "",
                    pending,
                ),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        for page in self.pages.values():
            closer = getattr(page, "close_record", None)
            dirty = getattr(page, "has_unsaved_changes", None)
            if callable(dirty) and dirty() and callable(closer) and not closer():
                return
        self.logout_requested.emit()

    def about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About Skeleton CRM"),
            self.tr(
                "Skeleton CRM desktop. Your data is kept on this computer and synced "
                "with %1 in the background."
            ).replace("%1", self.profile.server_url),
        )

    # ================================================================ window state

    def _views(self) -> dict[str, QHeaderView]:
        """Every table header of every page, by a stable name (for column widths)."""
        out: dict[str, QHeaderView] = {}
        for key, page in self.pages.items():
            views = page.findChildren(QAbstractItemView)
            for n, view in enumerate(views):
                header = getattr(view, "horizontalHeader", None)
                if callable(header):
                    out[f"{key}/{view.objectName() or n}"] = header()
        return out

    def _restore_ui_state(self) -> None:
        geometry = self.settings.value("main/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1180, 720)
        state = self.settings.value("main/state")
        if isinstance(state, QByteArray | bytes):
            self.restoreState(QByteArray(state))
        columns = self.profile.load_ui_state().get("columns", {})
        for name, header in self._views().items():
            saved = columns.get(name)
            if isinstance(saved, str):
                header.restoreState(QByteArray.fromBase64(saved.encode()))

    def save_ui_state(self) -> None:
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.setValue("main/state", self.saveState())
        self.settings.sync()
        state = self.profile.load_ui_state()
        state["columns"] = {
            name: bytes(header.saveState().toBase64().data()).decode()
            for name, header in self._views().items()
        }
        self.profile.save_ui_state(state)

    def shutdown(self) -> None:
        """Stop syncing and remember the layout (Quit, Logout, or the app closing)."""
        if self._closing:
            return
        self._closing = True
        self._poll.stop()
        self._refresh_timer.stop()
        if self.profile.directory.exists():
            self.save_ui_state()
        if self.worker is not None:
            for signal in (
                self.worker.status_changed,
                self.worker.pulled,
                self.worker.snapshot_progress,
                self.worker.failed,
            ):
                signal.disconnect()
            self.worker.stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self._closing:
            for page in self.pages.values():
                dirty = getattr(page, "has_unsaved_changes", None)
                closer = getattr(page, "close_record", None)
                if callable(dirty) and dirty() and callable(closer) and not closer():
                    event.ignore()
                    return
            self.shutdown()
        event.accept()
