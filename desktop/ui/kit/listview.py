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

from desktop.core.kit.entity import Field, ListFilter
from desktop.core.kit.lookups import LookupSource
from desktop.core.modules import open_lookup
from desktop.core.replica import Replica
from desktop.ui.kit.display import language, tr
from desktop.ui.kit.editors import DateEditor
from desktop.ui.kit.model import ID_ROLE, EntityTableModel
from desktop.ui.kit.picker import LookupPicker


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
        replica: Replica | None = None,
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
        self.filter_pickers: dict[str, LookupPicker] = {}
        self.filter_dates: dict[str, tuple[DateEditor, DateEditor]] = {}
        self._sources: list[LookupSource] = []
        for declared in entity.filters:
            if declared.ref is not None:
                self._ref_filter(declared, replica)
                continue
            if declared.dates:
                self._date_filter(declared)
                continue
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
        for picker in self.filter_pickers.values():
            self.bar.addWidget(picker, 1)
        self.bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.bar)
        if self.filter_dates:  # a second row: the date ranges
            dates = QHBoxLayout()
            for column, (low, high) in self.filter_dates.items():
                declared = next(f for f in entity.filters if f.column == column)
                dates.addWidget(QLabel(tr(entity, declared.label), self))
                dates.addWidget(QLabel(self.tr("from"), self))
                dates.addWidget(low)
                dates.addWidget(QLabel(self.tr("to"), self))
                dates.addWidget(high)
            dates.addStretch(1)
            layout.addLayout(dates)
        self.destroyed.connect(self._close_sources)
        if with_table:
            layout.addWidget(self.table, 1)
        self._update_count()

    # ------------------------------------------------------------ filters

    def _ref_filter(self, declared: ListFilter, replica: Replica | None) -> None:
        """A picker of the record the column points to; cleared, it shows every row."""
        assert declared.ref is not None, declared.column
        assert replica is not None, f"{declared.column}: a lookup filter needs the replica"
        entity = self.model.entity
        source = open_lookup(declared.ref, replica, language())
        self._sources.append(source)
        field = Field(
            declared.column, declared.label, "ref", ref=declared.ref, placeholder=declared.label
        )
        picker = LookupPicker(field, entity, source, self)
        picker.setObjectName(f"{entity.name}Filter_{declared.column}")
        picker.edited.connect(
            lambda p=picker, k=declared.column: self.model.set_filter(k, p.value())
        )
        self.filter_pickers[declared.column] = picker

    def _date_filter(self, declared: ListFilter) -> None:
        """From and to dates (either may be none) on an ISO date column."""
        entity = self.model.entity
        field = Field(declared.column, declared.label, "date")
        low, high = DateEditor(field, entity, self), DateEditor(field, entity, self)
        for editor, end in ((low, "from"), (high, "to")):
            editor.set_raw(None)  # open at both ends until the user picks a date
            editor.setObjectName(f"{entity.name}Filter_{declared.column}_{end}")
            editor.edited.connect(
                lambda k=declared.column, a=low, b=high: self.model.set_range(k, a.raw(), b.raw())
            )
        self.filter_dates[declared.column] = (low, high)

    def _close_sources(self) -> None:
        for source in self._sources:
            source.close()

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
