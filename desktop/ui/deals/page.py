"""The deals page: the kit's record page with the pipeline beside its list, and stage moves.

A stage move is one ``move_stage`` command through ``Replica.command``; the card
moves at once (the deal's declaration shows a queued move as its stage), and
the move goes into the window's undo history. A move the server refuses is
undone by the replica, and the window says why. Everything else (the list, the
form, saving, the dirty guard) is the kit's.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QInputDialog,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from common.deals import Stage, can_move
from desktop.core import deals
from desktop.core.deals import DealCard, MoveRefused, allowed_targets, move_stage, summarize
from desktop.core.kit.listing import ListQuery
from desktop.core.replica import Replica
from desktop.ui.deals.pipeline import PipelineView
from desktop.ui.deals.text import stage_name
from desktop.ui.kit.display import tr
from desktop.ui.kit.history import EditHistory, RecordEdit
from desktop.ui.kit.page import RecordPage

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


class DealsPage(RecordPage):
    """Deals as a pipeline or a sortable list, and the form of the current deal."""

    table_in_list = False

    def __init__(
        self,
        replica: Replica,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        history: EditHistory | None = None,
    ) -> None:
        super().__init__(deals.ENTITY, replica, parent, settings=settings, history=history)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 280])
        self.form_scroll.setMinimumWidth(280)
        self.reload_rows()

    # ------------------------------------------------------------ the kit's hooks

    def build_browser(self) -> QWidget:
        """The list's filter bar over the pipeline or the table (a toggle chooses)."""
        self.cards: list[DealCard] = []
        self.table = self.list_view.table
        self.filter_edit = self.list_view.filter_edit
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
        self.move_action = QAction(self.tr("&Move to stage…"), self)
        self.move_action.setObjectName("moveToStage")
        self.move_action.setShortcut(QKeySequence("Ctrl+M"))
        self.move_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.move_action.triggered.connect(self.move_selected)
        self.addAction(self.move_action)
        self.move_button = QPushButton(self.tr("Move to stage…"), self)
        self.move_button.setToolTip(self.tr("Move the selected deal (Ctrl+M)"))
        self.move_button.clicked.connect(self.move_selected)
        # The pipeline shows every matching deal: count those, not the table's loaded rows.
        self.list_view.count_label.hide()
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("dealCount")
        bar = self.list_view.bar
        bar.insertWidget(0, self.pipeline_button)
        bar.insertWidget(1, self.list_button)
        bar.addWidget(self.summary_label)
        bar.addWidget(self.move_button)
        self.filter_edit.textChanged.connect(lambda _t: self._reload_pipeline())

        self.pipeline = PipelineView(self)
        self.pipeline.move_requested.connect(self._dropped)
        self.pipeline.current_changed.connect(self.current_changed)
        self.views = QStackedWidget(self)
        self.views.addWidget(self.pipeline)
        self.views.addWidget(self.table)
        browser = QWidget(self)
        self.list_view.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(browser)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list_view)
        layout.addWidget(self.views, 1)
        return browser

    def reload_rows(self) -> None:
        self.model.reload()
        self._reload_pipeline()

    def select(self, record_id: str | None, *, reveal: bool = False) -> None:
        self.list_view.select_id(record_id, reveal=reveal)
        self.pipeline.select(record_id)

    # ------------------------------------------------------------ views and moves

    def _reload_pipeline(self) -> None:
        query = ListQuery(text=self.filter_edit.text())
        self.cards = [DealCard.of(r) for r in self.rows.rows(query)]
        self.pipeline.show_deals(self.cards, summarize(self.cards))
        self.pipeline.select(self._current_id)
        self.summary_label.setText(tr(self.entity, self.entity.count, len(self.cards)))

    def set_view(self, which: int) -> None:
        """Show the pipeline (0) or the list (1); the selection follows."""
        self.views.setCurrentIndex(which)
        (self.pipeline_button if which == PIPELINE else self.list_button).setChecked(True)
        self.select(self._current_id)

    def card(self, deal_id: str | None) -> DealCard | None:
        return next((c for c in self.cards if c.id == deal_id), None) if deal_id else None

    def selected_card(self) -> DealCard | None:
        return self.card(self._current_id)

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
        card = self.card(deal_id)
        if card is None or card.stage == target:
            return
        self._move(card, target)

    def _move(self, card: DealCard, target: Stage) -> int | None:
        """Queue the move, show it, and put it in the undo history; None if refused."""
        if not self._guard():
            return None
        mutation_id, message = self._send_move(card, target)
        self.status_message.emit(message)
        if mutation_id is None:
            return None
        before = card.stage

        def back() -> tuple[int | None, str]:
            now = self.card(card.id)
            return self._send_move(now, before) if now is not None else (None, "")

        def again() -> tuple[int | None, str]:
            now = self.card(card.id)
            return self._send_move(now, target) if now is not None else (None, "")

        def check() -> str | None:
            now = self.card(card.id)
            if now is not None and now.stage != before and not can_move(now.stage, before):
                return self._refusal(now.stage, before)
            return None

        self.history.record(
            RecordEdit(
                self.tr("Move of “%1”").replace("%1", card.title),
                replica=self.replica,
                entity=self.entity.name,
                record_id=card.id,
                mutation_id=mutation_id,
                revert=back,
                reapply=again,
                check=check,
            )
        )
        return mutation_id

    def _refusal(self, stage: Stage, target: Stage) -> str:
        return (
            self.tr("A deal in stage %1 cannot move to %2")
            .replace("%1", stage_name(stage))
            .replace("%2", stage_name(target))
        )

    def _send_move(self, card: DealCard, target: Stage) -> tuple[int | None, str]:
        """One ``move_stage`` command, shown at once: (its mutation id, what to tell the user)."""
        if card.stage == target:
            return None, ""
        try:
            mutation_id = move_stage(self.replica, card, target)
        except MoveRefused:
            return None, self._refusal(card.stage, target)
        self._current_id = card.id
        self.record_changed(card.id)
        message = (
            self.tr("“%1” moved to %2 — the server confirms it at the next sync")
            .replace("%1", card.title)
            .replace("%2", stage_name(target))
        )
        return mutation_id, message


__all__ = ["LIST", "PIPELINE", "DealsPage", "choose_stage"]
