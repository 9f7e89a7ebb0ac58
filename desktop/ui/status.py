"""The sync status in the status bar (click for details) and the Sync details dialog."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QDateTime, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.modules import module
from desktop.core.replica import Rejection, Replica
from desktop.ui.conflicts import entity_label


def format_timestamp(iso: str | None, *, with_date: bool = False) -> str:
    if not iso:
        return ""
    stamp = QDateTime.fromString(iso, Qt.DateFormat.ISODateWithMs)
    if not stamp.isValid():
        stamp = QDateTime.fromString(iso, Qt.DateFormat.ISODate)
    if not stamp.isValid():
        return iso
    local = stamp.toLocalTime()
    locale = QLocale()
    if with_date or local.date() != QDateTime.currentDateTime().date():
        return locale.toString(local, QLocale.FormatType.ShortFormat)
    return locale.toString(local.time(), QLocale.FormatType.ShortFormat)


def rejection_text(r: Rejection, replica: Replica | None = None) -> str:
    """One line a user can act on: what was refused and why (the server's message)."""
    from PySide6.QtCore import QCoreApplication

    def tr(text: str) -> str:
        return QCoreApplication.translate("rejections", text)

    ops = {
        "create": tr("New %1"),
        "update": tr("Change to %1"),
        "delete": tr("Deletion of %1"),
        "command": tr("Action on %1"),
    }
    record = replica.get(entity=r.entity, id=r.id) if replica is not None else None
    declared = module(r.entity)
    data = r.payload.get("data") or {}
    name = declared.name_of(record) or declared.name_of(data) if declared is not None else ""
    what = entity_label(r.entity).lower() + (f" “{name}”" if name else "")
    message = str(r.error.get("message") or r.error.get("error") or tr("refused"))
    details = r.error.get("details")
    if isinstance(details, dict) and details:
        message += " (" + "; ".join(f"{k}: {v}" for k, v in details.items()) + ")"
    return (
        tr("%1 was refused by the server and undone here: %2")
        .replace("%1", ops.get(r.op, "%1").replace("%1", what))
        .replace("%2", message)
    )


@dataclass
class SyncState:
    """What the status bar shows; kept by the main window, rendered here."""

    online: bool | None = None  # None: not known yet (connecting)
    working_offline: bool = False  # the user chose Go offline
    pending: int = 0
    last_sync_at: str | None = None
    error: str | None = None


class SyncStatusButton(QToolButton):
    """ "Online · 3 changes waiting · Last sync 14:02" — click for the details dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setToolTip(self.tr("Sync details"))

    def show_state(self, state: SyncState) -> None:
        style = self.style()
        if state.working_offline:
            head = self.tr("Offline (working offline)")
            icon = QStyle.StandardPixmap.SP_MediaPause
        elif state.online is None:
            head = self.tr("Connecting…")
            icon = QStyle.StandardPixmap.SP_BrowserReload
        elif state.online:
            head = self.tr("Online")
            icon = QStyle.StandardPixmap.SP_DialogApplyButton
        else:
            head = self.tr("Offline — retrying")
            icon = QStyle.StandardPixmap.SP_MessageBoxWarning
        self.setIcon(style.standardIcon(icon))
        if state.pending == 0:
            waiting = self.tr("all changes sent")
        elif state.pending == 1:
            waiting = self.tr("1 change waiting")
        else:
            waiting = self.tr("%1 changes waiting").replace("%1", QLocale().toString(state.pending))
        last = (
            self.tr("last sync %1").replace("%1", format_timestamp(state.last_sync_at))
            if state.last_sync_at
            else self.tr("never synced")
        )
        self.setText(f"{head} · {waiting} · {last}")


class InitialSyncProgress(QWidget):
    """A busy bar and a record count while the first snapshot is loading."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("initialSync")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # the server does not say how many records are coming
        self.bar.setMaximumWidth(140)
        self.label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.hide()

    def show_count(self, records: int, done: bool) -> None:
        if done:
            self.hide()
            return
        self.label.setText(
            self.tr("Initial sync: %1 records").replace("%1", QLocale().toString(records))
        )
        self.show()


class ConflictButton(QToolButton):
    """ "2 conflicts — Compare…", shown while open conflicts exist."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflicts")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        self.hide()

    def show_count(self, count: int) -> None:
        if count == 1:
            self.setText(self.tr("1 conflict — Compare…"))
        else:
            self.setText(self.tr("%1 conflicts — Compare…").replace("%1", str(count)))
        self.setVisible(count > 0)


class SyncDetailsDialog(QDialog):
    """Server, user, state, the last error and the edits the server refused (with reasons)."""

    sync_now = Signal()

    def __init__(
        self,
        *,
        state: SyncState,
        server_url: str,
        user: str,
        replica: Replica,
        credential_note: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncDetails")
        self.setWindowTitle(self.tr("Sync details"))
        self.setMinimumWidth(520)
        form = QFormLayout()
        if state.working_offline:
            status = self.tr("Offline (you chose to work offline)")
        elif state.online:
            status = self.tr("Online")
        elif state.online is None:
            status = self.tr("Connecting…")
        else:
            status = self.tr("Offline — the app keeps retrying")
        form.addRow(self.tr("Server"), QLabel(server_url))
        form.addRow(self.tr("Signed in as"), QLabel(user))
        form.addRow(self.tr("Status"), QLabel(status))
        form.addRow(self.tr("Changes waiting"), QLabel(QLocale().toString(state.pending)))
        form.addRow(
            self.tr("Last successful sync"),
            QLabel(format_timestamp(state.last_sync_at, with_date=True) or self.tr("never")),
        )
        self.error_label = QLabel(state.error or self.tr("none"))
        self.error_label.setObjectName("lastError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("Last error"), self.error_label)
        form.addRow(self.tr("Sign-in token"), QLabel(credential_note))

        self.rejections = QListWidget()
        self.rejections.setObjectName("rejections")
        self.rejections.setWordWrap(True)
        for r in reversed(replica.rejections(include_dismissed=True)[-50:]):
            when = format_timestamp(r.created_at, with_date=True)
            self.rejections.addItem(f"{when}: {rejection_text(r, replica)}")
        if self.rejections.count() == 0:
            self.rejections.addItem(self.tr("The server has refused none of your edits."))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        sync = buttons.addButton(self.tr("Sync now"), QDialogButtonBox.ButtonRole.ActionRole)
        sync.clicked.connect(self.sync_now.emit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Edits the server refused")))
        layout.addWidget(self.rejections, 1)
        layout.addWidget(buttons)
