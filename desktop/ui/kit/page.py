"""The one page controller: an entity's list beside its form, and what the main window calls.

Reads the replica only; every edit is one ``Replica.create/update/command``
(row and outbox entry in one transaction), shown at once, and recorded in the
window's undo history. Nothing here waits for the network. A specialised page
(the deals pipeline) subclasses it and replaces ``build_browser``,
``reload_rows`` and ``select``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QLocale, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QMessageBox,
    QScrollArea,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from common.documents import Company
from common.ids import new_id
from desktop.core.kit.entity import Entity, Record
from desktop.core.modules import may, open_list
from desktop.core.replica import Replica
from desktop.ui.kit.commands import (
    ArgumentsDialog,
    RelatedList,
    choose_pdf_path,
    choose_printer,
    new_printer,
    print_pdf,
    run_dialog,
    suggested_name,
)
from desktop.ui.kit.display import tr
from desktop.ui.kit.form import RecordForm
from desktop.ui.kit.history import EditHistory, RecordEdit
from desktop.ui.kit.listview import EntityListView
from desktop.ui.kit.model import EntityTableModel

Answer = Literal["save", "discard", "cancel"]


def ask_unsaved_changes(parent: QWidget, name: str) -> Answer:
    """Save / Discard / Cancel for a form with unsaved changes (tests replace this function)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(parent.tr("Unsaved changes"))
    box.setText(parent.tr("Save the changes to %1?").replace("%1", name))
    box.setInformativeText(parent.tr("If you don't save, your changes will be lost."))
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return "save"
    if answer == QMessageBox.StandardButton.Discard:
        return "discard"
    return "cancel"


def ask_confirmation(parent: QWidget, title: str, question: str) -> bool:
    """Yes / Cancel before a command that cannot be undone (tests replace this function)."""
    answer = QMessageBox.warning(
        parent,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class RecordPage(QWidget):
    """The list of an entity's records and the form of the current one."""

    status_message = Signal(str)  # short text for the status bar
    open_elsewhere = Signal(str, str)  # entity, id: a record of another page (a related one)
    table_in_list = True  # False: build_browser places the list's table itself

    def __init__(
        self,
        entity: Entity,
        replica: Replica,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        history: EditHistory | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{entity.context}Page")
        self.entity = entity
        self.replica = replica
        self.history = history if history is not None else EditHistory(self)
        self.rows = open_list(entity, replica)
        self.model = EntityTableModel(entity, self.rows, self)
        self.list_view = EntityListView(
            self.model, settings, self, with_table=self.table_in_list, replica=replica
        )
        self.form = RecordForm(entity, replica, self)
        self._current_id: str | None = None  # the record in the form (None: new or nothing)
        self._form_open = False
        self._guarding = False

        self.form_scroll = QScrollArea(self)
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setWidget(self.form)
        self.form_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # The form wraps its rows when narrow: it scrolls up and down, never sideways.
        self.form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The record's commands (Activate, Blacklist...): above the form, and in the window's
        # Record menu; each enabled only where the server would accept it.
        self.command_bar = QToolBar(self)
        self.command_bar.setObjectName(f"{entity.context}Commands")
        self.command_actions: dict[str, QAction] = {}
        for command in entity.commands:
            action = QAction(tr(entity, command.label), self)
            action.setObjectName(f"command_{command.name}")
            action.triggered.connect(lambda _c=False, n=command.name: self.run_command(n))
            self.command_bar.addAction(action)
            self.command_actions[command.name] = action
        # A printable record (an invoice): Print and Save as PDF, by the server's renderer.
        self.document_actions: dict[str, QAction] = {}
        if entity.document is not None:
            if entity.commands:
                self.command_bar.addSeparator()
            for name, label, slot in (
                ("print", self.tr("Print…"), self.print_record),
                ("save_pdf", self.tr("Save as PDF…"), self.save_pdf),
            ):
                action = QAction(label, self)
                action.setObjectName(f"document_{name}")
                if name == "print":  # Ctrl+P while this page has the focus
                    action.setShortcut(QKeySequence(QKeySequence.StandardKey.Print))
                    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                    self.addAction(action)
                action.triggered.connect(lambda _c=False, s=slot: s())
                self.command_bar.addAction(action)
                self.document_actions[name] = action
        self.command_bar.setVisible(bool(entity.commands) or entity.document is not None)
        # Other modules' records that point at this one (a customer's invoices), under the form.
        self.related: list[RelatedList] = []
        for related in entity.related:
            box = RelatedList(related, replica, self.form)
            box.open_requested.connect(self.open_elsewhere)
            self.form.add_below(box)
            self.related.append(box)
        record_pane = QWidget(self)
        pane = QVBoxLayout(record_pane)
        pane.setContentsMargins(0, 0, 0, 0)
        pane.addWidget(self.command_bar)
        pane.addWidget(self.form_scroll, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName(f"{entity.context}Splitter")
        self.splitter.addWidget(self.build_browser())
        self.splitter.addWidget(record_pane)
        # A form with a line editor needs the room more than the list does.
        wide_form = any(f.kind == "lines" for f in entity.form_fields)
        self.splitter.setStretchFactor(0, 2 if wide_form else 3)
        self.splitter.setStretchFactor(1, 3 if wide_form else 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

        self.list_view.current_changed.connect(self.current_changed)
        self.form.save_requested.connect(self.save)
        self.form.setEnabled(False)
        self._update_commands()
        self.destroyed.connect(self.rows.close)

    # ------------------------------------------------------------ what subclasses replace

    def build_browser(self) -> QWidget:
        """The left side: the list (the deals page adds its pipeline)."""
        return self.list_view

    def reload_rows(self) -> None:
        """Query the replica again for every view of the rows."""
        self.model.reload()

    def select(self, record_id: str | None, *, reveal: bool = False) -> None:
        """Show ``record_id`` as the selected row (None: no selection), without side effects;
        ``reveal``: page its row in if the list has not loaded that far."""
        self.list_view.select_id(record_id, reveal=reveal)

    # ------------------------------------------------------------ the window's contract

    def refresh(self) -> None:
        """The replica changed: query again, keep the selection and the scroll position."""
        bar = self.list_view.table.verticalScrollBar()
        position = bar.value()
        self.reload_rows()
        if self._current_id:
            self.select(self._current_id)
        # After the reset the view lays out again; restore the scroll position after that.
        QTimer.singleShot(0, lambda: bar.setValue(position))
        bar.setValue(position)
        self.form.refresh_lookups()
        if self._current_id and not self.form.is_dirty():
            record = self.replica.get(entity=self.entity.name, id=self._current_id)
            if record is None:
                self._show(None, opened=False)
                self.status_message.emit(self.tr("The record was deleted on the server"))
            else:
                self._show(record)

    def may_write(self) -> bool:
        """Whether the user may change this page's records (as the server last said)."""
        return may(self.replica, self.entity.permission, "write")

    def _refuse_read_only(self) -> bool:
        """Tell the user, and True, when they may only read this page's records."""
        if self.may_write():
            return False
        self.status_message.emit(self.tr("You may read these records but not change them"))
        return True

    def new_record(self) -> None:
        """An empty form for a new record."""
        if not self.entity.creatable:
            self.status_message.emit(self.tr("The server makes these records"))
            return
        if self._refuse_read_only() or not self._guard():
            return
        self.select(None)
        self._show(None, opened=True)
        first = next((f.name for f in self.form.fields if self.form.may_edit(f.name)), None)
        if first is not None:
            self.form.editors[first].setFocus()

    def save(self) -> bool:
        """Save the form to the replica (and the outbox); False if validation failed."""
        if not self._form_open:
            return True
        if self._refuse_read_only():
            return False
        problems = self.form.validate_all()
        if problems:
            editor = self.form.first_invalid_editor(problems)
            if editor is not None:
                editor.setFocus()
            self.status_message.emit(self.tr("Not saved: correct the marked fields"))
            return False
        label = tr(self.entity, self.entity.label)
        if self.form.is_new():
            data = self.form.create_data()
            record_id = self.replica.create(entity=self.entity.name, data=data)
            self._remember_create(record_id, data)
            self._current_id = record_id
            message = self.tr("%1 created").replace("%1", label)
        else:
            if not self.form.is_dirty():
                return True
            assert self._current_id is not None
            changes, inverse = self.form.update_changes()
            if not changes:
                return True
            self._remember_update(self._current_id, changes, inverse)
            message = self.tr("Changes saved")
        self.status_message.emit(message + " — " + self.tr("waiting to be sent to the server"))
        self.record_changed(self._current_id, reload_form=True)
        return True

    def focus_filter(self) -> None:
        self.list_view.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.list_view.filter_edit.selectAll()

    def undo(self) -> None:
        """Undo the last edit: in the form if it has unsaved changes, else the window's last
        saved edit while it is still waiting to be sent."""
        if self._form_open and self.form.is_dirty():
            self.form.undo_last_field()
            return
        self.status_message.emit(self.history.undo_last())

    def redo(self) -> None:
        if self._form_open and self.form.is_dirty():
            return
        self.status_message.emit(self.history.redo_last())

    def close_record(self) -> bool:
        """Close the form; False if the user cancelled at the unsaved-changes question."""
        if not self._guard():
            return False
        self.select(None)
        self._show(None, opened=False)
        return True

    def has_unsaved_changes(self) -> bool:
        return self._form_open and self.form.is_dirty()

    def open_record(self, record_id: str) -> None:
        """Show ``record_id`` in the form (and select it where it is shown)."""
        if record_id == self._current_id and self._form_open:
            self.select(record_id, reveal=True)
            return
        if not self._guard():
            return
        record = self.replica.get(entity=self.entity.name, id=record_id)
        if record is None:
            self.status_message.emit(self.tr("That record no longer exists"))
            return
        self._current_id = record_id
        self.select(record_id, reveal=True)
        self._show(record)

    def record_changed(self, record_id: str | None, *, reload_form: bool = False) -> None:
        """A record of this page was edited here (or an edit undone): show it as it is now.

        The form follows unless it holds unsaved changes (``reload_form``: it was just saved).
        """
        self.reload_rows()
        if self._current_id:
            self.select(self._current_id)
            if record_id == self._current_id and (reload_form or not self.form.is_dirty()):
                record = self.replica.get(entity=self.entity.name, id=self._current_id)
                self._show(record, opened=record is not None)

    # ------------------------------------------------------------ commands

    def offered_commands(self, record_id: str | None = None) -> set[str]:
        """The commands a record (default: the current one) offers: a status's only where
        the server's transition table allows them from the status shown (a queued command's)."""
        row = self.rows.get(record_id or self._current_id or "")
        if row is None:
            return set()
        status = self.entity.status
        if status is None:
            return {c.name for c in self.entity.commands}
        shown = status.shown(row[status.field], row.pending_command)
        if status.lock(shown):
            return set()
        others = {
            c.name
            for c in self.entity.commands
            if c not in status.commands and (c.offered_in is None or shown in c.offered_in)
        }
        return others | {c.name for c in status.offered(shown)}

    def _update_commands(self) -> None:
        offered = self.offered_commands() if self.may_write() else set()
        reason = tr(self.entity, self.form.locked)
        for name, action in self.command_actions.items():
            action.setEnabled(name in offered)
            action.setToolTip(reason or action.text())

    def run_command(self, name: str) -> None:
        """A declared command on the current record (activate, deactivate...), if offered;
        one that cannot be undone is asked about first."""
        command = self.entity.command(name)
        if self._refuse_read_only():
            return
        if command is None or name not in self.offered_commands() or not self._guard():
            return
        record_id = self._current_id
        assert record_id is not None
        record = self.replica.get(entity=self.entity.name, id=record_id) or {}
        if command.confirm:
            shown_name = self.form.display_name() or tr(
                self.entity, self.entity.untitled or self.entity.label
            )
            question = tr(self.entity, command.confirm).replace("%1", shown_name)
            if not ask_confirmation(self, tr(self.entity, command.label), question):
                return
        args: Record = dict(command.args)
        if command.ask:
            dialog = ArgumentsDialog(self.entity, command, record, self, self.replica)
            accepted = run_dialog(dialog)
            found = dialog.arguments()
            dialog.deleteLater()
            if not accepted or found is None:
                return
            args = found
        elif command.new_id:
            args[command.new_id] = new_id()
        if command.now:  # when the user acted, not when the outbox reaches the server
            args[command.now] = datetime.now(UTC).isoformat()
        mutation_id = self.replica.command(
            entity=self.entity.name, id=record_id, name=command.wire, args=args
        )
        if command.inverse:
            self._remember_command(record_id, mutation_id, name, command.inverse)
        self.status_message.emit(tr(self.entity, command.done))
        self.record_changed(record_id)

    # ------------------------------------------------------------ printing

    def company(self) -> Company:
        """The seller the documents name: as the server's settings last told this replica."""
        stored = self.replica.company()
        if stored is not None:
            return stored
        return Company(self.tr("(the seller's name comes with the next sync)"))

    def document(self) -> bytes | None:
        """The current record as PDF bytes (None: nothing printable is open)."""
        if self.entity.document is None or not self._current_id:
            return None
        record = self.replica.get(entity=self.entity.name, id=self._current_id)
        if record is None:
            return None

        def lookup(entity: str, record_id: str) -> Record | None:
            return self.replica.get(entity=entity, id=record_id) if record_id else None

        locale = QLocale().name()
        return self.entity.document(record, lookup, self.company(), locale)

    def save_pdf(self) -> str | None:
        """Save the current record as a PDF where the user says; the path, or None."""
        pdf = self.document()
        if pdf is None or not self._guard():
            return None
        record = self.replica.get(entity=self.entity.name, id=self._current_id or "") or {}
        path = choose_pdf_path(self, suggested_name(self.entity, record))
        if not path:
            return None
        Path(path).write_bytes(pdf)
        self.status_message.emit(self.tr("Saved as %1").replace("%1", path))
        return path

    def print_record(self) -> int:
        """Print the current record (the same PDF, page by page); the number of pages."""
        pdf = self.document()
        if pdf is None or not self._guard():
            return 0
        printer = new_printer()
        if not choose_printer(self, printer):
            return 0
        pages = print_pdf(printer, pdf)
        self.status_message.emit(self.tr("Sent to the printer"))
        return pages

    # ------------------------------------------------------------ the undo history

    def _edit_text(self, what: str, record_id: str, data: Record | None = None) -> str:
        record = data or self.replica.get(entity=self.entity.name, id=record_id)
        name = self.entity.name_of(record) or tr(self.entity, self.entity.label)
        return what.replace("%1", name)

    def _remember_create(self, record_id: str, data: Record) -> None:
        mutation_id = next(
            m.mutation_id
            for m in reversed(self.replica.pending())
            if m.id == record_id and m.op == "create"
        )

        def revert() -> tuple[int | None, str]:
            deleted = self.replica.delete(entity=self.entity.name, id=record_id)
            if self._current_id == record_id:
                self._show(None, opened=False)
            self.record_changed(record_id)
            return deleted, self.tr("The new record was removed")

        self.history.record(
            RecordEdit(
                self._edit_text(self.tr("New “%1”"), record_id, data),
                replica=self.replica,
                entity=self.entity.name,
                record_id=record_id,
                mutation_id=mutation_id,
                revert=revert,
            )
        )

    def _remember_update(self, record_id: str, changes: Record, inverse: Record) -> None:
        text = self._edit_text(self.tr("Edit of “%1”"), record_id)

        def apply(values: Record, message: str) -> tuple[int | None, str]:
            mutation = self.replica.update(entity=self.entity.name, id=record_id, changes=values)
            self.record_changed(record_id)
            return mutation, message

        mutation_id = self.replica.update(entity=self.entity.name, id=record_id, changes=changes)
        self.history.record(
            RecordEdit(
                text,
                replica=self.replica,
                entity=self.entity.name,
                record_id=record_id,
                mutation_id=mutation_id,
                revert=lambda: apply(inverse, self.tr("Edit undone")),
                reapply=lambda: apply(changes, self.tr("Edit made again")),
            )
        )

    def _remember_command(self, record_id: str, mutation_id: int, name: str, inverse: str) -> None:
        declared = self.entity.command(name)
        done = tr(self.entity, declared.done) if declared is not None else ""

        def send(command: str, message: str) -> tuple[int | None, str]:
            declared = self.entity.command(command)
            wire, args = (command, {}) if declared is None else (declared.wire, dict(declared.args))
            mutation = self.replica.command(
                entity=self.entity.name, id=record_id, name=wire, args=args
            )
            self.record_changed(record_id)
            return mutation, message

        self.history.record(
            RecordEdit(
                self._edit_text(self.tr("Status change of “%1”"), record_id),
                replica=self.replica,
                entity=self.entity.name,
                record_id=record_id,
                mutation_id=mutation_id,
                revert=lambda: send(inverse, self.tr("Status change undone")),
                reapply=lambda: send(name, done),
                check=lambda: self._undo_refusal(record_id, inverse),
            )
        )

    def _undo_refusal(self, record_id: str, inverse: str) -> str | None:
        """Why a status change cannot be taken back now (a blacklist queued after it)."""
        if inverse in self.offered_commands(record_id):
            return None
        row = self.rows.get(record_id)
        status = self.entity.status
        if row is not None and status is not None:
            locked = status.lock(status.shown(row[status.field], row.pending_command))
            if locked:
                return tr(self.entity, locked)
        return self.tr("That status change can no longer be undone")

    # ------------------------------------------------------------ internals

    def _queued_commands(self, record_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The record's commands waiting in the outbox: (wire name, args), oldest first."""
        return [
            (str(m.payload.get("command")), dict(m.payload.get("args") or {}))
            for m in self.replica.pending()
            if m.entity == self.entity.name and m.id == record_id and m.op == "command"
        ]

    def _show(self, record: dict[str, Any] | None, *, opened: bool = True) -> None:
        if record is None:
            self._current_id = None
        conflict = False
        pending_command: str | None = None
        if record is not None:
            row = self.rows.get(str(record["id"]))
            conflict = bool(row and row.conflict)
            pending_command = row.pending_command if row is not None else None
            if row is not None and row.moving:
                # A queued command shows its effect in the list: the form shows the same.
                shown = {k: v for k, v in row.values.items() if self.entity.field(k)}
                record = {**record, **shown}
            title = self.entity.title
            if row is not None and record.get(title) is None and row.values.get(title):
                # A title the list looks up from another record (a contract's party's name).
                record = {**record, title: row.values[title]}
        if record is not None and self.entity.queued is not None:
            record = self.entity.queued(record, self._queued_commands(str(record["id"])))
        self.form.load(record, conflict=conflict, pending_command=pending_command)
        self._form_open = opened or record is not None
        self.form.setEnabled(self._form_open)
        if not self.may_write():  # shown, not editable: the server would refuse any change
            self.form.save_button.setEnabled(False)
            for editor in self.form.editors.values():
                editor.setEnabled(False)
        self._update_commands()
        for box in self.related:
            box.show_for(str(record["id"]) if record is not None else None)
        for action in self.document_actions.values():
            action.setEnabled(record is not None)

    def _guard(self) -> bool:
        """Before leaving the form: Save / Discard / Cancel if it has unsaved changes."""
        if self._guarding or not self.has_unsaved_changes():
            return True
        self._guarding = True
        try:
            name = self.form.display_name() or self.tr("the new record")
            answer = ask_unsaved_changes(self, name)
            if answer == "save":
                return self.save()
            if answer == "discard":
                self._show(self.form.record(), opened=self._form_open)
                return True
            return False
        finally:
            self._guarding = False

    def current_changed(self, record_id: str) -> None:
        """The user selected ``record_id`` in a view of the rows ("" : nothing)."""
        if record_id == (self._current_id or "") and self._form_open:
            return
        previous = self._current_id
        if not self._guard():
            self.select(previous)  # stay on the record being edited
            return
        if not record_id:
            return
        record = self.replica.get(entity=self.entity.name, id=record_id)
        self._current_id = record_id if record is not None else None
        self._show(record, opened=record is not None)
