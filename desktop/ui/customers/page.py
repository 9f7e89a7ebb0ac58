"""The customers page: the list beside the form, and the actions the main window's shortcuts call.

Reads the replica only; every edit is one ``Replica.create/update/command``
(row and outbox entry in one transaction), shown at once. Nothing here waits
for the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QScrollArea, QSplitter, QVBoxLayout, QWidget

from desktop.core.customers import CustomerList
from desktop.core.replica import Replica
from desktop.ui.customers.form import CustomerForm
from desktop.ui.customers.model import CustomerTableModel
from desktop.ui.customers.view import CustomerListView

ENTITY = "customer"
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


@dataclass(frozen=True)
class SavedEdit:
    """One saved edit of this page and how to take it back."""

    customer_id: str
    mutation_id: int
    op: str
    inverse: dict[str, Any]  # update: the old values; command: {"command": opposite}


class CustomersPage(QWidget):
    """The list of customers and the form of the current one."""

    status_message = Signal(str)  # short text for the status bar

    def __init__(
        self,
        replica: Replica,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customersPage")
        self.replica = replica
        self.customers = CustomerList(replica)
        self.model = CustomerTableModel(self.customers, self)
        self.list_view = CustomerListView(self.model, settings, self)
        self.form = CustomerForm(self)
        self.form.set_countries(replica.list(entity="country"))
        self._current_id: str | None = None  # the record in the form (None: new or nothing)
        self._form_open = False
        self._saved: list[SavedEdit] = []
        self._guarding = False

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("customersSplitter")
        self.splitter.addWidget(self.list_view)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

        self.list_view.current_changed.connect(self._list_current_changed)
        self.form.save_requested.connect(self.save)
        self.form.deactivate_requested.connect(lambda: self._set_active(False))
        self.form.activate_requested.connect(lambda: self._set_active(True))
        self.form.setEnabled(False)
        self.destroyed.connect(self.customers.close)

    # ------------------------------------------------------------ the contract

    def refresh(self) -> None:
        """The replica changed: query again, keep the selection and the scroll position."""
        bar = self.list_view.table.verticalScrollBar()
        position = bar.value()
        self.model.reload()
        if self._current_id:
            self.list_view.select_id(self._current_id)
        # After the reset the view lays out again; restore the scroll position after that.
        QTimer.singleShot(0, lambda: bar.setValue(position))
        bar.setValue(position)
        if self._current_id and not self.form.is_dirty():
            record = self.replica.get(entity=ENTITY, id=self._current_id)
            if record is None:
                self._show(None, opened=False)
                self.status_message.emit(self.tr("The customer was deleted on the server"))
            else:
                self._show(record)

    def new_record(self) -> None:
        """An empty form for a new customer."""
        if not self._guard():
            return
        self.list_view.select_id(None)
        self._show(None, opened=True)
        self.form.editors["name"].setFocus()

    def save(self) -> bool:
        """Save the form to the replica (and the outbox); False if validation failed."""
        if not self._form_open:
            return True
        problems = self.form.validate_all()
        if problems:
            editor = self.form.first_invalid_editor(problems)
            if editor is not None:
                editor.setFocus()
            self.status_message.emit(self.tr("Not saved: correct the marked fields"))
            return False
        if self.form.is_new():
            data = self.form.normalized_create_data()
            customer_id = self.replica.create(entity=ENTITY, data=data)
            pending = self.replica.pending()
            self._saved.append(SavedEdit(customer_id, pending[-1].mutation_id, "create", {}))
            self._current_id = customer_id
            message = self.tr("Customer created")
        else:
            if not self.form.is_dirty():
                return True
            assert self._current_id is not None
            changes, inverse = self.form.update_changes()
            mutation_id = self.replica.update(entity=ENTITY, id=self._current_id, changes=changes)
            self._saved.append(SavedEdit(self._current_id, mutation_id, "update", inverse))
            message = self.tr("Changes saved")
        self.status_message.emit(message + " — " + self.tr("waiting to be sent to the server"))
        self._after_edit()
        return True

    def focus_filter(self) -> None:
        self.list_view.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.list_view.filter_edit.selectAll()

    def undo(self) -> None:
        """Undo the last edit: in the form if it has unsaved changes, else the last saved edit
        of this page while it is still waiting to be sent."""
        if self._form_open and self.form.is_dirty():
            self.form.undo_last_field()
            return
        if not self._saved:
            self.status_message.emit(self.tr("Nothing to undo"))
            return
        edit = self._saved[-1]
        if not self._still_pending(edit):
            self._saved.clear()
            self.status_message.emit(
                self.tr("Already sent to the server: edit the customer to change it back")
            )
            return
        self._saved.pop()
        # Undone by an opposite edit through the outbox, never by removing an entry: the sync
        # worker may be sending it right now, and mutation ids must stay gapless and unique.
        if edit.op == "create":
            self.replica.delete(entity=ENTITY, id=edit.customer_id)
            if self._current_id == edit.customer_id:
                self._show(None, opened=False)
            self.status_message.emit(self.tr("New customer removed"))
        elif edit.op == "update":
            self.replica.update(entity=ENTITY, id=edit.customer_id, changes=edit.inverse)
            self.status_message.emit(self.tr("Edit undone"))
        else:
            self.replica.command(entity=ENTITY, id=edit.customer_id, name=edit.inverse["command"])
            self.status_message.emit(self.tr("Status change undone"))
        self._after_edit(reload_form=True)

    def close_record(self) -> bool:
        """Close the form; False if the user cancelled at the unsaved-changes question."""
        if not self._guard():
            return False
        self.list_view.select_id(None)
        self._show(None, opened=False)
        return True

    def has_unsaved_changes(self) -> bool:
        return self._form_open and self.form.is_dirty()

    def open_record(self, customer_id: str) -> None:
        """Show ``customer_id`` in the form (and select it in the list if it is loaded)."""
        if customer_id == self._current_id and self._form_open:
            self.list_view.select_id(customer_id)
            return
        if not self._guard():
            return
        record = self.replica.get(entity=ENTITY, id=customer_id)
        if record is None:
            self.status_message.emit(self.tr("That customer no longer exists"))
            return
        self._current_id = customer_id
        self.list_view.select_id(customer_id)
        self._show(record)

    # ------------------------------------------------------------ internals

    def _show(self, record: dict[str, Any] | None, *, opened: bool = True) -> None:
        if record is None:
            self._current_id = None
        conflict = False
        if record is not None:
            row = self.model.row_at(self.model.row_of(str(record["id"])) or -1)
            conflict = bool(row and row.conflict)
        self.form.load(record, conflict=conflict)
        self._form_open = opened or record is not None
        self.form.setEnabled(self._form_open)

    def _guard(self) -> bool:
        """Before leaving the form: Save / Discard / Cancel if it has unsaved changes."""
        if self._guarding or not self.has_unsaved_changes():
            return True
        self._guarding = True
        try:
            name = self.form.raw_values()["name"].strip() or self.tr("the new customer")
            answer = ask_unsaved_changes(self, name)
            if answer == "save":
                return self.save()
            if answer == "discard":
                self.form.load(self.form.record())
                return True
            return False
        finally:
            self._guarding = False

    def _list_current_changed(self, customer_id: str) -> None:
        if customer_id == (self._current_id or "") and self._form_open:
            return
        previous = self._current_id
        if not self._guard():
            self.list_view.select_id(previous)  # stay on the record being edited
            return
        if not customer_id:
            return
        record = self.replica.get(entity=ENTITY, id=customer_id)
        self._current_id = customer_id if record is not None else None
        self._show(record, opened=record is not None)

    def _set_active(self, active: bool) -> None:
        if self._current_id is None:
            return
        if not self._guard():
            return
        name = "activate" if active else "deactivate"
        mutation_id = self.replica.command(entity=ENTITY, id=self._current_id, name=name)
        opposite = "deactivate" if active else "activate"
        self._saved.append(
            SavedEdit(self._current_id, mutation_id, "command", {"command": opposite})
        )
        self.status_message.emit(
            (self.tr("Activation") if active else self.tr("Deactivation"))
            + " — "
            + self.tr("the server confirms it at the next sync")
        )
        self._after_edit()

    def _still_pending(self, edit: SavedEdit) -> bool:
        return any(
            m.mutation_id == edit.mutation_id and m.entity == ENTITY and m.id == edit.customer_id
            for m in self.replica.pending()
        )

    def _after_edit(self, *, reload_form: bool = True) -> None:
        self.model.reload()
        if self._current_id:
            self.list_view.select_id(self._current_id)
            if reload_form:
                record = self.replica.get(entity=ENTITY, id=self._current_id)
                self._show(record, opened=record is not None)
