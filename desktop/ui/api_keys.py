"""Settings → API Keys: list, create (the key shown once) and revoke the signed-in user's keys.

API keys are not replicated: this dialog talks to ``/api/v1/api-keys`` itself,
with the app's token provider, on a thread pool (never on the UI thread); the
results come back by signals. Without the server it says so and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from common.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from common.permissions import RESOURCES, WILDCARD, is_valid_grant
from desktop.core.client import AuthenticationRequired, TokenProvider, tls

KEYS_PATH = "/api/v1/api-keys"
ME_PATH = "/api/v1/auth/me"
ACTIONS = ("read", "write", "manage")
DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
TOOLTIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)
ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1


# ---------------------------------------------------------------- HTTP (no widgets)


class KeysOffline(Exception):
    """The server cannot be reached."""


class KeysRefused(Exception):
    """The server answered with an error body; the message is the server's."""


class ApiKeysClient:
    """The three calls, with a bearer token from the app's provider (refreshed once on 401)."""

    def __init__(
        self,
        server_url: str,
        tokens: TokenProvider,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.server_url = server_url
        self.tokens = tokens
        self.transport = transport
        self.timeout = timeout

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with httpx.Client(
            base_url=self.server_url, transport=self.transport, timeout=self.timeout, verify=tls()
        ) as http:
            try:
                token = self.tokens.access_token()
                r = http.request(
                    method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
                )
                if r.status_code == 401:
                    token = self.tokens.refresh()
                    r = http.request(
                        method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
                    )
            except httpx.TransportError as exc:
                raise KeysOffline(str(exc)) from exc
            except AuthenticationRequired as exc:
                raise KeysRefused(str(exc)) from exc
        if r.status_code >= 400:
            try:
                body = r.json()
                message = str(body.get("message") or body.get("error"))
            except ValueError:
                message = r.text[:200]
            raise KeysRefused(f"{r.status_code}: {message}")
        return r

    def permissions(self) -> list[str]:
        """The signed-in user's effective permissions."""
        return [str(p) for p in self._send("GET", ME_PATH).json().get("permissions", [])]

    def list(self) -> list[ApiKeyRead]:
        r = self._send("GET", KEYS_PATH, params={"limit": 100})
        return [ApiKeyRead.model_validate(item) for item in r.json()["items"]]

    def create(self, data: ApiKeyCreate) -> ApiKeyCreated:
        r = self._send("POST", KEYS_PATH, json=data.model_dump())
        return ApiKeyCreated.model_validate(r.json())

    def revoke(self, key_id: str) -> None:
        self._send("DELETE", f"{KEYS_PATH}/{key_id}")


def permission_choices(granted: list[str]) -> list[str]:
    """What a new key may be given: the user's grants, and their wildcards spelled out."""
    out: dict[str, None] = {}
    for grant in granted:
        if not is_valid_grant(grant):
            continue
        out[grant] = None
        resource, action = grant.split(":")
        resources = RESOURCES if resource == WILDCARD else (resource,)
        actions = ACTIONS if action == WILDCARD else (action,)
        for res in resources:
            if action == WILDCARD:
                out[f"{res}:*"] = None
            for act in actions:
                out[f"{res}:{act}"] = None
    return sorted(out, key=lambda p: (p.split(":")[0] == WILDCARD, p))


# ---------------------------------------------------------------- background tasks


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str, str)  # "offline" | "refused", message


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.fn()
        except KeysOffline as exc:
            self.signals.failed.emit("offline", str(exc))
        except KeysRefused as exc:
            self.signals.failed.emit("refused", str(exc))
        except Exception as exc:  # never die silently on a pool thread
            self.signals.failed.emit("refused", f"{type(exc).__name__}: {exc}")
        else:
            self.signals.done.emit(result)


# ---------------------------------------------------------------- widgets


def confirm_revoke(parent: QWidget, name: str) -> bool:
    """Ask before revoking (tests replace this function)."""
    answer = QMessageBox.warning(
        parent,
        parent.tr("Revoke API key"),
        parent.tr("Revoke the key “%1”? Everything that uses it stops working at once.").replace(
            "%1", name
        ),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def _when(locale: QLocale, value: datetime | None) -> str:
    if value is None:
        return ""
    moment = QDateTime.fromSecsSinceEpoch(int(value.timestamp()))
    return locale.toString(moment.toLocalTime(), QLocale.FormatType.ShortFormat)


class ApiKeyTableModel(QAbstractTableModel):
    """The keys: name, prefix, permissions, created, last used."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._keys: list[ApiKeyRead] = []
        self._locale = QLocale()
        self._headers = [
            self.tr("Name"),
            self.tr("Key starts with"),
            self.tr("Permissions"),
            self.tr("Created"),
            self.tr("Last used"),
        ]

    def set_keys(self, keys: list[ApiKeyRead]) -> None:
        self.beginResetModel()
        self._keys = list(keys)
        self._locale = QLocale()
        self.endResetModel()

    def key_at(self, row: int) -> ApiKeyRead | None:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._headers)

    def headerData(  # noqa: N802 - Qt's name
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if (
            role == DISPLAY_ROLE
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._keys):
            return None
        key = self._keys[index.row()]
        if role == ID_ROLE:
            return key.id
        if role not in (DISPLAY_ROLE, TOOLTIP_ROLE):
            return None
        column = index.column()
        if column == 0:
            return key.name
        if column == 1:
            return key.prefix + "…"
        if column == 2:
            return ", ".join(key.permissions)
        if column == 3:
            return _when(self._locale, key.created_at)
        if column == 4:
            return _when(self._locale, key.last_used_at) or (
                self.tr("Never") if role == DISPLAY_ROLE else None
            )
        return None


class NewKeyDialog(QDialog):
    """A name and the permissions the key gets (chosen among the user's own)."""

    def __init__(self, choices: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newApiKeyDialog")
        self.setWindowTitle(self.tr("New API key"))
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(100)
        self.name_edit.setPlaceholderText(self.tr("e.g. Website lead form"))
        self.permissions = QListWidget(self)
        for permission in choices:
            item = QListWidgetItem(permission, self.permissions)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Create key"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Permissions"), self.permissions)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.data: ApiKeyCreate | None = None

    def check(self, permission: str) -> None:
        for n in range(self.permissions.count()):
            item = self.permissions.item(n)
            if item.text() == permission:
                item.setCheckState(Qt.CheckState.Checked)
                return
        raise KeyError(permission)

    def chosen(self) -> list[str]:
        return [
            self.permissions.item(n).text()
            for n in range(self.permissions.count())
            if self.permissions.item(n).checkState() == Qt.CheckState.Checked
        ]

    def _accept(self) -> None:
        if not self.name_edit.text().strip():
            self.error_label.setText(self.tr("Enter a name for the key"))
            return
        if not self.chosen():
            self.error_label.setText(self.tr("Choose at least one permission"))
            return
        try:
            self.data = ApiKeyCreate(name=self.name_edit.text(), permissions=self.chosen())
        except ValueError as exc:
            self.error_label.setText(str(exc))
            return
        self.accept()


class ShownKeyDialog(QDialog):
    """The new key, once: a Copy button and the warning that it will not be shown again."""

    def __init__(self, created: ApiKeyCreated, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shownApiKeyDialog")
        self.setWindowTitle(self.tr("API key created"))
        self.warning = QLabel(
            self.tr(
                "Copy the key “%1” now and keep it somewhere safe: it will not be shown again."
            ).replace("%1", created.name),
            self,
        )
        self.warning.setWordWrap(True)
        self.key_edit = QLineEdit(created.key, self)
        self.key_edit.setReadOnly(True)
        self.key_edit.setMinimumWidth(420)
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.clicked.connect(self.copy)
        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.copy_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addLayout(row)
        layout.addWidget(close)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.key_edit.text())
        self.copy_button.setText(self.tr("Copied"))


class ApiKeysDialog(QDialog):
    """The user's API keys: list, create, revoke (online only)."""

    #: After every finished request (tests wait for it).
    idle = Signal()

    def __init__(self, client: ApiKeysClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("apiKeysDialog")
        self.setWindowTitle(self.tr("API keys"))
        self.client = client
        # The shared pool: a dialog closed during a request must not wait for it (a pool
        # owned by the dialog would block the UI thread in its destructor).
        self.pool = QThreadPool.globalInstance()
        self._tasks: set[_Task] = set()
        self.choices: list[str] = []
        self.new_dialog: NewKeyDialog | None = None
        self.shown_dialog: ShownKeyDialog | None = None

        self.status_label = QLabel(self)
        self.status_label.setObjectName("apiKeysStatus")
        self.status_label.setWordWrap(True)
        self.model = ApiKeyTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.new_button = QPushButton(self.tr("&New key…"), self)
        self.new_button.clicked.connect(self.new_key)
        self.revoke_button = QPushButton(self.tr("&Revoke…"), self)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.reload_button = QPushButton(self.tr("Re&load"), self)
        self.reload_button.clicked.connect(self.reload)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.revoke_button)
        buttons.addWidget(self.reload_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.resize(760, 380)
        self._set_busy(False)
        self.finished.connect(self._forget_tasks)
        self.reload()

    # ------------------------------------------------------------ requests

    def _run(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        task = _Task(fn)
        task.setAutoDelete(False)
        self._tasks.add(task)

        def finished(result: Any) -> None:
            self._tasks.discard(task)
            done(result)
            self._set_busy(bool(self._tasks))
            self.idle.emit()

        def failed(kind: str, message: str) -> None:
            self._tasks.discard(task)
            self._failed(kind, message)
            self._set_busy(bool(self._tasks))
            self.idle.emit()

        task.signals.done.connect(finished)
        task.signals.failed.connect(failed)
        self._set_busy(True)
        self.pool.start(task)

    def _forget_tasks(self) -> None:
        """Closed: answers still on their way go nowhere."""
        for task in self._tasks:
            task.signals.done.disconnect()
            task.signals.failed.disconnect()
        self._tasks.clear()

    def busy(self) -> bool:
        return bool(self._tasks)

    def _set_busy(self, busy: bool) -> None:
        online = bool(self.choices)
        self.new_button.setEnabled(not busy and online)
        self.revoke_button.setEnabled(not busy and online and self.model.rowCount() > 0)
        self.reload_button.setEnabled(not busy)

    def _failed(self, kind: str, message: str) -> None:
        if kind == "offline":
            self.status_label.setText(
                self.tr(
                    "The server cannot be reached. API keys are kept on the server only, "
                    "so they can be seen and changed only while online."
                )
            )
        else:
            self.status_label.setText(self.tr("The server refused: %1").replace("%1", message))

    def reload(self) -> None:
        self.status_label.setText(self.tr("Loading…"))
        client = self.client

        def load() -> tuple[list[str], list[ApiKeyRead]]:
            return client.permissions(), client.list()

        self._run(load, self._loaded)

    def _loaded(self, result: tuple[list[str], list[ApiKeyRead]]) -> None:
        permissions, keys = result
        self.choices = permission_choices(permissions)
        self.model.set_keys(keys)
        self.status_label.setText(self.tr("%n key(s)", "", len(keys)))

    def new_key(self) -> None:
        dialog = NewKeyDialog(self.choices, self)
        dialog.accepted.connect(lambda: self._create(dialog))
        self.new_dialog = dialog
        dialog.open()

    def _create(self, dialog: NewKeyDialog) -> None:
        data = dialog.data
        if data is None:
            return
        self.status_label.setText(self.tr("Creating the key…"))
        client = self.client
        self._run(lambda: client.create(data), self._created)

    def _created(self, created: ApiKeyCreated) -> None:
        shown = ShownKeyDialog(created, self)
        self.shown_dialog = shown
        shown.open()
        self.reload()

    def selected_key(self) -> ApiKeyRead | None:
        index = self.table.currentIndex()
        return self.model.key_at(index.row()) if index.isValid() else None

    def revoke_selected(self) -> None:
        key = self.selected_key()
        if key is None:
            self.status_label.setText(self.tr("Select the key to revoke"))
            return
        if not confirm_revoke(self, key.name):
            return
        self.status_label.setText(self.tr("Revoking…"))
        client = self.client
        self._run(lambda: client.revoke(key.id), lambda _r: self.reload())
