"""An entity's list: an instant filter, the declared filter combos, and a sortable table read
page by page. The bar and the table are separate widgets so a page can lay them out its own
way (the deals page puts the pipeline beside the table)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QLocale, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.kit.display import tr
from desktop.ui.kit.model import ID_ROLE, EntityTableModel


class EntityListView(QWidget):
    """Emits ``current_changed(id)`` ("" when nothing is selected)."""

    current_changed = Signal(str)

    def __init__(
        self,
        model: EntityTableModel,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        *,
        with_table: bool = True,
    ) -> None:
        """``with_table=False``: the page places ``table`` itself (beside other views)."""
        super().__init__(parent)
        self.model = model
        entity = model.entity
        self._settings = settings if settings is not None else QSettings()
        self._header_key = f"{entity.context}/list/header"

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName(f"{entity.name}Filter")
        self.filter_edit.setPlaceholderText(tr(entity, entity.filter_hint))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.model.set_filter_text)

        self.filter_combos: dict[str, QComboBox] = {}
        for declared in entity.filters:
            combo = QComboBox(self)
            combo.setObjectName(f"{entity.name}Filter_{declared.column}")
            for label, value in declared.options:
                combo.addItem(tr(entity, label), value)
            combo.currentIndexChanged.connect(
                lambda i, c=combo, k=declared.column: self.model.set_filter(k, c.itemData(i))
            )
            self.filter_combos[declared.column] = combo

        self.count_label = QLabel(self)
        self.count_label.setObjectName(f"{entity.name}Count")

        self.table = QTableView(self)
        self.table.setObjectName(f"{entity.name}Table")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row height: the view never asks 100k rows how tall they are.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        for n, column in enumerate(entity.columns):
            header.resizeSection(n, column.width)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.restore_columns()
        header.sectionResized.connect(lambda *_: self.save_columns())
        header.sectionMoved.connect(lambda *_: self.save_columns())
        header.sortIndicatorChanged.connect(lambda *_: self.save_columns())

        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.model.loaded.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)

        self.bar = QHBoxLayout()
        self.bar.addWidget(self.filter_edit, 1)
        for combo in self.filter_combos.values():
            self.bar.addWidget(combo)
        self.bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.bar)
        if with_table:
            layout.addWidget(self.table, 1)
        self._update_count()

    # ------------------------------------------------------------ selection

    def current_id(self) -> str:
        index = self.table.currentIndex()
        return str(index.data(ID_ROLE)) if index.isValid() else ""

    def select_id(
        self, record_id: str | None, *, notify: bool = False, reveal: bool = False
    ) -> bool:
        """Make ``record_id`` the current row if it is loaded (``reveal``: page it in if the
        filter shows it further down); clear the selection for None."""
        selection = self.table.selectionModel()
        blocked = selection.blockSignals(not notify)
        try:
            if not record_id:
                selection.clear()
                self.table.setCurrentIndex(self.model.index(-1, -1))
                return True
            row = self.model.load_through(record_id) if reveal else self.model.row_of(record_id)
            if row is None:
                selection.clear()
                return False
            index = self.model.index(row, 0)
            self.table.setCurrentIndex(index)
            self.table.selectRow(row)
            self.table.scrollTo(index)
            return True
        finally:
            selection.blockSignals(blocked)

    def _current_row_changed(self, _current: object, _previous: object) -> None:
        self.current_changed.emit(self.current_id())

    # ------------------------------------------------------------ columns

    def save_columns(self) -> None:
        self._settings.setValue(self._header_key, self.table.horizontalHeader().saveState())

    def restore_columns(self) -> None:
        state = self._settings.value(self._header_key)
        if isinstance(state, QByteArray) and not state.isEmpty():
            header = self.table.horizontalHeader()
            header.restoreState(state)
            # restoreState sets the indicator without asking the model to sort: ask it.
            self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def count_text(self) -> str:
        entity = self.model.entity
        shown = self.model.rowCount()
        if self.model.is_complete():
            return tr(entity, entity.count, shown)
        return tr(entity, entity.count_more).replace("%1", QLocale().toString(shown))

    def _update_count(self) -> None:
        self.count_label.setText(self.count_text())
