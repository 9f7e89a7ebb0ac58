"""The deal list's table model: every deal of the replica, sorted in the model.

A pipeline holds tens to a few thousand deals, so the model keeps them all and
sorts the Python list (no proxy model; see ENVIRONMENT.md on proxy costs).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from common.deals import STAGES
from desktop.core.deals import DealCard
from desktop.ui.customers.money import money_text
from desktop.ui.deals.text import stage_name

DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
ALIGNMENT_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
TOOLTIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)
ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the deal id (str)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

COL_TITLE = 0
COL_CLIENT = 1
COL_STAGE = 2
COL_VALUE = 3
COL_PROBABILITY = 4
COL_EXPECTED_CLOSE = 5
COLUMN_COUNT = 6
_STAGE_ORDER = {s: n for n, s in enumerate(STAGES)}


def _sort_key(card: DealCard, column: int) -> Any:
    if column == COL_TITLE:
        return (card.title.casefold(), card.id)
    if column == COL_CLIENT:
        return (card.client_name.casefold(), card.id)
    if column == COL_STAGE:
        return (_STAGE_ORDER[card.stage], card.id)
    if column == COL_VALUE:
        return (card.currency, card.value, card.id)
    if column == COL_PROBABILITY:
        return (card.probability, card.id)
    return (card.expected_close or "", card.id)


class DealTableModel(QAbstractTableModel):
    """The deals as rows; ``sort`` orders them in place."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DealCard] = []
        self._sort = (COL_TITLE, Qt.SortOrder.AscendingOrder)
        self._locale = QLocale()
        self._headers = [
            self.tr("Title"),
            self.tr("Client"),
            self.tr("Stage"),
            self.tr("Value"),
            self.tr("Probability"),
            self.tr("Expected close"),
        ]

    def set_deals(self, cards: list[DealCard]) -> None:
        self.beginResetModel()
        self._locale = QLocale()
        self._rows = list(cards)
        self._order()
        self.endResetModel()

    def card_at(self, row: int) -> DealCard | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, deal_id: str) -> int | None:
        return next((n for n, c in enumerate(self._rows) if c.id == deal_id), None)

    # ------------------------------------------------------------ Qt

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else COLUMN_COUNT

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(  # noqa: N802 - Qt's name
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < COLUMN_COUNT:
            if role == DISPLAY_ROLE:
                return self._headers[section]
            if role == ALIGNMENT_ROLE and section in (COL_VALUE, COL_PROBABILITY):
                return _RIGHT
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        card, column = self._rows[index.row()], index.column()
        if role == DISPLAY_ROLE:
            if column == COL_TITLE:
                return card.title
            if column == COL_CLIENT:
                return card.client_name
            if column == COL_STAGE:
                return stage_name(card.stage)
            if column == COL_VALUE:
                return money_text(self._locale, card.value, card.currency)
            if column == COL_PROBABILITY:
                return self._locale.toString(card.probability) + "\u00a0%"
            if column == COL_EXPECTED_CLOSE:
                if not card.expected_close:
                    return ""
                day = QDate.fromString(card.expected_close, Qt.DateFormat.ISODate)
                return self._locale.toString(day, QLocale.FormatType.ShortFormat)
            return None
        if role == ALIGNMENT_ROLE and column in (COL_VALUE, COL_PROBABILITY):
            return _RIGHT
        if role == ID_ROLE:
            return card.id
        if role == TOOLTIP_ROLE and card.pending:
            return self.tr("Waiting to be sent to the server")
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < COLUMN_COUNT:
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [self._rows[i.row()].id if i.isValid() else None for i in before]
        self._sort = (column, order)
        self._order()
        rows = {c.id: n for n, c in enumerate(self._rows)}
        after = [
            self.index(rows[i], old.column()) if i in rows else QModelIndex()
            for i, old in zip(ids, before, strict=True)
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _order(self) -> None:
        column, order = self._sort
        self._rows.sort(
            key=lambda c: _sort_key(c, column), reverse=order == Qt.SortOrder.DescendingOrder
        )
