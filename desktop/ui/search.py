"""Global search (Ctrl+K): a field in the toolbar with a popup of matching records of every
declared module (desktop/core/modules.py), each shown with its record type.

Reads the local replica only (each module's list projection and its trigram
index), so it works offline. Enter, or a click on a match, opens the record.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from desktop.core.kit.entity import Entity
from desktop.core.kit.listing import EntityList, ListQuery, ListRow
from desktop.core.modules import MODULES, open_list
from desktop.core.replica import Replica
from desktop.ui.kit.display import Display, tr

ID_ROLE = Qt.ItemDataRole.UserRole + 1
ENTITY_ROLE = Qt.ItemDataRole.UserRole + 2


def result_text(entity: Entity, row: ListRow, display: Display) -> str:
    """ "Customer · Acme Corporation — contact@acme.example": type, name, what tells it apart."""
    title = str(row.values.get(entity.title, ""))
    if not title:  # a title the server has not given yet reads as declared ("Draft")
        column = next((c for c in entity.columns if c.key == entity.title), None)
        title = tr(entity, column.empty) if column is not None and column.empty else row.id
    detail = next((str(row[c]) for c in entity.search_detail if row[c]), "")
    field = entity.field(entity.title)
    if field is not None and field.kind not in ("text", "email", "phone", "url"):
        title = display.value(entity.title, row[entity.title], None)
    text = f"{title} — {detail}" if detail else title
    return f"{tr(entity, entity.label)} · {text}"


class GlobalSearch(QLineEdit):
    """Emits ``open_requested(entity, id)`` when the user picks a match."""

    open_requested = Signal(str, str)

    def __init__(
        self,
        replica: Replica,
        parent: QWidget | None = None,
        limit: int = 20,
        modules: tuple[Entity, ...] = MODULES,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("globalSearch")
        self.replica = replica
        self.limit = limit
        self.modules = modules
        self._lists: dict[str, EntityList] = {}
        self._displays = {m.name: Display(m, replica) for m in modules}
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
        self.destroyed.connect(self._close)

    def _close(self) -> None:
        for rows in self._lists.values():
            rows.close()
        for display in self._displays.values():
            display.close()

    def _list(self, entity: Entity) -> EntityList:
        rows = self._lists.get(entity.name)
        if rows is None:
            rows = self._lists[entity.name] = open_list(entity, self.replica)
        return rows

    def matches(self, text: str) -> list[tuple[Entity, ListRow]]:
        """Records of every module matching ``text``, module by module.

        The ``limit`` is shared out in turns, so a module with many matches does not
        crowd out one with a few.
        """
        if not text.strip():
            return []
        pages = [
            [(entity, r) for r in self._list(entity).page(ListQuery(text), limit=self.limit)]
            for entity in self.modules
        ]
        taken = [0] * len(pages)
        while sum(taken) < self.limit and any(
            t < len(p) for t, p in zip(taken, pages, strict=True)
        ):
            for n, page in enumerate(pages):
                if taken[n] < len(page) and sum(taken) < self.limit:
                    taken[n] += 1
        return [hit for n, page in enumerate(pages) for hit in page[: taken[n]]]

    def update_results(self) -> None:
        text = self.text().strip()
        self.results.clear()
        if not text:
            self.completer_.popup().hide()
            return
        for entity, row in self.matches(text):
            item = QStandardItem(result_text(entity, row, self._displays[entity.name]))
            item.setData(row.id, ID_ROLE)
            item.setData(entity.name, ENTITY_ROLE)
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
