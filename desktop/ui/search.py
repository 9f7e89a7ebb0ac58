"""Global search (Ctrl+K): a field in the toolbar with a popup of matching records.

Reads the local replica only (``search_customers``), so it works offline.
Enter, or a click on a match, opens the record.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from desktop.core.replica import Replica

ID_ROLE = Qt.ItemDataRole.UserRole + 1
ENTITY_ROLE = Qt.ItemDataRole.UserRole + 2


def _search_customers(replica: Replica, text: str, limit: int) -> list[dict[str, Any]]:
    from desktop.core.customers import search_customers

    return search_customers(replica, text, limit)


class GlobalSearch(QLineEdit):
    """Emits ``open_requested(entity, id)`` when the user picks a match."""

    open_requested = Signal(str, str)

    def __init__(self, replica: Replica, parent: QWidget | None = None, limit: int = 20) -> None:
        super().__init__(parent)
        self.setObjectName("globalSearch")
        self.replica = replica
        self.limit = limit
        self.setPlaceholderText(self.tr("Search everything (Ctrl+K)"))
        self.setClearButtonEnabled(True)
        self.setMaximumWidth(360)
        self.results = QStandardItemModel(self)
        self.completer_ = QCompleter(self.results, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setMaxVisibleItems(12)
        self.completer_.setWidget(self)
        self.completer_.activated[QModelIndex].connect(self._activated)
        # Debounce: one replica query per pause in typing, not per keystroke.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.update_results)
        self.textEdited.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self._open_first)

    def update_results(self) -> None:
        text = self.text().strip()
        self.results.clear()
        if not text:
            self.completer_.popup().hide()
            return
        for row in _search_customers(self.replica, text, self.limit):
            detail = row.get("email") or row.get("company") or ""
            item = QStandardItem(f"{row.get('name', '')} — {detail}" if detail else row["name"])
            item.setData(row["id"], ID_ROLE)
            item.setData("customer", ENTITY_ROLE)
            item.setEditable(False)
            self.results.appendRow(item)
        if self.results.rowCount() == 0:
            item = QStandardItem(self.tr("No matches"))
            item.setEnabled(False)
            self.results.appendRow(item)
        self.completer_.setCompletionPrefix("")
        self.completer_.complete()

    def _activated(self, index: QModelIndex) -> None:
        record_id = index.data(ID_ROLE)
        if record_id:
            self._open(str(index.data(ENTITY_ROLE)), str(record_id))

    def _open_first(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.update_results()
        first = self.results.index(0, 0)
        if first.isValid() and first.data(ID_ROLE):
            self._open(str(first.data(ENTITY_ROLE)), str(first.data(ID_ROLE)))

    def _open(self, entity: str, record_id: str) -> None:
        self.completer_.popup().hide()
        self.clear()
        self.results.clear()
        self.open_requested.emit(entity, record_id)
