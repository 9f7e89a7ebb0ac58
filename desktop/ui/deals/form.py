"""The deal form: title, client, value (entered in the locale, kept in cents), stage, probability, notes.

Validation uses the common rules (``DealCreate`` / ``DealUpdate``) as the user
types, with the message under the field. The currency is the server's (the
create schema has no currency field), so it is shown, not edited.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from common.deals import CURRENCY, DEFAULT_PROBABILITY, STAGES, Stage
from desktop.core.deals import DealCard, allowed_targets, validate_create, validate_update
from desktop.ui.customers.money import amount_text, parse_amount
from desktop.ui.deals.text import stage_name

FIELDS = ("title", "client_id", "value", "stage", "probability", "notes")


class DealForm(QWidget):
    """One deal's fields; the page asks it for the data to create or the changes to save."""

    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dealForm")
        self._card: DealCard | None = None
        self._loaded: dict[str, Any] = {}
        self._probability_touched = False
        self._loading = False

        self.heading = QLabel(self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("title")
        self.title_edit.setMaxLength(200)
        self.client_combo = QComboBox(self)
        self.client_combo.setObjectName("client")
        self.value_edit = QLineEdit(self)
        self.value_edit.setObjectName("value")
        self.value_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.currency_label = QLabel(CURRENCY, self)
        self.currency_label.setObjectName("currency")
        self.stage_combo = QComboBox(self)
        self.stage_combo.setObjectName("stage")
        self.probability_spin = QSpinBox(self)
        self.probability_spin.setObjectName("probability")
        self.probability_spin.setRange(0, 100)
        self.probability_spin.setSuffix(" %")
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setObjectName("notes")
        self.notes_edit.setTabChangesFocus(True)
        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setObjectName("saveDeal")
        self.save_button.clicked.connect(self.save_requested)

        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        editors: list[tuple[str, str, QWidget]] = [
            ("title", self.tr("Title *"), self.title_edit),
            ("client_id", self.tr("Client *"), self.client_combo),
            ("value", self.tr("Value"), self.value_edit),
            ("currency", self.tr("Currency"), self.currency_label),
            ("stage", self.tr("Stage"), self.stage_combo),
            ("probability", self.tr("Probability"), self.probability_spin),
            ("notes", self.tr("Notes"), self.notes_edit),
        ]
        for name, label, editor in editors:
            form.addRow(label, editor)
            if name != "currency":
                error = QLabel(self)
                error.setObjectName(f"{name}Error")
                # As the customers form: tooltip roles stand out in light and dark palettes.
                error.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
                error.setForegroundRole(QPalette.ColorRole.ToolTipText)
                error.setAutoFillBackground(True)
                error.setMargin(2)
                error.setWordWrap(True)
                error.hide()
                self.errors[name] = error
                form.addRow("", error)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)

        self.title_edit.textEdited.connect(lambda _t: self._check())
        self.value_edit.textEdited.connect(lambda _t: self._check())
        self.client_combo.currentIndexChanged.connect(lambda _i: self._check())
        self.stage_combo.currentIndexChanged.connect(self._stage_changed)
        self.probability_spin.valueChanged.connect(self._probability_changed)
        self.load(None, [])

    # ------------------------------------------------------------ loading

    def load(self, card: DealCard | None, customers: list[tuple[str, str]]) -> None:
        """Show ``card`` (None: an empty form for a new deal)."""
        self._loading = True
        self._card = card
        self.client_combo.clear()
        self.client_combo.addItem(self.tr("(choose a client)"), "")
        for customer_id, name in customers:
            self.client_combo.addItem(name, customer_id)
        self.stage_combo.clear()
        stages = STAGES if card is None else [card.stage, *allowed_targets(card.stage)]
        for stage in STAGES:
            if stage in stages:
                self.stage_combo.addItem(stage_name(stage), stage.value)
        locale = QLocale()
        if card is None:
            self.heading.setText(self.tr("New deal"))
            self.title_edit.clear()
            self.client_combo.setCurrentIndex(0)
            self.value_edit.setText(amount_text(locale, 0))
            self.currency_label.setText(CURRENCY)
            self.stage_combo.setCurrentIndex(0)
            self.probability_spin.setValue(DEFAULT_PROBABILITY[Stage.LEAD])
            self.notes_edit.clear()
        else:
            self.heading.setText(card.title)
            self.title_edit.setText(card.title)
            row = self.client_combo.findData(card.client_id)
            if row < 0:  # an inactive customer still owns its deals
                self.client_combo.addItem(card.client_name, card.client_id)
                row = self.client_combo.count() - 1
            self.client_combo.setCurrentIndex(row)
            self.value_edit.setText(amount_text(locale, card.value))
            self.currency_label.setText(card.currency)
            self.stage_combo.setCurrentIndex(self.stage_combo.findData(card.stage.value))
            self.probability_spin.setValue(card.probability)
            self.notes_edit.setPlainText(card.notes or "")
        # A deal's client is fixed once it exists (the update schema has no client).
        self.client_combo.setEnabled(card is None)
        # A stage change brings the stage's probability until the user sets one (as a move does).
        self._probability_touched = False
        self._loading = False
        self._loaded = self.raw_values()
        for error in self.errors.values():
            error.hide()

    # ------------------------------------------------------------ values

    def is_new(self) -> bool:
        return self._card is None

    def card(self) -> DealCard | None:
        return self._card

    def raw_values(self) -> dict[str, Any]:
        return {
            "title": self.title_edit.text(),
            "client_id": self.client_combo.currentData() or "",
            "value": self.value_edit.text(),
            "stage": self.stage_combo.currentData(),
            "probability": self.probability_spin.value(),
            "notes": self.notes_edit.toPlainText(),
        }

    def is_dirty(self) -> bool:
        return self.raw_values() != self._loaded

    def _values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The typed values and the problems found before the common rules (the amount)."""
        raw = self.raw_values()
        problems: dict[str, str] = {}
        values: dict[str, Any] = {
            "title": raw["title"],
            "client_id": raw["client_id"],
            "stage": raw["stage"],
            "probability": raw["probability"],
            "notes": raw["notes"].strip() or None,
        }
        try:
            values["value"] = parse_amount(QLocale(), raw["value"])
        except ValueError as exc:
            problems["value"] = self.tr(str(exc))
        if not raw["client_id"]:
            problems["client_id"] = self.tr("Choose the client")
        return values, problems

    def create_data(self) -> dict[str, Any]:
        values, _ = self._values()
        return values

    def update_changes(self) -> dict[str, Any]:
        """The fields that differ from the loaded deal (for ``Replica.update``)."""
        assert self._card is not None
        values, _ = self._values()
        card = self._card
        old = {
            "title": card.title,
            "value": card.value,
            "stage": card.stage.value,
            "probability": card.probability,
            "notes": card.notes,
        }
        return {k: values[k] for k in old if values.get(k) != old[k]}

    def validate_all(self) -> dict[str, str]:
        """Check every field with the common rules; show and return the problems."""
        return self._check(show_all=True)

    def _check(self, *, show_all: bool = False) -> dict[str, str]:
        if self._loading:
            return {}
        values, problems = self._values()
        if self.is_new():
            data = {k: v for k, v in values.items() if k not in problems}
            data.setdefault("value", 0)
            data.setdefault("client_id", "")
            _, rule_problems = validate_create(data)
        else:
            changes = {k: v for k, v in self.update_changes().items() if k not in problems}
            _, rule_problems = validate_update(changes)
        for name, message in rule_problems.items():
            problems.setdefault(name, self.tr(message))
        typed = {k for k, v in self.raw_values().items() if v != self._loaded.get(k)}
        for name, label in self.errors.items():
            shown = problems.get(name)
            if shown and (show_all or name in typed):
                label.setText(shown)
                label.show()
            else:
                label.hide()
        return problems

    def first_invalid(self, problems: dict[str, str]) -> QWidget | None:
        editors: dict[str, QWidget] = {
            "title": self.title_edit,
            "client_id": self.client_combo,
            "value": self.value_edit,
            "stage": self.stage_combo,
            "probability": self.probability_spin,
            "notes": self.notes_edit,
        }
        return next((editors[n] for n in FIELDS if n in problems and n in editors), None)

    # ------------------------------------------------------------ reactions

    def _stage_changed(self, _index: int) -> None:
        if self._loading:
            return
        stage = self.stage_combo.currentData()
        if stage and not self._probability_touched:
            self._loading = True
            self.probability_spin.setValue(DEFAULT_PROBABILITY[Stage(stage)])
            self._loading = False
        self._check()

    def _probability_changed(self, _value: int) -> None:
        if not self._loading:
            self._probability_touched = True
