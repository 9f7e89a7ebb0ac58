"""The pipeline: one column per stage with its count and total, deal cards dragged between them.

A card's drag carries only the deal id (its own MIME type); the drop emits
``move_requested(deal_id, stage)`` and the page decides. Nothing here writes.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QByteArray,
    QLocale,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QKeyEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from common.deals import STAGES, Stage
from desktop.core.deals import DealCard, StageSummary
from desktop.ui.deals.text import stage_name, totals_text
from desktop.ui.kit.money import money_text

DEAL_MIME = "application/x-skeleton-crm-deal-id"
ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
CARD_ROLE = int(Qt.ItemDataRole.UserRole) + 2
_PAD = 8


class CardDelegate(QStyledItemDelegate):
    """Paints a card: title (bold), client, value; palette colours only (dark mode works)."""

    def sizeHint(  # noqa: N802 - Qt's name
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,  # noqa: ARG002 - every card is one size
    ) -> QSize:
        line = option.fontMetrics.lineSpacing()
        view = option.widget  # a card is as wide as its column
        width = view.viewport().width() - 2 if isinstance(view, QListWidget) else 160
        return QSize(max(width, 60), 3 * line + 2 * _PAD + 6)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        card = index.data(CARD_ROLE)
        if not isinstance(card, DealCard):
            super().paint(painter, option, index)
            return
        palette: QPalette = option.palette
        rect: QRect = option.rect.adjusted(2, 3, -2, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        border = palette.color(QPalette.ColorRole.Mid)
        painter.setPen(border)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 5, 5)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(text_role))
        inner = rect.adjusted(_PAD, _PAD - 2, -_PAD, -_PAD + 2)
        line = option.fontMetrics.lineSpacing()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        title = painter.fontMetrics().elidedText(
            card.title, Qt.TextElideMode.ElideRight, inner.width()
        )
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), line), 0, title)
        painter.setFont(option.font)
        if not selected:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        client = painter.fontMetrics().elidedText(
            card.client_name, Qt.TextElideMode.ElideRight, inner.width()
        )
        painter.drawText(QRect(inner.left(), inner.top() + line, inner.width(), line), 0, client)
        painter.setPen(palette.color(text_role))
        value = money_text(QLocale(), card.value, card.currency)
        if card.pending:
            value += "  \u2022"  # a dot: waiting to be sent
        painter.drawText(
            QRect(inner.left(), inner.top() + 2 * line, inner.width(), line),
            int(Qt.AlignmentFlag.AlignRight),
            value,
        )
        painter.restore()


class CardList(QListWidget):
    """The cards of one stage; cards are dragged out of and dropped into it."""

    dropped = Signal(str, object)  # deal id, the Stage of this list
    step = Signal(int)  # Left (-1) / Right (+1): go to the neighbouring column

    def __init__(self, stage: Stage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setObjectName(f"stage_{stage.value}")
        self.setItemDelegate(CardDelegate(self))
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)  # cards follow the column's width
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSpacing(1)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundRole(QPalette.ColorRole.Window)

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt's name
        return [DEAL_MIME]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # type: ignore[override]  # noqa: N802
        data = QMimeData()
        if items:
            data.setData(DEAL_MIME, QByteArray(str(items[0].data(ID_ROLE)).encode()))
        return data

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802 - Qt's name
        return Qt.DropAction.MoveAction

    def _accept(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        if event.mimeData().hasFormat(DEAL_MIME):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            return True
        event.ignore()
        return False

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        self._accept(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt's name
        self._accept(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        # The replica decides what the columns show: never let Qt move the item itself.
        if self._accept(event):
            deal_id = bytes(event.mimeData().data(DEAL_MIME).data()).decode()
            self.dropped.emit(deal_id, self.stage)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.modifiers() == Qt.KeyboardModifier.NoModifier and event.key() in (
            Qt.Key.Key_Left,
            Qt.Key.Key_Right,
        ):
            self.step.emit(-1 if event.key() == Qt.Key.Key_Left else 1)
            return
        super().keyPressEvent(event)

    def set_cards(self, cards: list[DealCard]) -> None:
        self.clear()
        for card in cards:
            item = QListWidgetItem(f"{card.title}\n{card.client_name}")
            item.setData(ID_ROLE, card.id)
            item.setData(CARD_ROLE, card)
            item.setToolTip(card.title)
            self.addItem(item)

    def ids(self) -> list[str]:
        return [str(self.item(n).data(ID_ROLE)) for n in range(self.count())]


class StageColumn(QFrame):
    """A stage's header (name, count, total value) above its cards."""

    def __init__(self, stage: Stage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.name_label = QLabel(stage_name(stage), self)
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)
        self.name_label.setToolTip(stage_name(stage))
        # In a narrow column the name is cut short rather than drawn over the count.
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        self.total_label = QLabel(self)
        self.total_label.setObjectName("total")
        self.total_label.setWordWrap(True)
        self.cards = CardList(stage, self)
        head = QHBoxLayout()
        head.addWidget(self.name_label, 1)
        head.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.total_label)
        layout.addWidget(self.cards, 1)
        self.setMinimumWidth(125)

    def show_summary(self, summary: StageSummary) -> None:
        self.count_label.setText(self.tr("%n deal(s)", "", summary.count))
        self.total_label.setText(totals_text(QLocale(), summary.totals))


class PipelineView(QScrollArea):
    """The six stage columns side by side; scrolls sideways when the window is narrow."""

    move_requested = Signal(str, object)  # deal id, target Stage
    current_changed = Signal(str)  # the selected card's deal id ("" when none)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipeline")
        self.setWidgetResizable(True)
        # Only sideways: each column's cards scroll on their own. (With both bars allowed, one
        # bar's width could keep the other one shown.)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget(self)
        layout = QHBoxLayout(inner)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.columns: dict[Stage, StageColumn] = {}
        for stage in STAGES:
            column = StageColumn(stage, inner)
            column.cards.dropped.connect(self.move_requested)
            column.cards.step.connect(lambda d, s=stage: self._step(s, d))
            column.cards.currentItemChanged.connect(
                lambda cur, _prev, c=column.cards: self._current(c, cur)
            )
            layout.addWidget(column, 1)
            self.columns[stage] = column
        self.setWidget(inner)
        self._selected = ""

    def show_deals(self, cards: list[DealCard], summaries: dict[Stage, StageSummary]) -> None:
        keep = self._selected
        for stage, column in self.columns.items():
            with _Blocked(column.cards):
                column.cards.set_cards([c for c in cards if c.stage == stage])
            column.show_summary(summaries[stage])
        self.select(keep)

    def select(self, deal_id: str | None) -> None:
        """Select the card of ``deal_id`` (and only it); None or "" clears the selection."""
        found = ""
        for column in self.columns.values():
            with _Blocked(column.cards):
                column.cards.clearSelection()
                column.cards.setCurrentRow(-1)
                if deal_id and deal_id in column.cards.ids():
                    row = column.cards.ids().index(deal_id)
                    column.cards.setCurrentRow(row)
                    column.cards.scrollToItem(column.cards.item(row))
                    found = deal_id
        self._selected = found

    def selected_id(self) -> str:
        return self._selected

    def list_of(self, deal_id: str) -> CardList | None:
        for column in self.columns.values():
            if deal_id in column.cards.ids():
                return column.cards
        return None

    def _step(self, stage: Stage, direction: int) -> None:
        """Keyboard: focus the next column in ``direction`` that has cards, at a similar row."""
        order = list(STAGES)
        row = max(self.columns[stage].cards.currentRow(), 0)
        n = order.index(stage) + direction
        while 0 <= n < len(order):
            cards = self.columns[order[n]].cards
            if cards.count():
                cards.setFocus(Qt.FocusReason.OtherFocusReason)
                cards.setCurrentRow(min(row, cards.count() - 1))
                return
            n += direction

    def _current(self, source: CardList, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        deal_id = str(item.data(ID_ROLE))
        for column in self.columns.values():
            if column.cards is not source:
                with _Blocked(column.cards):
                    column.cards.clearSelection()
                    column.cards.setCurrentRow(-1)
        self._selected = deal_id
        self.current_changed.emit(deal_id)


class _Blocked:
    """Signals of ``obj`` off inside a ``with`` (QSignalBlocker as a plain context manager)."""

    def __init__(self, obj: QObject) -> None:
        self._obj = obj

    def __enter__(self) -> None:
        self._was = self._obj.blockSignals(True)

    def __exit__(self, *exc: object) -> None:
        self._obj.blockSignals(self._was)
