"""The lookup editor: a searchable picker of another record (a deal's client, a country)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLineEdit, QToolButton, QWidget

from desktop.core.kit.entity import Entity, Field
from desktop.core.kit.lookups import LookupSource, Option
from desktop.ui.kit.display import tr

VALUE_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # a choice's stored value


class LookupPicker(QWidget):
    """A searchable picker of another record (or a country): type to search, choose a match.

    The choices are queried from the replica each time the list opens or the
    text changes, so they are never older than the last sync. A choice shows
    its detail (email, city) so two records of the same name can be told apart.
    """

    edited = Signal()
    left = Signal()

    def __init__(
        self,
        field: Field,
        entity: Entity,
        source: LookupSource,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self._value: str | None = None
        self.line = QLineEdit(self)
        self.line.setObjectName("lookupText")
        self.line.setPlaceholderText(
            tr(entity, field.placeholder) or self.tr("Type to search, or open the list")
        )
        self.line.setClearButtonEnabled(True)
        self.open_button = QToolButton(self)
        self.open_button.setObjectName("lookupOpen")
        self.open_button.setArrowType(Qt.ArrowType.DownArrow)
        self.open_button.setToolTip(self.tr("Show the choices"))
        self.open_button.clicked.connect(lambda: self.search(""))
        self.matches = QStandardItemModel(self)
        self.completer = QCompleter(self.matches, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.completer.setWidget(self.line)
        self.completer.activated[QModelIndex].connect(self._chosen)
        self._timer = QTimer(self)  # one query per pause in typing
        self._timer.setSingleShot(True)
        self._timer.setInterval(80)
        self._timer.timeout.connect(lambda: self.search(self.line.text()))
        self.line.textEdited.connect(self._typed)
        self.line.editingFinished.connect(self._finished)
        self.setFocusProxy(self.line)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.line, 1)
        row.addWidget(self.open_button)

    # ------------------------------------------------------------ the choices

    def search(self, text: str) -> list[Option]:
        """Fill the list with the choices matching ``text`` and show it."""
        self._timer.stop()
        options = self.source.options(text)
        self.matches.clear()
        for option in options:
            item = QStandardItem(option.text)
            item.setData(option.value, VALUE_ROLE)
            item.setEditable(False)
            self.matches.appendRow(item)
        if not options:
            item = QStandardItem(self.tr("No matches"))
            item.setEnabled(False)
            self.matches.appendRow(item)
        self.completer.setCompletionPrefix("")
        # Wider than the field when needed: the detail is what tells two choices apart.
        popup = self.completer.popup()
        width = max(self.width(), popup.sizeHintForColumn(0) + 30)
        self.completer.complete(QRect(0, 0, min(width, 560), self.line.height()))
        return options

    def choices(self) -> list[str]:
        """The texts the open list shows."""
        return [
            self.matches.item(n).text()
            for n in range(self.matches.rowCount())
            if self.matches.item(n).data(VALUE_ROLE) is not None
        ]

    def choose(self, row: int) -> None:
        """Take the ``row``-th shown choice, as a click on it does."""
        self._chosen(self.matches.index(row, 0))

    def _typed(self, text: str) -> None:
        if not text.strip():
            self.completer.popup().hide()
            if self._value is not None:
                self._value = None
                self.edited.emit()
            return
        self._timer.start()

    def _chosen(self, index: QModelIndex) -> None:
        value = index.data(VALUE_ROLE)
        if value is None:
            return
        self.completer.popup().hide()
        changed = value != self._value
        self._value = str(value)
        self.line.setText(str(index.data()))
        self.line.setCursorPosition(0)
        if changed:
            self.edited.emit()

    def _finished(self) -> None:
        # Left with a text that is not a choice: show the chosen record again, never half a name.
        if self.completer.popup().isVisible():
            return
        self.refresh()
        self.left.emit()

    def refresh(self) -> None:
        """Show the current value's name as the replica has it now (it may have just arrived)."""
        option = self.source.option(self._value) if self._value else None
        self.line.setText(option.text if option else (self._value or ""))
        self.line.setCursorPosition(0)

    # ------------------------------------------------------------ the editor interface

    def raw(self) -> Any:
        return self._value

    def set_raw(self, raw: Any) -> None:
        self._value = str(raw) if raw else None
        self.refresh()

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        self.set_raw(value)
