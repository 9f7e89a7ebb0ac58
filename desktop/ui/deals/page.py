"""The deals page: the pipeline (or the list) beside the deal form, and the window's page API.

Reads the replica only (``DealBoard``); a stage move is one ``move_stage``
command through ``Replica.command``, a saved form one ``Replica.create`` or
``Replica.update``. The card moves at once (the board shows pending moves); a
move the server refuses is undone by the replica, and the window says why.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from common.deals import STAGES, Stage
from desktop.core.deals import (
    DealBoard,
    DealCard,
    MoveRefused,
    allowed_targets,
    create_deal,
    move_stage,
    summarize,
    validate_create,
)
from desktop.core.replica import Replica
from desktop.ui.customers.page import ask_unsaved_changes
from desktop.ui.deals.form import DealForm
from desktop.ui.deals.model import COL_TITLE, ID_ROLE, DealTableModel
from desktop.ui.deals.pipeline import PipelineView
from desktop.ui.deals.text import stage_name

ENTITY = "deal"
PIPELINE, LIST = 0, 1


def choose_stage(parent: QWidget, card: DealCard, stages: list[Stage]) -> Stage | None:
    """Ask which stage to move ``card`` to (tests replace this function)."""
    names = [stage_name(s) for s in stages]
    name, ok = QInputDialog.getItem(
        parent,
        parent.tr("Move to stage"),
        parent.tr("Move “%1” to:").replace("%1", card.title),
        names,
        0,
        False,
    )
    return stages[names.index(name)] if ok and name in names else None


class DealsPage(QWidget):
    """Deals as a pipeline or a sortable list, and the form of the current deal."""

    status_message = Signal(str)

    def __init__(
        self,
        replica: Replica,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dealsPage")
        self.replica = replica
        self.board = DealBoard(replica)
        self.cards: list[DealCard] = []
        self._current_id: str | None = None
        self._form_open = False
        self._moves: list[tuple[str, int, Stage]] = []  # deal, mutation id, stage before

        # ----------------------------------------------------------- top bar
        self.pipeline_button = QToolButton(self)
        self.pipeline_button.setText(self.tr("Pipeline"))
        self.list_button = QToolButton(self)
        self.list_button.setText(self.tr("List"))
        self.view_group = QButtonGroup(self)
        for n, button in enumerate((self.pipeline_button, self.list_button)):
            button.setCheckable(True)
            self.view_group.addButton(button, n)
        self.pipeline_button.setChecked(True)
        self.view_group.idClicked.connect(self.set_view)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("dealFilter")
        self.filter_edit.setPlaceholderText(self.tr("Filter by title or client"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(lambda _t: self._reload())
        self.move_action = QAction(self.tr("&Move to stage…"), self)
        self.move_action.setObjectName("moveToStage")
        self.move_action.setShortcut(QKeySequence("Ctrl+M"))
        self.move_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.move_action.triggered.connect(self.move_selected)
        self.addAction(self.move_action)
        self.move_button = QPushButton(self.tr("Move to stage…"), self)
        self.move_button.setToolTip(self.tr("Move the selected deal (Ctrl+M)"))
        self.move_button.clicked.connect(self.move_selected)
        self.summary_label = QLabel(self)
        bar = QHBoxLayout()
        bar.addWidget(self.pipeline_button)
        bar.addWidget(self.list_button)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.summary_label)
        bar.addWidget(self.move_button)

        # ----------------------------------------------------------- views
        self.pipeline = PipelineView(self)
        self.pipeline.move_requested.connect(self._dropped)
        self.pipeline.current_changed.connect(self._selected)
        self.model = DealTableModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("dealTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_TITLE, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._selected(str(cur.data(ID_ROLE) or ""))
        )
        self.views = QStackedWidget(self)
        self.views.addWidget(self.pipeline)
        self.views.addWidget(self.table)

        self.form = DealForm(self)
        self.form.save_requested.connect(self.save)
        self.form.setEnabled(False)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setMinimumWidth(250)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("dealsSplitter")
        self.splitter.addWidget(self.views)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 260])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        self.destroyed.connect(self.board.close)
        self._reload()

    # ------------------------------------------------------------ the contract

    def refresh(self) -> None:
        """The replica changed (a pull, a rejection): show it again, keep the selection."""
        self._reload()
        if self._current_id and not self.form.is_dirty():
            card = self.board.deal(self._current_id)
            if card is None:
                self._show(None, opened=False)
                self.status_message.emit(self.tr("The deal was deleted on the server"))
            else:
                self._show(card)

    def new_record(self) -> None:
        if not self._guard():
            return
        self._select(None)
        self._show(None, opened=True)
        self.form.title_edit.setFocus()

    def save(self) -> bool:
        """Save the form into the replica (and the outbox); False if validation failed."""
        if not self._form_open:
            return True
        problems = self.form.validate_all()
        if problems:
            editor = self.form.first_invalid(problems)
            if editor is not None:
                editor.setFocus()
            self.status_message.emit(self.tr("Not saved: correct the marked fields"))
            return False
        if self.form.is_new():
            deal, _ = validate_create(self.form.create_data())
            assert deal is not None
            self._current_id = create_deal(self.replica, deal)
            message = self.tr("Deal created")
        else:
            changes = self.form.update_changes()
            if not changes:
                return True
            assert self._current_id is not None
            self.replica.update(entity=ENTITY, id=self._current_id, changes=changes)
            message = self.tr("Changes saved")
        self.status_message.emit(message + " — " + self.tr("waiting to be sent to the server"))
        self._reload()
        self._select(self._current_id)
        card = self.board.deal(self._current_id) if self._current_id else None
        self._show(card, opened=card is not None)
        return True

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def undo(self) -> None:
        """Undo unsaved form edits, else the last stage move while it is still unsent."""
        if self._form_open and self.form.is_dirty():
            self.form.load(self.form.card(), self.board.customers())
            self.status_message.emit(self.tr("Form changes undone"))
            return
        pending = {m.mutation_id for m in self.replica.pending()}
        while self._moves and self._moves[-1][1] not in pending:
            self._moves.pop()
        if not self._moves:
            self.status_message.emit(self.tr("Nothing to undo"))
            return
        deal_id, _mutation, before = self._moves.pop()
        card = self.board.deal(deal_id)
        if card is not None and card.stage != before:
            self._move(card, before, remember=False)

    def close_record(self) -> bool:
        if not self._guard():
            return False
        self._select(None)
        self._show(None, opened=False)
        return True

    def has_unsaved_changes(self) -> bool:
        return self._form_open and self.form.is_dirty()

    def open_record(self, deal_id: str) -> None:
        if not self._guard():
            return
        card = self.board.deal(deal_id)
        if card is None:
            self.status_message.emit(self.tr("That deal no longer exists"))
            return
        self._current_id = deal_id
        self._select(deal_id)
        self._show(card)

    # ------------------------------------------------------------ views and moves

    def set_view(self, which: int) -> None:
        """Show the pipeline (0) or the list (1); the selection follows."""
        self.views.setCurrentIndex(which)
        (self.pipeline_button if which == PIPELINE else self.list_button).setChecked(True)
        self._select(self._current_id)

    def selected_card(self) -> DealCard | None:
        if self._current_id is None:
            return None
        return next((c for c in self.cards if c.id == self._current_id), None)

    def move_selected(self) -> None:
        """The keyboard path: choose a stage for the selected deal."""
        card = self.selected_card()
        if card is None:
            self.status_message.emit(self.tr("Select a deal first"))
            return
        targets = allowed_targets(card.stage)
        if not targets:
            self.status_message.emit(
                self.tr("A won deal is final: it cannot move to another stage")
            )
            return
        target = choose_stage(self, card, targets)
        if target is not None:
            self._move(card, target)

    def _dropped(self, deal_id: str, target: Stage) -> None:
        card = next((c for c in self.cards if c.id == deal_id), None)
        if card is None or card.stage == target:
            return
        self._move(card, target)

    def _move(self, card: DealCard, target: Stage, *, remember: bool = True) -> None:
        if not self._guard():
            return
        try:
            mutation_id = move_stage(self.replica, card, target)
        except MoveRefused:
            self.status_message.emit(
                self.tr("A deal in stage %1 cannot move to %2")
                .replace("%1", stage_name(card.stage))
                .replace("%2", stage_name(target))
            )
            return
        if remember:
            self._moves.append((card.id, mutation_id, card.stage))
        self._current_id = card.id
        self._reload()
        self._select(card.id)
        moved = self.board.deal(card.id)
        if moved is not None and not self.form.is_dirty():
            self._show(moved)
        self.status_message.emit(
            self.tr("“%1” moved to %2 — the server confirms it at the next sync")
            .replace("%1", card.title)
            .replace("%2", stage_name(target))
        )

    # ------------------------------------------------------------ internals

    def _reload(self) -> None:
        self.cards = self.board.deals(self.filter_edit.text())
        summaries = summarize(self.cards)
        self.pipeline.show_deals(self.cards, summaries)
        selected = self._current_id
        self.model.set_deals(self.cards)
        self._select(selected)
        self.summary_label.setText(self.tr("%n deal(s)", "", len(self.cards)))

    def _select(self, deal_id: str | None) -> None:
        self.pipeline.select(deal_id)
        blocker = self.table.selectionModel()
        was = blocker.blockSignals(True)
        row = self.model.row_of(deal_id) if deal_id else None
        if row is None:
            self.table.clearSelection()
            self.table.setCurrentIndex(self.model.index(-1, -1))
        else:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        blocker.blockSignals(was)

    def _selected(self, deal_id: str) -> None:
        if not deal_id or (deal_id == self._current_id and self._form_open):
            return
        previous = self._current_id
        if not self._guard():
            self._select(previous)
            return
        card = next((c for c in self.cards if c.id == deal_id), None)
        self._current_id = deal_id if card is not None else None
        self._show(card, opened=card is not None)

    def _show(self, card: DealCard | None, *, opened: bool = True) -> None:
        if card is None:
            self._current_id = None
        self.form.load(card, self.board.customers())
        self._form_open = opened or card is not None
        self.form.setEnabled(self._form_open)

    def _guard(self) -> bool:
        if not self.has_unsaved_changes():
            return True
        name = self.form.title_edit.text().strip() or self.tr("the new deal")
        answer = ask_unsaved_changes(self, name)
        if answer == "save":
            return self.save()
        if answer == "discard":
            self.form.load(self.form.card(), self.board.customers())
            return True
        return False


__all__ = ["STAGES", "DealsPage", "choose_stage"]
