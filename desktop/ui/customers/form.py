"""The customer form: every field, the billing address, inline validation with the server's rules.

Each field is checked with the same pydantic models the server uses
(``common.customers``) as the user types and when the field is left, and the
reason is shown under the field. Money is typed in the locale's format and
kept as integer cents.
"""

from __future__ import annotations

from typing import Any

import pycountry
from pydantic import ValidationError
from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtGui import QFocusEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from common.customers import AddressUpdate, CustomerCreate, CustomerUpdate
from common.validation import normalize_phone
from desktop.core.customers import ADDRESS_FIELDS, billing_address
from desktop.ui.customers.money import amount_text, parse_amount

TEXT_FIELDS = ("name", "email", "phone", "tax_id", "website", "company")
FIELDS = (*TEXT_FIELDS, "social_media", "notes", "credit_limit", "currency")
Values = dict[str, Any]


def _message(exc: ValidationError) -> str:
    msg = str(exc.errors()[0]["msg"])
    return msg.removeprefix("Value error, ")


def _translate(text: str) -> str:
    """Messages from ``common`` (shared with the server) go through the "validation" context."""
    return QCoreApplication.translate("validation", text)


def _phone_text(record: dict[str, Any]) -> str | None:
    """The display form while it still matches the number (a local edit changes only ``phone``)."""
    phone, display = record.get("phone"), record.get("phone_display")
    if phone and display:
        try:
            if normalize_phone(display)[0] == phone:
                return str(display)
        except ValueError:
            pass
    return str(phone) if phone else None


class _LeaveAwareLineEdit(QLineEdit):
    """A line edit that reports when the user leaves it (validation on leave)."""

    left = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.left.emit()


class SocialMediaEditor(QWidget):
    """Key/value pairs (network → handle) in a small table with Add and Remove."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("socialMediaTable")
        self.table.setHorizontalHeaderLabels([self.tr("Network"), self.tr("Handle or link")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMaximumHeight(110)
        self.table.itemChanged.connect(lambda _i: self.changed.emit())
        add = QPushButton(self.tr("Add"), self)
        add.setObjectName("socialAdd")
        add.clicked.connect(self.add_row)
        remove = QPushButton(self.tr("Remove"), self)
        remove.setObjectName("socialRemove")
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
        self.changed.emit()

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    def set_value(self, value: dict[str, str] | None) -> None:
        blocked = self.table.blockSignals(True)
        self.table.setRowCount(0)
        for key, handle in (value or {}).items():
            self.add_row(key, handle)
        self.table.blockSignals(blocked)

    def value(self) -> dict[str, str] | None:
        """The pairs, skipping empty rows; None when there are none."""
        out: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            key_item, value_item = self.table.item(row, 0), self.table.item(row, 1)
            key = key_item.text() if key_item else ""
            handle = value_item.text() if value_item else ""
            if key.strip() or handle.strip():
                out[key] = handle
        return out or None


class CustomerForm(QWidget):
    """The fields of one customer. ``load`` a record (or None for a new one), read ``values``."""

    changed = Signal()  # any field edited by the user
    deactivate_requested = Signal()
    activate_requested = Signal()
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._locale = QLocale()
        self._loading = False
        self._record: dict[str, Any] | None = None
        self._snapshot: Values = {}
        self._order: list[str] = []  # fields in the order the user last changed them
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}

        self.title = QLabel(self)
        self.title.setObjectName("customerFormTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.banner = QLabel(self)
        self.banner.setObjectName("customerFormBanner")
        self.banner.setWordWrap(True)
        self.banner.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.banner.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.banner.setAutoFillBackground(True)
        self.banner.setMargin(6)
        self.banner.hide()

        main = QFormLayout()
        main.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        labels = {
            "name": self.tr("Name *"),
            "email": self.tr("Email *"),
            "phone": self.tr("Phone"),
            "company": self.tr("Company"),
            "tax_id": self.tr("Tax ID"),
            "website": self.tr("Website"),
        }
        placeholders = {
            "phone": self.tr("+1 555 0100"),
            "website": self.tr("https://example.com"),
            "email": self.tr("name@example.com"),
        }
        for field in ("name", "email", "phone", "company", "tax_id", "website"):
            edit = _LeaveAwareLineEdit(self)
            edit.setPlaceholderText(placeholders.get(field, ""))
            self._add(main, field, labels[field], edit)
            edit.textEdited.connect(lambda _t, f=field: self._edited(f))
            edit.left.connect(lambda f=field: self.validate_field(f))

        self.credit_edit = _LeaveAwareLineEdit(self)
        self.credit_edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.credit_edit.setPlaceholderText(amount_text(self._locale, 0))
        self.credit_edit.textEdited.connect(lambda _t: self._edited("credit_limit"))
        self.credit_edit.left.connect(self._normalize_credit)
        self.currency_combo = QComboBox(self)
        self.currency_combo.setEditable(True)
        self.currency_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for currency in sorted(pycountry.currencies, key=lambda c: c.alpha_3):
            self.currency_combo.addItem(currency.alpha_3)
            self.currency_combo.setItemData(
                self.currency_combo.count() - 1, currency.name, Qt.ItemDataRole.ToolTipRole
            )
        self.currency_combo.currentTextChanged.connect(lambda _t: self._edited("currency"))
        money = QWidget(self)
        money_row = QHBoxLayout(money)
        money_row.setContentsMargins(0, 0, 0, 0)
        money_row.addWidget(self.credit_edit, 1)
        money_row.addWidget(self.currency_combo)
        self.editors["credit_limit"] = self.credit_edit
        self.editors["currency"] = self.currency_combo
        self._add(main, "credit_limit", self.tr("Credit limit"), money)
        self.errors["currency"] = self.errors["credit_limit"]

        self.active_check = QCheckBox(self.tr("Active"), self)
        self.active_check.setObjectName("activeCheck")
        self.active_check.setEnabled(False)  # a status: changed by the server's command
        self.active_check.setToolTip(
            self.tr("Use Deactivate / Activate: the server decides and every desktop follows")
        )
        self.toggle_active = QPushButton(self.tr("Deactivate"), self)
        self.toggle_active.setObjectName("toggleActive")
        self.toggle_active.clicked.connect(self._toggle_active)
        status = QWidget(self)
        status_row = QHBoxLayout(status)
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(self.active_check)
        status_row.addStretch(1)
        status_row.addWidget(self.toggle_active)
        main.addRow(self.tr("Status"), status)

        self.social = SocialMediaEditor(self)
        self.social.changed.connect(lambda: self._edited("social_media"))
        self.editors["social_media"] = self.social
        self._add(main, "social_media", self.tr("Social media"), self.social)

        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notesEdit")
        self.notes.setMaximumHeight(90)
        self.notes.textChanged.connect(lambda: self._edited("notes"))
        self.editors["notes"] = self.notes
        self._add(main, "notes", self.tr("Notes"), self.notes)

        address = QGroupBox(self.tr("Billing address"), self)
        address_form = QFormLayout(address)
        address_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        address_labels = {
            "street": self.tr("Street"),
            "city": self.tr("City"),
            "region": self.tr("Region / state"),
            "postal_code": self.tr("Postal code"),
        }
        for sub in ("street", "city", "region", "postal_code"):
            field = f"address.{sub}"
            edit = _LeaveAwareLineEdit(self)
            self._add(address_form, field, address_labels[sub], edit)
            edit.textEdited.connect(lambda _t, f=field: self._edited(f))
            edit.left.connect(lambda f=field: self.validate_field(f))
        self.country_combo = QComboBox(self)
        self.country_combo.setEditable(False)
        self.country_combo.currentIndexChanged.connect(lambda _i: self._edited("address.country"))
        self._add(address_form, "address.country", self.tr("Country"), self.country_combo)

        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.banner)
        layout.addLayout(main)
        layout.addWidget(address)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.load(None)

    def _add(self, form: QFormLayout, field: str, label: str, editor: QWidget) -> None:
        editor.setObjectName(f"field_{field}")
        error = QLabel(self)
        error.setObjectName(f"error_{field}")
        error.setWordWrap(True)
        # Tool-tip palette roles: set off from the form in light and dark themes, no fixed colour.
        error.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        error.setForegroundRole(QPalette.ColorRole.ToolTipText)
        error.setAutoFillBackground(True)
        error.setMargin(2)
        error.hide()
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(editor)
        column.addWidget(error)
        form.addRow(label, box)
        self.editors.setdefault(field, editor)
        self.errors[field] = error

    # ------------------------------------------------------------ countries

    def set_countries(self, countries: list[dict[str, Any]]) -> None:
        """The country choices: replica "country" records, by name in the UI language."""
        language = self._locale.name().split("_")[0]
        current = self._country()
        items = []
        for c in countries:
            if not c.get("is_active", True) and c.get("code") != current:
                continue
            names = c.get("name") or {}
            label = names.get(language) or names.get("en") or c.get("code")
            items.append((str(label), str(c.get("code"))))
        items.sort(key=lambda item: item[0].casefold())
        blocked = self.country_combo.blockSignals(True)
        self.country_combo.clear()
        self.country_combo.addItem(self.tr("(none)"), None)
        for label, code in items:
            self.country_combo.addItem(f"{label} ({code})", code)
        self.country_combo.blockSignals(blocked)
        self._set_country(current)

    def _country(self) -> str | None:
        data = self.country_combo.currentData()
        return str(data) if data else None

    def _set_country(self, code: str | None) -> None:
        blocked = self.country_combo.blockSignals(True)
        index = self.country_combo.findData(code) if code else 0
        if index < 0 and code:
            self.country_combo.addItem(code, code)
            index = self.country_combo.count() - 1
        self.country_combo.setCurrentIndex(max(index, 0))
        self.country_combo.blockSignals(blocked)

    # ------------------------------------------------------------ values

    def load(self, record: dict[str, Any] | None, *, conflict: bool = False) -> None:
        """Show ``record`` (None: an empty form for a new customer); the form is clean after."""
        self._loading = True
        try:
            self._record = record
            r = record or {}
            for field in TEXT_FIELDS:
                value = _phone_text(r) if field == "phone" else r.get(field)
                self._line(field).setText(value or "")
            cents = r.get("credit_limit")
            self.credit_edit.setText(
                amount_text(self._locale, int(cents)) if isinstance(cents, int) and cents else ""
            )
            self.currency_combo.setCurrentText(str(r.get("currency") or self._default_currency()))
            self.social.set_value(r.get("social_media"))
            self.notes.setPlainText(r.get("notes") or "")
            address = billing_address(r)
            for sub in ("street", "city", "region", "postal_code"):
                self._line(f"address.{sub}").setText(address[sub] or "")
            self._set_country(address["country"])
            active = bool(r.get("active", True))
            self.active_check.setChecked(active)
            self.toggle_active.setText(self.tr("Deactivate") if active else self.tr("Activate"))
            self.toggle_active.setVisible(record is not None)
            self.title.setText(r.get("name") or self.tr("New customer"))
            self.banner.setVisible(conflict)
            if conflict:
                self.banner.setText(
                    self.tr(
                        "⚠ This customer was changed here and on the server at the same time. "
                        "Open the conflict to compare the values and choose."
                    )
                )
            for label in self.errors.values():
                label.hide()
            self._snapshot = self.raw_values()
            self._order = []
        finally:
            self._loading = False

    def _default_currency(self) -> str:
        own = self._locale.currencySymbol(QLocale.CurrencySymbolFormat.CurrencyIsoCode)
        return own or "USD"

    def _line(self, field: str) -> QLineEdit:
        editor = self.editors[field]
        assert isinstance(editor, QLineEdit)
        return editor

    def raw_values(self) -> Values:
        """What the widgets hold, as typed (for the dirty check)."""
        values: Values = {f: self._line(f).text() for f in TEXT_FIELDS}
        values["credit_limit"] = self.credit_edit.text()
        values["currency"] = self.currency_combo.currentText()
        values["social_media"] = self.social.value()
        values["notes"] = self.notes.toPlainText()
        for sub in ("street", "city", "region", "postal_code"):
            values[f"address.{sub}"] = self._line(f"address.{sub}").text()
        values["address.country"] = self._country()
        return values

    def is_new(self) -> bool:
        return self._record is None

    def record(self) -> dict[str, Any] | None:
        return self._record

    def is_dirty(self) -> bool:
        return self.raw_values() != self._snapshot

    def changed_fields(self) -> list[str]:
        now = self.raw_values()
        return [f for f in now if now[f] != self._snapshot.get(f)]

    def _edited(self, field: str) -> None:
        if self._loading:
            return
        if field in self._order:
            self._order.remove(field)
        self._order.append(field)
        self.validate_field(field, typing=True)
        self.changed.emit()

    # ------------------------------------------------------------ validation

    def _wire_value(self, field: str, raw: Values) -> Any:
        """The value the API takes for ``field`` (``ValueError`` for unparsable money)."""
        if field == "credit_limit":
            return parse_amount(self._locale, raw["credit_limit"])
        if field == "currency":
            return raw["currency"].strip()
        if field == "social_media":
            return raw["social_media"]
        if field.startswith("address."):
            value = raw[field]
            return value if field == "address.country" else (value.strip() or None)
        value = raw[field]
        if field in ("name", "email"):
            return value
        return value.strip() or None if isinstance(value, str) else value

    def check(self, field: str, raw: Values | None = None) -> str | None:
        """The reason ``field`` cannot be saved, or None: the server's own rules."""
        raw = raw if raw is not None else self.raw_values()
        try:
            value = self._wire_value(field, raw)
            if field.startswith("address."):
                AddressUpdate.model_validate({field.split(".", 1)[1]: value})
            else:
                CustomerUpdate.model_validate({field: value})
        except ValidationError as exc:
            return _translate(_message(exc))
        except ValueError as exc:
            return _translate(str(exc))
        return None

    def validate_field(self, field: str, *, typing: bool = False) -> bool:
        """Show or clear the message under ``field``.

        While typing, a message already shown is updated or cleared at once, and
        a new one appears at once only where the value cannot get better by typing
        on (an empty name, a bad amount); the others appear when the field is left.
        """
        if field in ("credit_limit", "currency"):
            message = self.check("credit_limit") or self.check("currency")
        else:
            message = self.check(field)
        label = self.errors[field]
        if message is None:
            label.hide()
            label.clear()
            return True
        if not typing or label.isVisible() or field in ("name", "credit_limit", "currency"):
            label.setText(message)
            label.show()
        return False

    def validate_all(self) -> dict[str, str]:
        """Check every field; show each message; return {field: message}."""
        raw = self.raw_values()
        problems: dict[str, str] = {}
        for field in (*FIELDS, *(f"address.{s}" for s in ADDRESS_FIELDS)):
            message = self.check(field, raw)
            if message:
                problems[field] = message
        if self.is_new() and not problems:
            try:
                CustomerCreate.model_validate(self.create_data())
            except ValidationError as exc:
                problems["name"] = _translate(_message(exc))
        for field, label in self.errors.items():
            if field == "currency":
                continue  # shares the credit limit's label, filled below
            message = problems.get(field)
            if field == "credit_limit":
                message = problems.get("credit_limit") or problems.get("currency")
            label.setText(message or "")
            label.setVisible(bool(message))
        return problems

    def first_invalid_editor(self, problems: dict[str, str]) -> QWidget | None:
        for field in (*FIELDS, *(f"address.{s}" for s in ADDRESS_FIELDS)):
            if field in problems:
                return self.editors[field]
        return None

    # ------------------------------------------------------------ payloads

    def create_data(self) -> dict[str, Any]:
        """The new customer's fields in the shape of ``CustomerCreate`` (as typed)."""
        raw = self.raw_values()
        data: dict[str, Any] = {f: self._wire_value(f, raw) for f in FIELDS}
        address = {s: self._wire_value(f"address.{s}", raw) for s in ADDRESS_FIELDS}
        if any(v is not None for v in address.values()):
            data["addresses"] = [{"type": "billing", **address}]
        return {k: v for k, v in data.items() if v is not None}

    def normalized_create_data(self) -> dict[str, Any]:
        """``create_data`` as the server will store it (trimmed, E.164 phone, lower-case email)."""
        data = self.create_data()
        model = CustomerCreate.model_validate(data)
        out: dict[str, Any] = model.model_dump(mode="json", include=set(data))
        for address in out.get("addresses", []):
            address.pop("state", None)
        return out

    def update_changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(changes, inverse): the changed fields as the server will store them, and the
        values they had when the form was loaded (to undo the edit)."""
        raw = self.raw_values()
        changes: dict[str, Any] = {}
        inverse: dict[str, Any] = {}
        for field in self.changed_fields():
            if field.startswith("address."):
                sub = field.split(".", 1)[1]
                changes.setdefault("address", {})[sub] = self._wire_value(field, raw)
                inverse.setdefault("address", {})[sub] = self._wire_value(field, self._snapshot)
            else:
                changes[field] = self._wire_value(field, raw)
                inverse[field] = self._wire_value(field, self._snapshot)
        model = CustomerUpdate.model_validate(changes)
        normalized: dict[str, Any] = model.model_dump(mode="json", include=set(changes))
        if "address" in normalized:
            normalized["address"] = {
                k: v for k, v in normalized["address"].items() if k in changes["address"]
            }
        return normalized, inverse

    # ------------------------------------------------------------ undo in the form

    def undo_last_field(self) -> bool:
        """Put the most recently edited field back as it was loaded; False if nothing to undo."""
        while self._order:
            field = self._order.pop()
            if self.raw_values().get(field) != self._snapshot.get(field):
                self._restore(field)
                self.validate_field(field)
                self.changed.emit()
                return True
        for field in self.changed_fields():
            self._restore(field)
        return False

    def _restore(self, field: str) -> None:
        value = self._snapshot.get(field)
        self._loading = True
        try:
            if field == "credit_limit":
                self.credit_edit.setText(value or "")
            elif field == "currency":
                self.currency_combo.setCurrentText(value or "")
            elif field == "social_media":
                self.social.set_value(value)
            elif field == "notes":
                self.notes.setPlainText(value or "")
            elif field == "address.country":
                self._set_country(value)
            else:
                self._line(field).setText(value or "")
        finally:
            self._loading = False

    # ------------------------------------------------------------ actions

    def _normalize_credit(self) -> None:
        """On leave, show a valid amount in the locale's format (1234.5 → 1,234.50)."""
        if self.validate_field("credit_limit"):
            text = self.credit_edit.text()
            if text.strip():
                self.credit_edit.setText(
                    amount_text(self._locale, parse_amount(self._locale, text))
                )

    def _toggle_active(self) -> None:
        if self.active_check.isChecked():
            self.deactivate_requested.emit()
        else:
            self.activate_requested.emit()
