"""Declared labels translated, and values shown by their declared kind (as the form shows them).

One place turns a stored value into text for the list, the Compare dialog and
Ctrl+K: money from integer cents through QLocale, a date in the locale's short
format, a choice by its label, a country or a customer by its name.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QLocale, Qt

from desktop.core.kit.documents import document_totals
from desktop.core.kit.entity import Choice, Column, Entity, Field, choice_key
from desktop.core.kit.listing import ListRow
from desktop.core.kit.lookups import LookupSource, Option
from desktop.core.modules import open_lookup
from desktop.core.replica import Replica
from desktop.ui.kit.money import format_money, money_text

DEFAULT_CURRENCY = "USD"


def tr(entity: Entity | None, source: str, n: int = -1) -> str:
    """A declared text in the entity's context, else the kit's (texts shared by modules)."""
    if not source:
        return ""
    context = entity.context if entity is not None else "kit"
    out = QCoreApplication.translate(context, source, None, n)
    if out == source.replace("%n", str(n)) and context != "kit":
        out = QCoreApplication.translate("kit", source, None, n)
    return out


def _kit(source: str, n: int = -1) -> str:
    return QCoreApplication.translate("kit", source, None, n)


def language(locale: QLocale | None = None) -> str:
    return (locale or QLocale()).name().split("_")[0]


def choice_label(entity: Entity | None, choices: tuple[Choice, ...], value: Any) -> str:
    """The label of a stored value's choice (a flag's True and a list's 1 are the same)."""
    key = choice_key(value)
    found = next((c for c in choices if c.value == key), None)
    return tr(entity, found.label) if found is not None else str(value)


def date_text(locale: QLocale, value: Any) -> str:
    if not value:
        return ""
    day = QDate.fromString(str(value)[:10], Qt.DateFormat.ISODate)
    return locale.toString(day, QLocale.FormatType.ShortFormat) if day.isValid() else str(value)


def percent_text(locale: QLocale, value: Any) -> str:
    return f"{locale.toString(int(value))}\u00a0%"


class Display:
    """Shows values of one entity's fields and columns; lookups read the given replica."""

    def __init__(
        self, entity: Entity, replica: Replica | None = None, locale: QLocale | None = None
    ) -> None:
        self.entity = entity
        self.replica = replica
        self.locale = locale or QLocale()
        self._lookups: dict[str, LookupSource] = {}

    def close(self) -> None:
        for source in self._lookups.values():
            source.close()
        self._lookups.clear()

    def lookup(self, field: Field) -> LookupSource | None:
        if field.ref is None or self.replica is None:
            return None
        source = self._lookups.get(field.name)
        if source is None:
            source = open_lookup(field.ref, self.replica, language(self.locale))
            self._lookups[field.name] = source
        return source

    # ------------------------------------------------------------ the list

    def cell(self, column: Column, row: ListRow) -> str:
        """A list cell: money with the row's currency, a queued command's text on its column."""
        value = row[column.key]
        kind = column.kind
        if value in (None, "") and column.empty:
            return tr(self.entity, column.empty)
        if kind == "money":
            currency = row.values.get(column.currency, column.currency) or DEFAULT_CURRENCY
            return money_text(self.locale, int(value), str(currency))
        if kind == "status":
            command = self.entity.command(row.pending_command or "")
            if command is not None and command.sets is not None and command.pending:
                key, target = command.sets
                if key == column.key and value != target:
                    return tr(self.entity, command.pending)
            elif command is not None and command.pending:  # a payment: the status may follow
                return tr(self.entity, command.pending)
            return choice_label(self.entity, column.choices, value)
        if kind == "choice":
            return choice_label(self.entity, column.choices, value)
        if kind == "percent":
            return percent_text(self.locale, value)
        if kind == "number" and str(value).lstrip("-").isdigit():
            return self.locale.toString(int(value))
        if kind == "date":
            return date_text(self.locale, value)
        return "" if value is None else str(value)

    # ------------------------------------------------------------ one value (Compare dialog)

    def value(self, name: str, value: Any, record: dict[str, Any] | None) -> str:
        """A field's value as the form shows it; ``name`` may be dotted (address.city)."""
        if value is None or value == "":
            return _kit("(empty)")
        field = self.entity.field(name)
        if field is None:
            return self._plain(name, value)
        kind = field.kind
        if kind == "money" and isinstance(value, int) and not isinstance(value, bool):
            currency = (record or {}).get(field.currency) if field.currency else None
            if currency is None and field.currency and self.entity.field(field.currency) is None:
                currency = field.currency  # a fixed code
            return format_money(value, str(currency or DEFAULT_CURRENCY), self.locale)
        if kind in ("choice", "status", "bool"):
            return (
                choice_label(self.entity, field.choices, value)
                if field.choices
                else (_kit("Yes") if value else _kit("No"))
            )
        if kind == "percent" and isinstance(value, int):
            return percent_text(self.locale, value)
        if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
            return self.locale.toString(value)
        if kind == "rate" and isinstance(value, int | float) and not isinstance(value, bool):
            return f"{self.locale.toString(float(value), 'g', 6)}\u00a0%"
        if kind == "date":
            return date_text(self.locale, value)
        if kind == "ref":
            option = self.option(field, str(value))
            return option.text if option is not None else str(value)
        if kind == "lines" and isinstance(value, list):
            return self._lines(value, record)
        if kind == "table" and isinstance(value, list):
            return _kit("%n row(s)", len(value))
        return self._plain(name, value)

    def _lines(self, lines: list[Any], record: dict[str, Any] | None) -> str:
        """A document's lines in one text: each "description, quantity", then the total."""
        currency = str((record or {}).get("currency") or DEFAULT_CURRENCY)
        parts = [
            f"{line.get('description') or line.get('sku') or line.get('item_id') or '?'}"
            f" \u00d7 {line.get('quantity')}"
            for line in lines
            if isinstance(line, dict)
        ]
        total = document_totals([x for x in lines if isinstance(x, dict)]).total
        summary = _kit("%n line(s)", len(parts))
        return f"{summary}: {'; '.join(parts)} — {money_text(self.locale, total, currency)}"

    def option(self, field: Field, value: str) -> Option | None:
        source = self.lookup(field)
        return None if source is None else source.option(value)

    def _plain(self, name: str, value: Any) -> str:
        if isinstance(value, bool):
            return _kit("Yes") if value else _kit("No")
        if isinstance(value, dict):
            # A whole nested object (a billing address): its fields by their labels.
            parts = []
            for key, item in value.items():
                if item in (None, ""):
                    continue
                sub = self.entity.field(f"{name}.{key}")
                label = tr(self.entity, sub.label) if sub is not None else str(key)
                parts.append(f"{label}: {self.value(f'{name}.{key}', item, None)}")
            return ", ".join(parts) or _kit("(empty)")
        return str(value)

    def label(self, name: str) -> str:
        """A field's label; a field of a group reads "Billing address: City"."""
        return field_label(self.entity, name)


def field_label(entity: Entity | None, name: str) -> str:
    """The declared label of ``name`` (dotted for nested fields), translated."""
    if name == "_deleted":
        return _kit("Whole record")
    field = entity.field(name) if entity is not None else None
    if field is None:
        return name.replace("_", " ").replace(".", ": ").capitalize()
    label = tr(entity, field.label)
    if field.group and entity is not None and field.group in entity.groups:
        return (
            _kit("%1: %2")
            .replace("%1", tr(entity, entity.groups[field.group]))
            .replace("%2", label)
        )
    return label
