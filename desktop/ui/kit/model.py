"""The one table model: pages of an entity's list rows from SQLite, loaded as the view scrolls.

Sorting and filtering happen in SQLite (desktop/core/kit/projection.py), never
in a proxy model: with 100k rows a QSortFilterProxyModel pass takes seconds.
The columns and how each shows its value come from the entity's declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyle

from desktop.core.kit.entity import Entity
from desktop.core.kit.listing import PAGE_SIZE, EntityList, ListQuery, ListRow
from desktop.ui.kit.display import Display, tr

# Looked up once, as plain ints: resolving or comparing the enums inside data() costs more
# than the rest of the call (ENVIRONMENT.md measured 2.8x on filtering).
DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
DECORATION_ROLE = int(Qt.ItemDataRole.DecorationRole)
TOOLTIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)
FOREGROUND_ROLE = int(Qt.ItemDataRole.ForegroundRole)
FONT_ROLE = int(Qt.ItemDataRole.FontRole)
ALIGNMENT_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
USER_ROLE = int(Qt.ItemDataRole.UserRole)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_RIGHT_KINDS = frozenset({"money", "percent", "number"})

ID_ROLE = USER_ROLE + 1  # the record id (str)
ROW_ROLE = USER_ROLE + 2  # the whole ListRow
CONFLICT_ROLE = USER_ROLE + 3  # bool: an open conflict waits for the user
PENDING_ROLE = USER_ROLE + 4  # bool: local edits not yet acknowledged by the server
VALUE_ROLE = USER_ROLE + 5  # the column's stored value (cents for money)


MOST_LOADED = 5_000  # rows an opened record may page in to show its row (then: not shown)


# Hues of the looks that carry a meaning of their own (paid, overdue); "accent" is the
# palette's link colour. Lightness follows the palette's base: dark on light, light on dark.
_HUES = {"good": 130, "warning": 5}


def look_brush(look: str, palette: QPalette | None = None) -> QBrush:
    """The text colour of a status look, made from the palette so it reads in any theme."""
    palette = palette or QGuiApplication.palette()
    if look == "accent":
        return palette.brush(QPalette.ColorGroup.Active, QPalette.ColorRole.Link)
    base = palette.color(QPalette.ColorRole.Base)
    dark_base = base.lightnessF() < 0.5
    color = QColor.fromHslF(_HUES.get(look, 0) / 360, 0.75, 0.72 if dark_base else 0.32)
    return QBrush(color)


class EntityTableModel(QAbstractTableModel):
    """Rows of ``EntityList.page``; ``fetchMore`` loads the next page (keyset, not offset)."""

    loaded = Signal()  # after a (re)load or a fetched page: the shown rows changed

    def __init__(self, entity: Entity, rows: EntityList, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entity = entity
        self._list = rows
        self._columns = list(entity.columns)
        self._display = Display(entity)
        self._cells: list[Callable[[ListRow], str]] = [
            (lambda row, c=c: self._display.cell(c, row)) for c in self._columns
        ]
        self._keys = [c.key for c in self._columns]
        self._right = {n for n, c in enumerate(self._columns) if c.kind in _RIGHT_KINDS}
        self._query = ListQuery(sort=self._default_sort())
        self._rows: list[ListRow] = []
        self._exhausted = True
        self._icons: dict[str, QIcon] = {}
        self._headers = [tr(entity, c.label) for c in self._columns]
        # The look per stored value (look, why flagged) and the column that shows it (-1:
        # none): the status's, else the first choice column whose choices have looks.
        self._status_key, self._looks, self._status_column = self._look_column(entity)
        self.reload()

    def _look_column(self, entity: Entity) -> tuple[str, dict[Any, tuple[str, str]], int]:
        status = entity.status
        if status is not None:
            looks = {s.value: (s.look, s.locked) for s in status.states}
            shown = self._keys.index(status.field) if status.field in self._keys else -1
            return status.field, looks, shown
        for n, column in enumerate(self._columns):
            if column.kind == "choice" and any(c.look != "plain" for c in column.choices):
                return column.key, {c.value: (c.look, "") for c in column.choices}, n
        return "", {}, -1

    def _default_sort(self) -> str:
        first = self._columns[0]
        return self._sort_key(0) or (first.sort or "")

    def _sort_key(self, column: int) -> str | None:
        if not 0 <= column < len(self._columns):
            return None
        declared = self._columns[column]
        if declared.sort is None:
            return None
        key = declared.sort or declared.key
        return key if key in self.entity.projection.sort_keys else None

    def column(self, key: str) -> int:
        """The position of the column showing projection column ``key``."""
        return self._keys.index(key)

    # ------------------------------------------------------------ the query

    @property
    def query(self) -> ListQuery:
        return self._query

    def set_query(self, query: ListQuery) -> None:
        if query != self._query:
            self._query = query
            self.reload(keep_loaded=False)

    def set_filter_text(self, text: str) -> None:
        self.set_query(replace(self._query, text=text))

    def set_filter(self, column: str, value: Any) -> None:
        """Show only rows whose ``column`` holds ``value`` (None: every row)."""
        self.set_query(replace(self._query, filters={**self._query.filters, column: value}))

    def set_range(self, column: str, low: Any, high: Any) -> None:
        """Show only rows whose ``column`` lies in [low, high] (None: open at that end)."""
        ranges = {k: v for k, v in self._query.ranges.items() if k != column}
        if low is not None or high is not None:
            ranges[column] = (low, high)
        self.set_query(replace(self._query, ranges=ranges))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self._sort_key(column)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(replace(self._query, sort=key, descending=descending))

    def reload(self, *, keep_loaded: bool = True) -> None:
        """Query again (the replica changed); keep as many rows loaded as before if asked."""
        limit = max(PAGE_SIZE, len(self._rows)) if keep_loaded else PAGE_SIZE
        rows = self._list.page(self._query, limit=limit)
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
        rows = self._list.page(self._query, after=after, limit=PAGE_SIZE)
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

    def load_through(self, record_id: str, *, most: int = MOST_LOADED) -> int | None:
        """The row of ``record_id``, fetching the next pages until it shows (at most ``most``
        rows loaded); None if the current filter does not show it."""
        row = self.row_of(record_id)
        while row is None and not self._exhausted and len(self._rows) < most:
            first = len(self._rows)
            self.fetchMore()
            row = self.row_of(record_id, start=first)
        return row

    def row_of(self, record_id: str, *, start: int = 0) -> int | None:
        for i in range(start, len(self._rows)):
            if self._rows[i].id == record_id:
                return i
        return None

    def row_at(self, row: int) -> ListRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # ------------------------------------------------------------ Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._columns)

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == DISPLAY_ROLE:
                return self._headers[section]
            if role == ALIGNMENT_ROLE and section in self._right:
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
            return self._cells[column](row)
        if role == ID_ROLE:
            return row.id
        if role == ROW_ROLE:
            return row
        if role == CONFLICT_ROLE:
            return row.conflict
        if role == PENDING_ROLE:
            return row.pending
        if role == VALUE_ROLE:
            return row[self._keys[column]]
        if role == DECORATION_ROLE and column == 0:
            if row.conflict:
                return self._icon("conflict")
            if row.pending:
                return self._icon("pending")
            return None
        if role == TOOLTIP_ROLE and column == 0:
            if row.conflict:
                return self.tr("Edited here and elsewhere at the same time: compare and choose")
            if row.pending:
                return self.tr("Changes waiting to be sent to the server")
            return None
        if role == FOREGROUND_ROLE and self._looks:
            look, _why = self._looks.get(row[self._status_key], ("plain", ""))
            if look == "plain":
                return None
            if look in ("muted", "flagged"):
                return QGuiApplication.palette().brush(
                    QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
                )
            return look_brush(look) if column == self._status_column else None
        if role == FONT_ROLE and column == self._status_column and self._looks:
            look, _why = self._looks.get(row[self._status_key], ("plain", ""))
            if look == "warning":
                font = QFont()
                font.setBold(True)
                return font
            return None
        if column == self._status_column and role in (DECORATION_ROLE, TOOLTIP_ROLE):
            look, why = self._looks.get(row[self._status_key], ("plain", ""))
            if look != "flagged":
                return None
            return self._icon("flagged") if role == DECORATION_ROLE else tr(self.entity, why)
        if role == ALIGNMENT_ROLE and column in self._right:
            return _RIGHT
        return None

    def _icon(self, kind: str) -> QIcon:
        icon = self._icons.get(kind)
        if icon is None:
            pixmap = {
                "conflict": QStyle.StandardPixmap.SP_MessageBoxWarning,
                "pending": QStyle.StandardPixmap.SP_BrowserReload,
                "flagged": QStyle.StandardPixmap.SP_BrowserStop,
            }[kind]
            icon = QApplication.style().standardIcon(pixmap)
            self._icons[kind] = icon
        return icon
