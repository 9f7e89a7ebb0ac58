"""The journal entry's lines, edited inside its form: account, description, debit, credit,
and under them the debits, the credits and the difference, recomputed on every keystroke.

The account picker searches the chart by code or name (the accounts' list
search). A line's amount is typed in the locale's format; the form's editor
interface (``raw``/``value``/``set_value``, ``edited``/``left``) gives the lines
as ``{account_id, description, debit, credit}`` in cents. ``balance_changed``
tells the page whether the entry balances, so Post waits until it does.
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QFocusEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.journal import Balance, totals
from desktop.core.kit.entity import Entity, Field
from desktop.core.kit.lookups import LookupSource
from desktop.ui.kit.model import look_brush
from desktop.ui.kit.money import amount_text, money_text, parse_amount
from desktop.ui.kit.picker import LookupPicker

ACCOUNT, DESCRIPTION, DEBIT, CREDIT = range(4)


class AmountEdit(QLineEdit):
    """An amount typed in the locale's format (empty: none); tidied when left."""

    left = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def cents(self) -> int | None:
        """The amount (None: empty); ValueError when it cannot be read."""
        text = self.text().strip()
        return parse_amount(QLocale(), text) if text else None

    def set_cents(self, cents: int | None) -> None:
        self.setText(amount_text(QLocale(), cents) if cents else "")

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        with contextlib.suppress(ValueError):  # kept as typed: the form says what is wrong
            self.set_cents(self.cents())
        super().focusOutEvent(event)
        self.left.emit()


class EntriesEditor(QWidget):
    """The editor of an ``entries`` field (see the module docstring)."""

    edited = Signal()
    left = Signal()
    balance_changed = Signal(bool)  # balanced (and not empty)

    def __init__(
        self, field: Field, entity: Entity, source: LookupSource, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._field = field
        self._entity = entity
        self.source = source
        self._currency = "USD"
        self._loading = False
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("entriesTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Account"), self.tr("Description"), self.tr("Debit"), self.tr("Credit")]
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ACCOUNT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(DEBIT, 95)
        header.resizeSection(CREDIT, 95)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 16)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(150)
        self.table.itemChanged.connect(lambda _item: self._changed())
        self.add_button = QPushButton(self.tr("Add line"), self)
        self.add_button.setObjectName("entriesAdd")
        self.add_button.clicked.connect(lambda: self.add_line(by_user=True))
        self.remove_button = QPushButton(self.tr("Remove line"), self)
        self.remove_button.setObjectName("entriesRemove")
        self.remove_button.clicked.connect(self.remove_current)
        self.debits_label = QLabel(self)
        self.debits_label.setObjectName("entriesDebits")
        self.credits_label = QLabel(self)
        self.credits_label.setObjectName("entriesCredits")
        self.difference_label = QLabel(self)
        self.difference_label.setObjectName("entriesDifference")
        font = self.difference_label.font()
        font.setBold(True)
        self.difference_label.setFont(font)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.debits_label)
        buttons.addSpacing(12)
        buttons.addWidget(self.credits_label)
        buttons.addSpacing(12)
        buttons.addWidget(self.difference_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._show_totals()

    # ------------------------------------------------------------ rows

    def add_line(self, line: dict[str, Any] | None = None, *, by_user: bool = False) -> int:
        """A row for ``line`` (None: an empty one); its row number."""
        line = dict(line or {})
        row = self.table.rowCount()
        was = self._loading
        self._loading = True
        try:
            self.table.insertRow(row)
            picker = LookupPicker(self._field, self._entity, self.source, self.table)
            picker.setObjectName(f"entryAccount{row}")
            picker.set_value(line.get("account_id"))
            picker.edited.connect(self._changed)
            self.table.setCellWidget(row, ACCOUNT, picker)
            self.table.setItem(row, DESCRIPTION, QTableWidgetItem(line.get("description") or ""))
            for column in (DEBIT, CREDIT):
                edit = AmountEdit(self.table)
                edit.setObjectName(f"entry{'Debit' if column == DEBIT else 'Credit'}{row}")
                edit.set_cents(line.get("debit" if column == DEBIT else "credit"))
                edit.textEdited.connect(lambda _t: self._changed())
                edit.left.connect(self.left)
                self.table.setCellWidget(row, column, edit)
        finally:
            self._loading = was
        if by_user:
            self.table.setCurrentCell(row, DESCRIPTION)
            picker.setFocus()
            self._changed()
        else:
            self._show_totals()
        return row

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            row = self.table.rowCount() - 1
        if row < 0:
            return
        self.table.removeRow(row)
        self._changed()

    def picker(self, row: int) -> LookupPicker:
        widget = self.table.cellWidget(row, ACCOUNT)
        assert isinstance(widget, LookupPicker)
        return widget

    def debit(self, row: int) -> AmountEdit:
        widget = self.table.cellWidget(row, DEBIT)
        assert isinstance(widget, AmountEdit)
        return widget

    def credit(self, row: int) -> AmountEdit:
        widget = self.table.cellWidget(row, CREDIT)
        assert isinstance(widget, AmountEdit)
        return widget

    def set_description(self, row: int, text: str) -> None:
        item = self.table.item(row, DESCRIPTION)
        if item is not None:
            item.setText(text)

    # ------------------------------------------------------------ values

    def _amount(self, edit: AmountEdit) -> int | None:
        try:
            return edit.cents()
        except ValueError:
            return None

    def lines(self) -> list[dict[str, Any]]:
        """Every row as a line (an amount that cannot be read counts as none)."""
        out = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, DESCRIPTION)
            out.append(
                {
                    "account_id": self.picker(row).value(),
                    "description": (item.text().strip() if item is not None else "") or None,
                    "debit": self._amount(self.debit(row)),
                    "credit": self._amount(self.credit(row)),
                }
            )
        return out

    def unreadable(self) -> list[int]:
        """The rows whose debit or credit is not an amount."""
        bad = []
        for row in range(self.table.rowCount()):
            for edit in (self.debit(row), self.credit(row)):
                try:
                    edit.cents()
                except ValueError:
                    bad.append(row)
                    break
        return bad

    def balance(self) -> Balance:
        return Balance(*totals(self.lines()))

    def raw(self) -> Any:
        return self.lines()

    def set_raw(self, raw: Any) -> None:
        self.set_value(raw)

    def value(self) -> Any:
        return self.lines()

    def set_value(self, value: Any) -> None:
        was = self._loading
        self._loading = True
        try:
            self.table.setRowCount(0)
            for line in value or []:
                self.add_line(line)
        finally:
            self._loading = was
        self._show_totals()

    def set_currency(self, currency: str | None) -> None:
        self._currency = (currency or "USD").upper()
        self._show_totals()

    def setEnabled(self, enabled: bool) -> None:  # noqa: N802 - QWidget's
        super().setEnabled(enabled)
        self.add_button.setVisible(enabled)
        self.remove_button.setVisible(enabled)

    # ------------------------------------------------------------ the live balance

    def _changed(self) -> None:
        if self._loading:
            return
        self._show_totals()
        self.edited.emit()

    def _show_totals(self) -> None:
        balance = self.balance()
        locale = QLocale()
        self.debits_label.setText(
            self.tr("Debits %1").replace("%1", money_text(locale, balance.debits, self._currency))
        )
        self.credits_label.setText(
            self.tr("Credits %1").replace("%1", money_text(locale, balance.credits, self._currency))
        )
        if balance.balanced:
            self.difference_label.setText(self.tr("Balanced"))
        else:
            self.difference_label.setText(
                self.tr("Difference %1").replace(
                    "%1", money_text(locale, balance.difference, self._currency)
                )
            )
        palette = self.difference_label.palette()
        look = "good" if balance.balanced else "warning"
        palette.setBrush(QPalette.ColorRole.WindowText, look_brush(look, self.palette()))
        self.difference_label.setPalette(palette)
        self.balance_changed.emit(balance.balanced)
