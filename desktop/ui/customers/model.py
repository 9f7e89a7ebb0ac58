"""The customer table model: pages of rows from the replica's SQL list, loaded as the view scrolls.

Sorting and filtering happen in SQLite (desktop/core/customers.py), never in a
proxy model: with 100k rows a QSortFilterProxyModel pass takes seconds.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyle

from desktop.core.customers import PAGE_SIZE, CustomerList, CustomerRow, ListQuery, SortKey
from desktop.ui.customers.money import money_text

# Looked up once, as plain ints: resolving or comparing the enums inside data() costs more
# than the rest of the call (ENVIRONMENT.md measured 2.8x on filtering).
DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
DECORATION_ROLE = int(Qt.ItemDataRole.DecorationRole)
TOOLTIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)
FOREGROUND_ROLE = int(Qt.ItemDataRole.ForegroundRole)
ALIGNMENT_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
USER_ROLE = int(Qt.ItemDataRole.UserRole)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags

ID_ROLE = USER_ROLE + 1  # the customer id (str)
ROW_ROLE = USER_ROLE + 2  # the whole CustomerRow
CONFLICT_ROLE = USER_ROLE + 3  # bool: an open conflict waits for the user
PENDING_ROLE = USER_ROLE + 4  # bool: local edits not yet acknowledged by the server
CENTS_ROLE = USER_ROLE + 5  # int: the credit limit in cents

COL_NAME = 0
COL_COMPANY = 1
COL_EMAIL = 2
COL_PHONE = 3
COL_CITY = 4
COL_COUNTRY = 5
COL_CREDIT_LIMIT = 6
COL_STATUS = 7
COLUMN_COUNT = 8

SORT_BY_COLUMN: dict[int, SortKey] = {
    COL_NAME: "name",
    COL_COMPANY: "company",
    COL_EMAIL: "email",
    COL_PHONE: "phone",
    COL_CITY: "city",
    COL_COUNTRY: "country",
    COL_CREDIT_LIMIT: "credit_limit",
    COL_STATUS: "active",
}
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class CustomerTableModel(QAbstractTableModel):
    """Rows of ``CustomerList.page``; ``fetchMore`` loads the next page (keyset, not offset)."""

    loaded = Signal()  # after a (re)load or a fetched page: the shown rows changed

    def __init__(self, customers: CustomerList, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._customers = customers
        self._query = ListQuery()
        self._rows: list[CustomerRow] = []
        self._exhausted = True
        self._locale = QLocale()
        self._icons: dict[str, QIcon] = {}
        self._headers = [
            self.tr("Name"),
            self.tr("Company"),
            self.tr("Email"),
            self.tr("Phone"),
            self.tr("City"),
            self.tr("Country"),
            self.tr("Credit limit"),
            self.tr("Status"),
        ]
        self._status = {
            "active": self.tr("Active"),
            "inactive": self.tr("Inactive"),
            "deactivating": self.tr("Deactivating…"),
            "activating": self.tr("Activating…"),
        }
        self.reload()

    # ------------------------------------------------------------ the query

    @property
    def query(self) -> ListQuery:
        return self._query

    def set_query(self, query: ListQuery) -> None:
        if query != self._query:
            self._query = query
            self.reload(keep_loaded=False)

    def set_filter_text(self, text: str) -> None:
        self.set_query(
            ListQuery(text, self._query.active, self._query.sort, self._query.descending)
        )

    def set_active_filter(self, active: bool | None) -> None:
        self.set_query(
            ListQuery(self._query.text, active, self._query.sort, self._query.descending)
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_BY_COLUMN.get(column)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(ListQuery(self._query.text, self._query.active, key, descending))

    def reload(self, *, keep_loaded: bool = True) -> None:
        """Query again (the replica changed); keep as many rows loaded as before if asked."""
        limit = max(PAGE_SIZE, len(self._rows)) if keep_loaded else PAGE_SIZE
        rows = self._customers.page(self._query, limit=limit)
        self.beginResetModel()
        self._rows = rows
        self._exhausted = len(rows) < limit
        self.endResetModel()
        self.loaded.emit()

    # ------------------------------------------------------------ paging

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: N802 - Qt override
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: N802 - Qt override
        if parent.isValid() or self._exhausted:
            return
        after = self._rows[-1] if self._rows else None
        rows = self._customers.page(self._query, after=after, limit=PAGE_SIZE)
        self._exhausted = len(rows) < PAGE_SIZE
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.loaded.emit()

    def is_complete(self) -> bool:
        """Every matching row is loaded (so ``rowCount`` is the number of matches)."""
        return self._exhausted

    # ------------------------------------------------------------ lookups

    def row_of(self, customer_id: str) -> int | None:
        for i, row in enumerate(self._rows):
            if row.id == customer_id:
                return i
        return None

    def row_at(self, row: int) -> CustomerRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # ------------------------------------------------------------ Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < COLUMN_COUNT:
            if role == DISPLAY_ROLE:
                return self._headers[section]
            if role == ALIGNMENT_ROLE and section == COL_CREDIT_LIMIT:
                return _RIGHT
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return _NO_FLAGS
        return _FLAGS

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        r = index.row()
        if r >= len(self._rows):
            return None
        row = self._rows[r]
        column = index.column()
        if role == DISPLAY_ROLE:
            return self._display(row, column)
        if role == ID_ROLE:
            return row.id
        if role == ROW_ROLE:
            return row
        if role == CONFLICT_ROLE:
            return row.conflict
        if role == PENDING_ROLE:
            return row.pending
        if role == CENTS_ROLE:
            return row.credit_limit
        if role == DECORATION_ROLE and column == COL_NAME:
            if row.conflict:
                return self._icon("conflict")
            if row.pending:
                return self._icon("pending")
            return None
        if role == TOOLTIP_ROLE and column == COL_NAME:
            if row.conflict:
                return self.tr("Edited here and elsewhere at the same time: compare and choose")
            if row.pending:
                return self.tr("Changes waiting to be sent to the server")
            return None
        if role == FOREGROUND_ROLE and not row.active:
            return QGuiApplication.palette().brush(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        if role == ALIGNMENT_ROLE and column == COL_CREDIT_LIMIT:
            return _RIGHT
        return None

    def _display(self, row: CustomerRow, column: int) -> str:
        if column == COL_NAME:
            return row.name
        if column == COL_COMPANY:
            return row.company
        if column == COL_EMAIL:
            return row.email
        if column == COL_PHONE:
            return row.phone
        if column == COL_CITY:
            return row.city
        if column == COL_COUNTRY:
            return row.country
        if column == COL_CREDIT_LIMIT:
            return money_text(self._locale, row.credit_limit, row.currency)
        if column == COL_STATUS:
            if row.pending_command == "deactivate" and row.active:
                return self._status["deactivating"]
            if row.pending_command == "activate" and not row.active:
                return self._status["activating"]
            return self._status["active" if row.active else "inactive"]
        return ""

    def _icon(self, kind: str) -> QIcon:
        icon = self._icons.get(kind)
        if icon is None:
            pixmap = (
                QStyle.StandardPixmap.SP_MessageBoxWarning
                if kind == "conflict"
                else QStyle.StandardPixmap.SP_BrowserReload
            )
            icon = QApplication.style().standardIcon(pixmap)
            self._icons[kind] = icon
        return icon
