"""The one record form: built from an entity's declared fields, checked with the common rules.

Each field is checked with the same pydantic models the server uses (the
entity's ``update`` schema per field, ``create`` for a new record as a whole)
as the user types and when the field is left, and the reason is shown under
the field. Money is typed in the locale's format and kept as integer cents;
lookups are searchable pickers over the replica.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kit.documents import line_input
from desktop.core.kit.entity import Entity, Field, Record, by_field, nest
from desktop.core.kit.lookups import ListLookup, LookupSource
from desktop.core.modules import open_lookup
from desktop.core.replica import Replica
from desktop.ui.kit.display import language, tr
from desktop.ui.kit.editors import ChoiceEditor, StatusEditor, make_editor, validation_text
from desktop.ui.kit.picker import LookupPicker


def _tool_tip_label(parent: QWidget, name: str) -> QLabel:
    """A message label in tool-tip palette roles: set off in light and dark themes alike."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
    label.setForegroundRole(QPalette.ColorRole.ToolTipText)
    label.setAutoFillBackground(True)
    label.setMargin(2)
    label.hide()
    return label


class RecordForm(QWidget):
    """The fields of one record. ``load`` a record (or None for a new one), read its data."""

    changed = Signal()  # any field edited by the user
    save_requested = Signal()

    def __init__(self, entity: Entity, replica: Replica, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entity = entity
        self.setObjectName(f"{entity.name}Form")
        self._record: Record | None = None
        self._loaded: Record = {}  # the loaded record's values (undo sends them back)
        self._snapshot: Record = {}  # raw values after loading (the dirty check)
        self._order: list[str] = []  # fields in the order the user last changed them
        self._touched: set[str] = set()  # fields the user set (a follower stops following)
        self._loading = False
        self.status_shown: Any = None  # the status to act on: a queued command's, else the record's
        self.locked = ""  # why the record cannot be edited ('' : it can)
        self.fields = list(entity.form_fields)
        self.editors: dict[str, Any] = {}
        self.errors: dict[str, QLabel] = {}
        self.sources: dict[str, LookupSource] = {}
        self.destroyed.connect(self._close_sources)

        self.heading = QLabel(self)
        self.heading.setObjectName("formHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)  # a long name wraps rather than widening the form
        self.banner = _tool_tip_label(self, "formBanner")
        self.banner.setMargin(6)
        self.lock_banner = _tool_tip_label(self, "formLocked")
        self.lock_banner.setMargin(6)
        self.note_banner = _tool_tip_label(self, "formNote")  # what the status leaves editable
        self.note_banner.setMargin(6)

        layouts: dict[str, QFormLayout] = {"": QFormLayout()}
        boxes: list[QGroupBox] = []
        for key, title in entity.groups.items():
            box = QGroupBox(tr(entity, title), self)
            box.setObjectName(f"group_{key}")
            layouts[key] = QFormLayout(box)
            boxes.append(box)
        for layout in layouts.values():
            layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            # In a narrow pane a field goes under its label instead of out of sight.
            layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)

        lang = language()
        for field in self.fields:
            if field.ref is not None:
                self.sources[field.name] = open_lookup(field.ref, replica, lang)
            editor = make_editor(field, entity, self.sources.get(field.name), self)
            editor.setObjectName(f"field_{field.name}")
            self.editors[field.name] = editor
            editor.edited.connect(lambda f=field.name: self._edited(f))
            editor.left.connect(lambda f=field.name: self.validate_field(f))
        for field in self.fields:
            if field.beside:
                continue
            row = QWidget(self)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(self.editors[field.name], 1)
            for other in self.fields:
                if other.beside == field.name:
                    line.addWidget(self.editors[other.name])
            error = _tool_tip_label(self, f"error_{field.name}")
            self.errors[field.name] = error
            for other in self.fields:
                if other.beside == field.name:
                    self.errors[other.name] = error
            box = QWidget(self)
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(row)
            column.addWidget(error)
            label = tr(entity, field.label) + (" *" if field.required else "")
            layouts[field.group].addRow(label, box)

        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.banner)
        layout.addWidget(self.lock_banner)
        layout.addWidget(self.note_banner)
        layout.addLayout(layouts[""])
        for box in boxes:
            layout.addWidget(box)
        layout.addLayout(buttons)
        self._below = QVBoxLayout()  # what the page shows under the form (related records)
        layout.addLayout(self._below)
        layout.addStretch(1)
        self.load(None)

    def add_below(self, widget: QWidget) -> None:
        """Show ``widget`` under the form's fields and its Save button."""
        self._below.addWidget(widget)

    def _close_sources(self) -> None:
        for source in self.sources.values():
            source.close()

    def _field(self, name: str) -> Field:
        field = self.entity.field(name)
        assert field is not None, name
        return field

    def _editable(self, field: Field) -> bool:
        """Whether the field's value is sent (a create-only one only with a new record)."""
        return (
            not field.read_only
            and field.kind != "status"
            and not (field.create_only and self._record is not None)
        )

    def may_edit(self, name: str) -> bool:
        """Whether the user may change ``name`` now: sent, and allowed by the record's status."""
        field = self._field(name)
        if not self._editable(field) or self.locked:
            return False
        status = self.entity.status
        if self._record is None or status is None:
            return True
        return status.editable(self.status_shown, name)

    def _show_currencies(self) -> None:
        """Editors showing money in another field's currency (lines, a balance) follow it."""
        for field in self.fields:
            editor = self.editors[field.name]
            if field.currency and hasattr(editor, "set_currency"):
                source = self.editors.get(field.currency)
                if source is not None:
                    editor.set_currency(source.value())
                elif self.entity.field(field.currency) is None:
                    editor.set_currency(field.currency)  # a fixed code

    # ------------------------------------------------------------ values

    def load(
        self, record: Record | None, *, conflict: bool = False, pending_command: str | None = None
    ) -> None:
        """Show ``record`` (None: an empty form for a new one); the form is clean after.

        ``pending_command``: the record's latest queued command; a status command shows as
        the status to come, and the form acts on it (a queued blacklist locks the form).
        """
        self._loading = True
        try:
            self._record = record
            self._loaded = self.entity.values(record)
            self._show_status(record, pending_command)
            for field in self.fields:
                editor = self.editors[field.name]
                value = self._loaded.get(field.name)
                if isinstance(editor, ChoiceEditor) and field.transitions is not None:
                    editor.allow(
                        None if record is None or value is None else list(field.transitions(value))
                    )
                if isinstance(editor, StatusEditor):
                    editor.set_value(value, self._pending_text(value, pending_command))
                    continue
                editor.set_value(value)
                # What is shown but never sent stays readable; the rest as the status allows.
                editor.setEnabled(
                    (field.read_only and not self.locked) or self.may_edit(field.name)
                )
            self._show_currencies()
            name = self.entity.name_of(record)
            untitled = self.entity.untitled if record is not None else ""
            self.heading.setText(name or tr(self.entity, untitled or self.entity.new_title))
            self.banner.setVisible(conflict)
            if conflict:
                self.banner.setText(
                    self.tr(
                        "⚠ This record was changed here and on the server at the same time. "
                        "Open the conflict to compare the values and choose."
                    )
                )
            for label in self.errors.values():
                label.hide()
            self.save_button.setEnabled(not self.locked)
            self.lock_banner.setText(tr(self.entity, self.locked))
            self.lock_banner.setVisible(bool(self.locked))
            state = (
                self.entity.status.state(self.status_shown)
                if self.entity.status is not None and record is not None
                else None
            )
            note = "" if state is None or self.locked else tr(self.entity, state.note)
            self.note_banner.setText(note)
            self.note_banner.setVisible(bool(note))
            self._snapshot = self.raw_values()
            self._order = []
            self._touched = set()
        finally:
            self._loading = False

    def _show_status(self, record: Record | None, pending_command: str | None) -> None:
        status = self.entity.status
        if status is None:
            self.status_shown, self.locked = None, ""
            return
        stored = self._loaded.get(status.field)
        if stored is None:  # created here, not pulled back yet: the server starts it here too
            stored = self._loaded[status.field] = status.states[0].value
        self.status_shown = stored if record is None else status.shown(stored, pending_command)
        self.locked = "" if record is None else status.lock(self.status_shown)

    def _pending_text(self, value: Any, pending_command: str | None) -> str:
        """The queued status command's text while it would change ``value`` ('' : none)."""
        command = self.entity.command(pending_command or "")
        if command is None or command.sets is None or not command.pending:
            return ""
        return "" if command.sets[1] == value else tr(self.entity, command.pending)

    def refresh_lookups(self) -> None:
        """The replica changed: show each picked record's name as it is now."""
        for editor in self.editors.values():
            if isinstance(editor, LookupPicker):
                editor.refresh()

    def raw_values(self) -> Record:
        """What the editors hold, as typed (for the dirty check)."""
        return {name: editor.raw() for name, editor in self.editors.items()}

    def is_new(self) -> bool:
        return self._record is None

    def record(self) -> Record | None:
        return self._record

    def is_dirty(self) -> bool:
        return self.raw_values() != self._snapshot

    def changed_fields(self) -> list[str]:
        now = self.raw_values()
        return [f for f in now if now[f] != self._snapshot.get(f)]

    def display_name(self) -> str:
        """The name the user typed, for questions about this record ('' if none yet)."""
        raw = self.raw_values().get(self.entity.title)
        return str(raw).strip() if isinstance(raw, str) else self.entity.name_of(self._record)

    def _edited(self, name: str) -> None:
        if self._loading:
            return
        if name in self._order:
            self._order.remove(name)
        self._order.append(name)
        self._touched.add(name)
        self._follow(name)
        self._show_currencies()
        self.validate_field(name, typing=True)
        self.changed.emit()

    def _follow(self, name: str) -> None:
        """Fields that follow ``name`` take the value it brings, until the user sets them."""
        for field in self.fields:
            if (
                field.follows != name
                or field.name in self._touched
                or not self.may_edit(field.name)
            ):
                continue
            source = self.editors[name].value()
            if source is not None and field.follow_column:
                lookup = self.sources.get(name)
                row = lookup.row(source) if isinstance(lookup, ListLookup) else None
                source = row[field.follow_column] if row is not None else None
            if source is not None:
                follow = field.follow or (lambda v: v)
                self.editors[field.name].set_value(follow(source))

    # ------------------------------------------------------------ validation

    def check(self, name: str) -> str | None:
        """The reason ``name`` cannot be saved, or None: the server's own rules."""
        field = self._field(name)
        if not self.may_edit(name):
            return None
        try:
            value = self.editors[name].value()
        except ValueError as exc:
            return validation_text(str(exc))
        if field.required and value in (None, "") and field.missing:
            return tr(self.entity, field.missing)
        if value is None and self.is_new():
            return None  # not "clear it" but "not given": the create schema judges (validate_all)
        if not self.is_new() and self.editors[name].raw() == self._snapshot.get(name):
            return None  # an update sends only what changed; the server keeps the rest as it is
        if field.create_only:
            return None  # not in the update schema: the create schema judges it (validate_all)
        try:
            self.entity.update.model_validate(nest({name: value}))
        except ValidationError as exc:
            problems = by_field(exc.errors())
            return validation_text(problems.get(name) or next(iter(problems.values())))
        return None

    def _row_of(self, name: str) -> list[str]:
        """The fields sharing ``name``'s row (and its message): an amount and its currency."""
        head = self._field(name).beside or name
        return [head, *(f.name for f in self.fields if f.beside == head)]

    def validate_field(self, name: str, *, typing: bool = False) -> bool:
        """Show or clear the message under ``name``.

        While typing, a message already shown is updated or cleared at once, and a
        new one appears at once only for ``live`` fields (whose value cannot get
        better by typing on: an empty name, a bad amount); others when the field is left.
        """
        row = self._row_of(name)
        message = next((m for m in map(self.check, row) if m), None)
        label = self.errors[name]
        if message is None:
            label.hide()
            label.clear()
            return True
        if not typing or label.isVisible() or any(self._field(f).live for f in row):
            label.setText(message)
            label.show()
        return False

    def validate_all(self) -> dict[str, str]:
        """Check every field; show each message; return {field: message}."""
        problems: dict[str, str] = {}
        for field in self.fields:
            message = self.check(field.name)
            if message:
                problems[field.name] = message
        if self.is_new() and not problems:
            try:
                self.entity.create.model_validate(self._create_payload())
            except ValidationError as exc:
                for name, message in by_field(exc.errors()).items():
                    target = name if name in self.editors else self.entity.title
                    problems.setdefault(target, validation_text(message))
        for field in self.fields:
            if field.beside:
                continue
            message = next((problems[f] for f in self._row_of(field.name) if f in problems), "")
            label = self.errors[field.name]
            label.setText(message)
            label.setVisible(bool(message))
        return problems

    def first_invalid_editor(self, problems: dict[str, str]) -> QWidget | None:
        return next((self.editors[f.name] for f in self.fields if f.name in problems), None)

    # ------------------------------------------------------------ payloads

    def _create_payload(self) -> Record:
        values = {f.name: self.editors[f.name].value() for f in self.fields if self._editable(f)}
        return self.entity.create_data(values)

    def create_data(self) -> Record:
        """The new record as the server will store it (the create schema's normal form)."""
        model = self.entity.create.model_validate(self._create_payload())
        data: Record = model.model_dump(mode="json", exclude_unset=True)
        return data

    def update_changes(self) -> tuple[Record, Record]:
        """(changes, inverse): the changed fields as the server will store them, and the
        values they had when the form was loaded (to undo the edit)."""
        names = [n for n in self.changed_fields() if self._editable(self._field(n))]
        # A nested object the server takes whole (an order's shipping address): all of it.
        whole = {n.partition(".")[0] for n in names if n.partition(".")[0] in self.entity.whole}
        names += [
            f.name
            for f in self.fields
            if f.name.partition(".")[0] in whole and f.name not in names and self._editable(f)
        ]
        changes = nest({n: self.editors[n].value() for n in names})
        inverse = nest(
            {
                n: [line_input(line) for line in self._loaded.get(n) or []]
                if self._field(n).kind == "lines"
                else self._loaded.get(n)
                for n in names
            }
        )
        model = self.entity.update.model_validate(changes)
        normalized: Record = model.model_dump(mode="json", exclude_unset=True)
        return normalized, inverse

    # ------------------------------------------------------------ undo in the form

    def undo_last_field(self) -> bool:
        """Put the most recently edited field back as it was loaded; False if nothing to undo."""
        while self._order:
            name = self._order.pop()
            if self.editors[name].raw() != self._snapshot.get(name):
                self._restore(name)
                self.validate_field(name)
                self.changed.emit()
                return True
        for name in self.changed_fields():
            self._restore(name)
        return False

    def _restore(self, name: str) -> None:
        self._loading = True
        try:
            self.editors[name].set_raw(self._snapshot.get(name))
        finally:
            self._loading = False
