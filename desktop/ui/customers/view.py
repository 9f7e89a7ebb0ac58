"""The customer list: an instant filter, active/inactive, and a sortable table read page by page."""

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

from desktop.ui.customers.model import COL_CREDIT_LIMIT, COL_NAME, ID_ROLE, CustomerTableModel

HEADER_KEY = "customers/list/header"
_DEFAULT_WIDTHS = {COL_NAME: 220, 1: 170, 2: 230, 3: 140, 4: 110, 5: 70, COL_CREDIT_LIMIT: 120}


class CustomerListView(QWidget):
    """Emits ``current_changed(id)`` ("" when nothing is selected)."""

    current_changed = Signal(str)

    def __init__(
        self,
        model: CustomerTableModel,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self._settings = settings if settings is not None else QSettings()

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("customerFilter")
        self.filter_edit.setPlaceholderText(self.tr("Filter by name, company, email, phone, city"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.model.set_filter_text)

        self.active_combo = QComboBox(self)
        self.active_combo.setObjectName("customerActiveFilter")
        self.active_combo.addItem(self.tr("All customers"), None)
        self.active_combo.addItem(self.tr("Active"), True)
        self.active_combo.addItem(self.tr("Inactive"), False)
        self.active_combo.currentIndexChanged.connect(
            lambda i: self.model.set_active_filter(self.active_combo.itemData(i))
        )

        self.count_label = QLabel(self)
        self.count_label.setObjectName("customerCount")

        self.table = QTableView(self)
        self.table.setObjectName("customersTable")
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
        for column, width in _DEFAULT_WIDTHS.items():
            header.resizeSection(column, width)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.restore_columns()
        header.sectionResized.connect(lambda *_: self.save_columns())
        header.sectionMoved.connect(lambda *_: self.save_columns())
        header.sortIndicatorChanged.connect(lambda *_: self.save_columns())

        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.model.loaded.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.active_combo)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._update_count()

    # ------------------------------------------------------------ selection

    def current_id(self) -> str:
        index = self.table.currentIndex()
        return str(index.data(ID_ROLE)) if index.isValid() else ""

    def select_id(self, customer_id: str | None, *, notify: bool = False) -> bool:
        """Make ``customer_id`` the current row if it is loaded; clear the selection for None."""
        selection = self.table.selectionModel()
        blocked = selection.blockSignals(not notify)
        try:
            if not customer_id:
                selection.clear()
                self.table.setCurrentIndex(self.model.index(-1, -1))
                return True
            row = self.model.row_of(customer_id)
            if row is None:
                selection.clear()
                return False
            index = self.model.index(row, COL_NAME)
            self.table.setCurrentIndex(index)
            self.table.selectRow(row)
            return True
        finally:
            selection.blockSignals(blocked)

    def _current_row_changed(self, _current: object, _previous: object) -> None:
        self.current_changed.emit(self.current_id())

    # ------------------------------------------------------------ columns

    def save_columns(self) -> None:
        self._settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())

    def restore_columns(self) -> None:
        state = self._settings.value(HEADER_KEY)
        if isinstance(state, QByteArray) and not state.isEmpty():
            header = self.table.horizontalHeader()
            header.restoreState(state)
            # restoreState sets the indicator without asking the model to sort: ask it.
            self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        locale = QLocale()
        if self.model.is_complete():
            text = self.tr("%n customer(s)", "", shown)
        else:
            text = self.tr("%1+ customers").replace("%1", locale.toString(shown))
        self.count_label.setText(text)
