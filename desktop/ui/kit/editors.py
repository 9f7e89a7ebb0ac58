"""One editor per declared field kind, all with the same small interface.

Every editor emits ``edited`` when the user changes it (never when the form
loads a record) and ``left`` when the user leaves it. ``raw()`` is what it
holds as typed (the dirty check and the form's undo compare and restore raw
values); ``value()`` is the value the API takes, or ``ValueError`` with a
reason (an amount that is not one). ``set_value`` shows a stored value.
"""

from __future__ import annotations

from typing import Any, Protocol

import pycountry
from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QLocale,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kit.entity import Choice, Column, Entity, Field
from desktop.core.kit.lookups import LookupSource
from desktop.ui.kit.display import choice_label, date_text, tr
from desktop.ui.kit.money import amount_text, money_text, parse_amount
from desktop.ui.kit.picker import LookupPicker


def validation_text(text: str) -> str:
    """Messages from ``common`` (shared with the server) go through the "validation" context."""
    return QCoreApplication.translate("validation", text)


class FieldEditor(Protocol):
    """What the form needs of every editor (each is also the QWidget that takes the keys)."""

    def raw(self) -> Any: ...
    def set_raw(self, raw: Any) -> None: ...
    def value(self) -> Any: ...
    def set_value(self, value: Any) -> None: ...
    def setFocus(self) -> None: ...  # noqa: N802 - QWidget's


class _Quiet:
    """Marks programmatic changes, so they do not look like the user's edits."""

    def __init__(self) -> None:
        self.on = False

    def __enter__(self) -> None:
        self.on = True

    def __exit__(self, *exc: object) -> None:
        self.on = False


class TextEditor(QLineEdit):
    """One line of text; a required field keeps what was typed, so its rule can name the problem."""

    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keep = field.required
        self.setPlaceholderText(tr(entity, field.placeholder))
        self.textEdited.connect(lambda _t: self.edited.emit())

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.left.emit()

    def raw(self) -> Any:
        return self.text()

    def set_raw(self, raw: Any) -> None:
        self.setText(raw or "")

    def value(self) -> Any:
        text = self.text()
        return text if self._keep else (text.strip() or None)

    def set_value(self, value: Any) -> None:
        self.setText("" if value is None else str(value))
        self.setCursorPosition(0)  # a long value shows its beginning


class MultilineEditor(QPlainTextEdit):
    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        del field, entity
        self._quiet = _Quiet()
        self.setTabChangesFocus(True)
        self.setMaximumHeight(90)
        self.textChanged.connect(lambda: None if self._quiet.on else self.edited.emit())

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.left.emit()

    def raw(self) -> Any:
        return self.toPlainText()

    def set_raw(self, raw: Any) -> None:
        with self._quiet:
            self.setPlainText(raw or "")

    def value(self) -> Any:
        return self.toPlainText().strip() or None

    def set_value(self, value: Any) -> None:
        self.set_raw("" if value is None else str(value))


class MoneyEditor(TextEditor):
    """An amount typed in the locale's format, kept as integer cents; shown tidy when left."""

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(field, entity, parent)
        self._locale = QLocale()
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setPlaceholderText(amount_text(self._locale, 0))

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        # 1234.5 -> 1,234.50 once the user is done, if it is an amount at all.
        try:
            cents = parse_amount(self._locale, self.text())
        except ValueError:
            pass
        else:
            if self.text().strip():
                self.setText(amount_text(self._locale, cents))
        super().focusOutEvent(event)

    def value(self) -> Any:
        return parse_amount(self._locale, self.text())

    def set_value(self, value: Any) -> None:
        self.setText("" if value is None else amount_text(self._locale, int(value)))


class NumberEditor(TextEditor):
    """A whole number, signed, in the locale's digits (a quantity, days, a count), or None
    when left empty."""

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(field, entity, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def value(self) -> Any:
        text = self.text().strip()
        if not text:
            return None
        number, ok = QLocale().toLongLong(text)
        if not ok:
            raise ValueError(self.tr("Enter a whole number"))
        return int(number)

    def set_value(self, value: Any) -> None:
        self.setText("" if value is None else str(value))


class RateEditor(NumberEditor):
    """A percentage with up to two decimals (0.5 %), or None; whole ones stay integers."""

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(field, entity, parent)
        self.setPlaceholderText("%")

    def value(self) -> Any:
        text = self.text().strip().removesuffix("%").strip()
        if not text:
            return None
        number, ok = QLocale().toDouble(text)
        if not ok:
            raise ValueError(self.tr("Enter a percentage, e.g. 0.5"))
        hundredths = round(number * 100)
        if abs(number * 100 - hundredths) > 1e-6:
            raise ValueError(self.tr("At most two decimals"))
        return hundredths // 100 if hundredths % 100 == 0 else hundredths / 100

    def set_value(self, value: Any) -> None:
        self.setText("" if value is None else QLocale().toString(float(value), "g", 6))


class BoolEditor(QCheckBox):
    """Yes or no."""

    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        del field, entity
        self._quiet = _Quiet()
        self.toggled.connect(lambda _v: None if self._quiet.on else self.edited.emit())

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.left.emit()

    def raw(self) -> Any:
        return self.isChecked()

    def set_raw(self, raw: Any) -> None:
        with self._quiet:
            self.setChecked(bool(raw))

    def value(self) -> Any:
        return self.isChecked()

    def set_value(self, value: Any) -> None:
        self.set_raw(value)


class CurrencyEditor(QComboBox):
    """An ISO 4217 code: typed or chosen from the list (the name as a tool tip)."""

    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        del field, entity
        self._quiet = _Quiet()
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for currency in sorted(pycountry.currencies, key=lambda c: c.alpha_3):
            self.addItem(currency.alpha_3)
            self.setItemData(self.count() - 1, currency.name, Qt.ItemDataRole.ToolTipRole)
        self.currentTextChanged.connect(lambda _t: None if self._quiet.on else self.edited.emit())

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.left.emit()

    def raw(self) -> Any:
        return self.currentText()

    def set_raw(self, raw: Any) -> None:
        with self._quiet:
            self.setCurrentText(raw or "")

    def value(self) -> Any:
        return self.currentText().strip()

    def set_value(self, value: Any) -> None:
        own = QLocale().currencySymbol(QLocale.CurrencySymbolFormat.CurrencyIsoCode)
        self.set_raw(str(value or own or "USD"))


class ReadOnlyEditor(QLabel):
    """A value the form shows but never sends (a deal's currency is the server's, an
    invoice's number and balance due): by its kind, and its ``empty`` text for none."""

    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kind = field.kind
        self._empty = tr(entity, field.empty)
        self._currency = field.currency if entity.field(field.currency) is None else ""
        self._value: Any = None
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_currency(self, currency: str | None) -> None:
        self._currency = currency or ""
        self.set_value(self._value)

    def raw(self) -> Any:
        return self._value

    def set_raw(self, raw: Any) -> None:
        self.set_value(raw)

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        self._value = value
        if value is None or value == "":
            self.setText(self._empty)
        elif self._kind == "money" and isinstance(value, int):
            self.setText(money_text(QLocale(), value, self._currency or "USD"))
        elif self._kind == "date":
            self.setText(date_text(QLocale(), value))
        else:
            self.setText(str(value))


class ChoiceEditor(QComboBox):
    """One of the declared choices; a state field offers only what its transitions allow."""

    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = _Quiet()
        self._entity = entity
        self._choices: tuple[Choice, ...] = field.choices
        self.allow(None)
        self.currentIndexChanged.connect(lambda _i: None if self._quiet.on else self.edited.emit())

    def allow(self, values: list[Any] | None) -> None:
        """Offer only ``values`` (None: every choice), in the declared order."""
        current = self.currentData()
        with self._quiet:
            self.clear()
            for choice in self._choices:
                if values is None or choice.value in values:
                    self.addItem(tr(self._entity, choice.label), choice.value)
            self.setCurrentIndex(max(self.findData(current), 0))

    def raw(self) -> Any:
        return self.currentData()

    def set_raw(self, raw: Any) -> None:
        with self._quiet:
            self.setCurrentIndex(max(self.findData(raw), 0))

    def value(self) -> Any:
        data = self.currentData()
        return None if data == "" else data  # "" is the choice of none (no tax rate)

    def set_value(self, value: Any) -> None:
        self.set_raw("" if value is None else value)


class PercentEditor(QSpinBox):
    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        del field, entity
        self._quiet = _Quiet()
        self.setRange(0, 100)
        self.setSuffix("\u00a0%")
        self.valueChanged.connect(lambda _v: None if self._quiet.on else self.edited.emit())

    def raw(self) -> Any:
        return int(super().value())

    def set_raw(self, raw: Any) -> None:
        with self._quiet:
            self.setValue(int(raw or 0))

    def value(self) -> Any:  # type: ignore[override]
        return int(super().value())

    def set_value(self, value: Any) -> None:
        self.set_raw(value)


class DateEditor(QWidget):
    """A date from a calendar, or none (the Clear button); ISO yyyy-mm-dd on the wire."""

    edited = Signal()
    left = Signal()
    _NONE = QDate(1900, 1, 1)

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        del field, entity
        self._quiet = _Quiet()
        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMinimumDate(self._NONE)
        self.date_edit.setSpecialValueText(self.tr("(none)"))  # shown at the minimum date
        self.date_edit.setDisplayFormat(QLocale().dateFormat(QLocale.FormatType.ShortFormat))
        self.date_edit.dateChanged.connect(
            lambda _d: None if self._quiet.on else self.edited.emit()
        )
        self.clear_button = QToolButton(self)
        self.clear_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_LineEditClearButton)
        )
        self.clear_button.setToolTip(self.tr("No date"))
        self.clear_button.clicked.connect(lambda: self._set_by_user(None))
        self.setFocusProxy(self.date_edit)
        self.date_edit.calendarWidget().installEventFilter(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.date_edit, 1)
        row.addWidget(self.clear_button)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # The calendar of an empty date opens on this month, not on the 1900 that means "none".
        if event.type() == QEvent.Type.Show and self.raw() is None:
            today = QDate.currentDate()
            self.date_edit.calendarWidget().setCurrentPage(today.year(), today.month())
        return super().eventFilter(watched, event)

    def _set_by_user(self, value: str | None) -> None:
        self.set_raw(value)
        self.edited.emit()

    def set_date(self, day: QDate) -> None:
        """Pick ``day`` as the user does in the calendar."""
        self.date_edit.setDate(day)

    def raw(self) -> Any:
        day = self.date_edit.date()
        return None if day == self._NONE else day.toString(Qt.DateFormat.ISODate)

    def set_raw(self, raw: Any) -> None:
        day = QDate.fromString(str(raw)[:10], Qt.DateFormat.ISODate) if raw else self._NONE
        with self._quiet:
            self.date_edit.setDate(day if day.isValid() else self._NONE)

    def value(self) -> Any:
        return self.raw()

    def set_value(self, value: Any) -> None:
        self.set_raw(value)


class KeyValueEditor(QWidget):
    """Key/value pairs (network → handle) in a small table with Add and Remove."""

    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        del field, entity
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("keyValueTable")
        self.table.setHorizontalHeaderLabels([self.tr("Network"), self.tr("Handle or link")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMaximumHeight(110)
        self.table.itemChanged.connect(lambda _i: self.edited.emit())
        add = QPushButton(self.tr("Add"), self)
        add.setObjectName("keyValueAdd")
        add.clicked.connect(lambda: self.add_row())
        remove = QPushButton(self.tr("Remove"), self)
        remove.setObjectName("keyValueRemove")
        remove.clicked.connect(self.remove_current)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def add_row(self, key: str = "", value: str = "") -> None:
        blocked = self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(key))
        self.table.setItem(row, 1, QTableWidgetItem(value))
        self.table.blockSignals(blocked)
        if not key and not value:
            self.table.setCurrentCell(row, 0)
            self.table.editItem(self.table.item(row, 0))
        self.edited.emit()

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.edited.emit()

    def raw(self) -> Any:
        return self.value()

    def set_raw(self, raw: Any) -> None:
        self.set_value(raw)

    def value(self) -> Any:
        """The pairs, skipping empty rows; None when there are none."""
        out: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            key_item, value_item = self.table.item(row, 0), self.table.item(row, 1)
            key = key_item.text() if key_item else ""
            handle = value_item.text() if value_item else ""
            if key.strip() or handle.strip():
                out[key] = handle
        return out or None

    def set_value(self, value: Any) -> None:
        blocked = self.blockSignals(True)
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for key, handle in (value or {}).items():
            self.add_row(str(key), str(handle))
        self.table.blockSignals(False)
        self.blockSignals(blocked)


class StatusEditor(QLabel):
    """A status the server's commands change (kit/status.py): its state's label, or the
    queued command's ("Deactivating…"); the page's command bar offers the commands."""

    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entity = entity
        self._choices = field.choices
        self._value: Any = field.default
        self.setToolTip(
            self.tr("Changed by its commands: the server decides and every desktop follows")
        )
        self.set_value(self._value)

    def raw(self) -> Any:
        return self._value

    def set_raw(self, raw: Any) -> None:
        self.set_value(raw)

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any, pending: str = "") -> None:
        """Show ``value``'s label, or ``pending`` (a queued command's text) instead."""
        self._value = value
        self.setText(pending or choice_label(self._entity, self._choices, value))


class TableView(QTableWidget):
    """Rows the record holds and the server keeps (an invoice's payments), read-only: each
    column shown by its kind (money in the row's currency, a date, a choice by its label)."""

    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(0, len(field.columns), parent)
        self._entity = entity
        self._field = field
        self._value: Any = None
        self.setHorizontalHeaderLabels([tr(entity, c.label) for c in field.columns])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        for n, column in enumerate(field.columns):
            self.setColumnWidth(n, column.width)

    def raw(self) -> Any:
        return self._value

    def set_raw(self, raw: Any) -> None:
        self.set_value(raw)

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        self._value = value
        rows = [r for r in value or () if isinstance(r, dict)]
        self.clearSpans()
        self.setRowCount(len(rows))
        if not rows and self._field.empty:  # one line that says there is nothing yet
            self.setRowCount(1)
            self.setSpan(0, 0, 1, max(1, self.columnCount()))
            self.setItem(0, 0, QTableWidgetItem(tr(self._entity, self._field.empty)))
        locale = QLocale()
        waiting = self.tr("Waiting to be sent to the server")
        for r, row in enumerate(rows):
            for c, column in enumerate(self._field.columns):
                item = QTableWidgetItem(self._text(locale, column, row))
                if row.get("pending"):  # made here, not yet confirmed by the server
                    font = item.font()
                    font.setItalic(True)
                    item.setFont(font)
                    item.setToolTip(waiting)
                self.setItem(r, c, item)
                if column.kind == "money":
                    self.item(r, c).setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
        # As tall as its rows (a few payments), never a scroll area inside the form's.
        height = self.horizontalHeader().height() + 2 * self.frameWidth()
        height += sum(self.rowHeight(r) for r in range(self.rowCount()))
        self.setFixedHeight(height)

    def _text(self, locale: QLocale, column: Column, row: dict[str, Any]) -> str:
        value = row.get(column.key)
        if value is None or value == "":
            return ""
        if column.kind == "money" and isinstance(value, int):
            return money_text(locale, value, str(row.get(column.currency) or column.currency))
        if column.kind == "date":
            return date_text(locale, value)
        if column.kind == "choice":
            return choice_label(self._entity, column.choices, value)
        return str(value)


def make_editor(
    field: Field, entity: Entity, source: LookupSource | None, parent: QWidget
) -> QWidget:
    """The editor of a declared field."""
    if field.kind == "table":
        return TableView(field, entity, parent)
    if field.read_only:
        return ReadOnlyEditor(field, entity, parent)
    kind = field.kind
    if kind == "ref":
        assert source is not None, f"{field.name}: a lookup needs its source"
        return LookupPicker(field, entity, source, parent)
    if kind == "lines":
        from desktop.ui.kit.lines import LinesEditor

        assert source is not None, f"{field.name}: the line editor needs the catalog"
        return LinesEditor(field, entity, source, parent)
    if kind == "entries":
        from desktop.ui.ledger.entries import EntriesEditor

        assert source is not None, f"{field.name}: the entry editor needs the chart of accounts"
        return EntriesEditor(field, entity, source, parent)
    editors: dict[str, type[QWidget]] = {
        "multiline": MultilineEditor,
        "money": MoneyEditor,
        "currency": CurrencyEditor,
        "choice": ChoiceEditor,
        "percent": PercentEditor,
        "number": NumberEditor,
        "rate": RateEditor,
        "bool": BoolEditor,
        "date": DateEditor,
        "keyvalue": KeyValueEditor,
        "status": StatusEditor,
    }
    cls = editors.get(kind, TextEditor)
    return cls(field, entity, parent)  # type: ignore[call-arg]
