"""The line editor: a document's lines edited inside its record form, with live totals.

One row per line: a searchable catalog item picker (choosing an item fills in
its name, price and tax rate), a description, the quantity, the unit price as
money in the locale's format, the tax rate and the line's amount. Under the
table the totals (subtotal, tax per rate, total) are recomputed on every
change with ``common.lines.totals``, the server's own arithmetic, so what the
form shows is what the server will store. ``value()`` gives the lines as an
update or a create sends them (``common.lines.LineInput``); a line keeps its id.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from common.ids import new_id
from common.lines import MAX_QUANTITY, line_amounts
from common.taxes import TAX_RATES
from desktop.core.kit.documents import basis_points, document_totals
from desktop.core.kit.entity import Entity, Field
from desktop.core.kit.lookups import LookupSource
from desktop.ui.kit.display import tr
from desktop.ui.kit.money import amount_text, money_text, parse_amount
from desktop.ui.kit.picker import LookupPicker

ITEM, DESCRIPTION, QUANTITY, PRICE, TAX, AMOUNT = range(6)


class _PriceEdit(QLineEdit):
    """A unit price typed in the locale's format; tidied when left."""

    left = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        try:
            cents = parse_amount(QLocale(), self.text())
        except ValueError:
            pass
        else:
            self.setText(amount_text(QLocale(), cents))
        super().focusOutEvent(event)
        self.left.emit()


class LinesEditor(QWidget):
    """The editor of a ``lines`` field (the form's editor interface: raw/value/set_value)."""

    edited = Signal()
    left = Signal()

    def __init__(
        self, field: Field, entity: Entity, source: LookupSource, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._field = field
        self._entity = entity
        self.source = source
        self._currency = "USD"
        self._loading = False
        # Per row what the widgets do not show: the line's id, SKU and stored rate.
        self._kept: list[dict[str, Any]] = []
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("linesTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Item"),
                self.tr("Description"),
                self.tr("Qty"),
                self.tr("Unit price"),
                self.tr("Tax"),
                self.tr("Amount"),
            ]
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ITEM, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        for column, width in ((QUANTITY, 55), (PRICE, 82), (TAX, 85), (AMOUNT, 88)):
            header.resizeSection(column, width)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 16)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(150)
        self.table.itemChanged.connect(self._item_changed)
        self.add_button = QPushButton(self.tr("Add line"), self)
        self.add_button.setObjectName("linesAdd")
        self.add_button.clicked.connect(lambda: self.add_line(by_user=True))
        self.remove_button = QPushButton(self.tr("Remove line"), self)
        self.remove_button.setObjectName("linesRemove")
        self.remove_button.clicked.connect(self.remove_current)
        self.totals = QWidget(self)
        self.totals.setObjectName("linesTotals")
        self._totals_grid = QGridLayout(self.totals)
        self._totals_grid.setContentsMargins(0, 0, 0, 0)
        self._totals_grid.setColumnStretch(0, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.totals)
        self._show_totals()

    # ------------------------------------------------------------ rows

    def add_line(self, line: dict[str, Any] | None = None, *, by_user: bool = False) -> int:
        """A row for ``line`` (None: an empty one, quantity 1); its row number."""
        line = dict(line or {})
        row = self.table.rowCount()
        was = self._loading
        self._loading = True
        try:
            self.table.insertRow(row)
            self._kept.append(
                {
                    "id": line.get("id") or new_id(),
                    "sku": line.get("sku"),
                    "tax_basis_points": line.get("tax_basis_points"),
                    "tax_rate": line.get("tax_rate"),
                }
            )
            picker = LookupPicker(self._field, self._entity, self.source, self.table)
            picker.setObjectName(f"lineItem{row}")
            picker.set_value(line.get("item_id"))
            picker.edited.connect(lambda p=picker: self._item_chosen(p))
            self.table.setCellWidget(row, ITEM, picker)
            self.table.setItem(row, DESCRIPTION, QTableWidgetItem(line.get("description") or ""))
            quantity = QSpinBox(self.table)
            quantity.setRange(1, MAX_QUANTITY)
            quantity.setValue(int(line.get("quantity") or 1))
            quantity.valueChanged.connect(lambda _v: self._changed())
            self.table.setCellWidget(row, QUANTITY, quantity)
            price = _PriceEdit(self.table)
            price.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            price.setText(amount_text(QLocale(), int(line.get("unit_price") or 0)))
            price.textEdited.connect(lambda _t: self._changed())
            self.table.setCellWidget(row, PRICE, price)
            tax = QComboBox(self.table)
            tax.addItem(tr(self._entity, "No tax"), None)
            for code, rate in TAX_RATES.items():
                tax.addItem(rate.name, code)
            tax.setCurrentIndex(max(tax.findData(line.get("tax_rate")), 0))
            tax.currentIndexChanged.connect(lambda _i, r=row: self._tax_changed(r))
            self.table.setCellWidget(row, TAX, tax)
            amount = QTableWidgetItem()
            amount.setFlags(Qt.ItemFlag.ItemIsEnabled)
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, AMOUNT, amount)
        finally:
            self._loading = was
        self._recompute()
        if by_user:
            self.table.setCurrentCell(row, DESCRIPTION)
            picker.setFocus()
            self._changed()
        return row

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            row = self.table.rowCount() - 1
        if row < 0:
            return
        self.table.removeRow(row)
        del self._kept[row]
        self._changed()

    def picker(self, row: int) -> LookupPicker:
        widget = self.table.cellWidget(row, ITEM)
        assert isinstance(widget, LookupPicker)
        return widget

    def quantity(self, row: int) -> QSpinBox:
        widget = self.table.cellWidget(row, QUANTITY)
        assert isinstance(widget, QSpinBox)
        return widget

    def price(self, row: int) -> QLineEdit:
        widget = self.table.cellWidget(row, PRICE)
        assert isinstance(widget, QLineEdit)
        return widget

    def tax(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, TAX)
        assert isinstance(widget, QComboBox)
        return widget

    def description(self, row: int) -> str:
        item = self.table.item(row, DESCRIPTION)
        return item.text() if item is not None else ""

    def set_description(self, row: int, text: str) -> None:
        item = self.table.item(row, DESCRIPTION)
        if item is not None:
            item.setText(text)

    # ------------------------------------------------------------ changes

    def _row_of(self, widget: QWidget) -> int:
        for row in range(self.table.rowCount()):
            if self.table.cellWidget(row, ITEM) is widget:
                return row
        return -1

    def _item_chosen(self, picker: LookupPicker) -> None:
        """An item was picked: its name, price and tax rate fill the line."""
        row = self._row_of(picker)
        item_id = picker.value()
        found = getattr(self.source, "row", None)
        item = found(item_id) if found is not None and item_id else None
        if row >= 0 and item is not None:
            self._loading = True
            try:
                self.set_description(row, str(item["name"]))
                self.price(row).setText(amount_text(QLocale(), int(item["unit_price"])))
                self._kept[row].update(sku=item["sku"], tax_basis_points=None)
                self.tax(row).setCurrentIndex(
                    max(self.tax(row).findData(item["tax_rate"] or None), 0)
                )
            finally:
                self._loading = False
        self._changed()

    def _tax_changed(self, row: int) -> None:
        if 0 <= row < len(self._kept):
            self._kept[row]["tax_basis_points"] = None  # a rate chosen now: the table's
        self._changed()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == DESCRIPTION:
            self._changed()

    def _changed(self) -> None:
        if self._loading:
            return
        self._recompute()
        self.edited.emit()

    def set_currency(self, currency: str | None) -> None:
        """The document's currency: amounts and totals are shown in it."""
        self._currency = (currency or "USD").upper()
        self._recompute()

    # ------------------------------------------------------------ totals

    def _lines(self) -> list[dict[str, Any]]:
        """Every row as a line, with the amounts as far as they can be read."""
        out = []
        for row in range(self.table.rowCount()):
            try:
                price = parse_amount(QLocale(), self.price(row).text())
            except ValueError:
                price = 0
            code = self.tax(row).currentData()
            kept = self._kept[row]
            bp = kept["tax_basis_points"] if code == kept["tax_rate"] else None
            out.append(
                {
                    "id": kept["id"],
                    "item_id": self.picker(row).value(),
                    "sku": kept["sku"],
                    "description": self.description(row).strip() or None,
                    "quantity": self.quantity(row).value(),
                    "unit_price": price,
                    "tax_rate": code,
                    "tax_basis_points": bp,
                }
            )
        return out

    def _recompute(self) -> None:
        lines = self._lines()
        locale = QLocale()
        blocked = self.table.blockSignals(True)
        for row, line in enumerate(lines):
            amounts = line_amounts(line["quantity"], line["unit_price"], basis_points(line))
            item = self.table.item(row, AMOUNT)
            if item is not None:
                item.setText(money_text(locale, amounts.subtotal, self._currency))
        self.table.blockSignals(blocked)
        self._show_totals(lines)

    def _show_totals(self, lines: list[dict[str, Any]] | None = None) -> None:
        sums = document_totals(lines or [])
        locale = QLocale()
        rows = [(self.tr("Subtotal"), sums.subtotal, False, "subtotal")]
        rows += [
            (self.tr("%1 on %2").replace("%1", t.name).replace(
                "%2", money_text(locale, t.base, self._currency)), t.tax, False, f"tax_{t.tax_rate}")
            for t in sums.taxes
        ]  # fmt: skip
        rows.append((self.tr("Total"), sums.total, True, "total"))
        while self._totals_grid.count():
            taken = self._totals_grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._total_labels: dict[str, QLabel] = {}
        for n, (label, cents, strong, key) in enumerate(rows):
            name = QLabel(label, self.totals)
            value = QLabel(money_text(locale, cents, self._currency), self.totals)
            value.setObjectName(f"linesTotal_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if strong:
                font = value.font()
                font.setBold(True)
                value.setFont(font)
                name.setFont(font)
            self._totals_grid.addWidget(name, n, 0)
            self._totals_grid.addWidget(value, n, 1)
            self._total_labels[key] = value
        self.shown_totals = sums

    def total_text(self, key: str) -> str:
        """The text the totals show for ``key`` (subtotal, total, tax_<rate>)."""
        label = self._total_labels.get(key)
        return label.text() if label is not None else ""

    def setEnabled(self, enabled: bool) -> None:  # noqa: N802 - QWidget's
        """A document whose lines cannot change still shows its totals plainly."""
        self.table.setEnabled(enabled)
        self.add_button.setEnabled(enabled)
        self.remove_button.setEnabled(enabled)

    def isEnabled(self) -> bool:  # noqa: N802 - QWidget's
        return self.table.isEnabled()

    # ------------------------------------------------------------ the editor interface

    def raw(self) -> Any:
        return [
            (
                line["item_id"],
                line["description"],
                line["quantity"],
                self.price(n).text().strip(),
                line["tax_rate"],
            )
            for n, line in enumerate(self._lines())
        ]

    def set_raw(self, raw: Any) -> None:
        lines = [
            {"item_id": i, "description": d, "quantity": q, "tax_rate": t, "unit_price": 0}
            for i, d, q, _p, t in raw or []
        ]
        self.set_value(lines)
        for n, (*_rest, price, _t) in enumerate(raw or []):
            self.price(n).setText(price)
        self._recompute()

    def value(self) -> Any:
        """The lines as sent (LineInput); ``ValueError`` naming the first line that is wrong."""
        out = []
        for n in range(self.table.rowCount()):
            try:
                price = parse_amount(QLocale(), self.price(n).text())
            except ValueError as exc:
                raise ValueError(
                    self.tr("Line %1: %2").replace("%1", str(n + 1)).replace("%2", str(exc))
                ) from None
            item_id = self.picker(n).value()
            found = getattr(self.source, "row", None)
            item = found(item_id) if found is not None and item_id else None
            if item is not None and item["currency"] and item["currency"] != self._currency:
                raise ValueError(
                    self.tr("Line %1: the item is priced in %2, the document is in %3")
                    .replace("%1", str(n + 1))
                    .replace("%2", str(item["currency"]))
                    .replace("%3", self._currency)
                )
            line = {
                "id": self._kept[n]["id"],
                "item_id": item_id,
                "description": self.description(n).strip() or None,
                "quantity": self.quantity(n).value(),
                "unit_price": price,
                "tax_rate": self.tax(n).currentData(),
            }
            out.append({k: v for k, v in line.items() if v is not None})
        return out

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            self.table.setRowCount(0)
            self._kept = []
            for line in value or []:
                self.add_line(line)
        finally:
            self._loading = False
        self._recompute()
