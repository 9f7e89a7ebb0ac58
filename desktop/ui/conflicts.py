"""Conflicts: the open conflict records pulled from the server, the Compare dialog, resolving.

A same-field conflict arrives as an ordinary synced record (entity
``conflict``, docs/sync-protocol.md). The user's choice travels as ordinary
mutations: an update of the record with the chosen values where they differ
from what the record holds, and an update of each conflict to
``{"status": "resolved", "resolution": "mine" | "theirs"}``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any, Literal

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kit.entity import Entity
from desktop.core.modules import MODULES, module
from desktop.core.replica import Replica
from desktop.ui.kit.display import Display, tr
from desktop.ui.kit.display import field_label as display_field_label
from desktop.ui.kit.money import format_money

__all__ = [
    "CompareDialog",
    "field_label",
    "format_money",
    "format_value",
    "open_conflicts",
    "resolve",
]

Choice = Literal["mine", "theirs"]
DELETED = "_deleted"


def _tr(text: str) -> str:
    return QCoreApplication.translate("conflicts", text)


def _module(entity: str | None, field: str) -> Entity | None:
    """The declaration of ``entity``; without one, the first module declaring ``field``."""
    if entity is not None:
        return module(entity)
    return next((m for m in MODULES if m.field(field) is not None), None)


def field_label(field: str, entity: str | None = None) -> str:
    """A field's declared label: ``address.city`` of a customer -> "Billing address: City"."""
    return display_field_label(_module(entity, field), field)


def entity_label(entity: str) -> str:
    declared = module(entity)
    if declared is None:
        return entity.replace("_", " ").capitalize()
    return tr(declared, declared.label)


def format_value(
    display: Display | None, field: str, value: Any, record: dict[str, Any] | None
) -> str:
    """A conflict's value as the record's form shows it (money as money, a country by name)."""
    if display is None:  # an entity without a desktop module
        return _tr("(empty)") if value in (None, "") else str(value)
    return display.value(field, value, record)


def open_conflicts(replica: Replica, user_id: str | None = None) -> list[dict[str, Any]]:
    """Open conflict records of this user, oldest first."""
    rows = [
        c
        for c in replica.list(entity="conflict")
        if c.get("status") == "open" and (user_id is None or c.get("user_id") == user_id)
    ]
    return sorted(rows, key=lambda c: (str(c.get("created_at")), str(c["id"])))


def by_record(conflicts: Iterable[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for c in conflicts:
        out.setdefault((str(c["entity"]), str(c["entity_id"])), []).append(c)
    return out


def current_value(record: dict[str, Any] | None, field: str) -> Any:
    """What the replica's record holds for a (possibly nested) conflict field."""
    if record is None:
        return None
    head, _, sub = field.partition(".")
    if not sub:
        return record.get(head)
    nested = record.get(head)
    if isinstance(nested, dict) and sub in nested:
        return nested[sub]
    if head == "address":  # the wire shape: the billing entry of ``addresses``
        for a in record.get("addresses") or []:
            if a.get("type") == "billing":
                return a.get("country_code" if sub == "country" else sub)
    return None


def chosen_value(conflict: dict[str, Any], choice: Choice) -> Any:
    return conflict["mine"] if choice == "mine" else conflict["theirs"]


def resolve(
    replica: Replica, conflicts: Iterable[dict[str, Any]], choices: dict[str, Choice]
) -> int:
    """Push the user's choices as ordinary mutations; returns the number of conflicts resolved."""
    groups = by_record(c for c in conflicts if c["id"] in choices)
    resolved = 0
    for (entity, entity_id), items in groups.items():
        record = replica.get(entity=entity, id=entity_id)
        changes: dict[str, Any] = {}
        delete = False
        for c in items:
            choice = choices[c["id"]]
            if c["field"] == DELETED:
                # Deleted here, changed there: "mine" deletes again (from the current version).
                delete = delete or (choice == "mine" and c["mine"] == DELETED)
                continue
            value = chosen_value(c, choice)
            if current_value(record, c["field"]) == value:
                continue
            head, _, sub = c["field"].partition(".")
            if sub:
                changes.setdefault(head, {})[sub] = value
            else:
                changes[head] = value
        if record is not None and changes:
            replica.update(entity=entity, id=entity_id, changes=changes)
        if record is not None and delete:
            replica.delete(entity=entity, id=entity_id)
        for c in items:
            replica.update(
                entity="conflict",
                id=c["id"],
                changes={"status": "resolved", "resolution": choices[c["id"]]},
            )
            resolved += 1
    return resolved


class CompareDialog(QDialog):
    """Field / mine / theirs for every open conflict, one choice per field."""

    def __init__(
        self, replica: Replica, conflicts: list[dict[str, Any]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.replica = replica
        self.displays: dict[str, Display] = {}  # per entity, with its lookups open
        self.destroyed.connect(lambda *_: [d.close() for d in self.displays.values()])
        self.conflicts = conflicts
        self.groups: dict[str, QButtonGroup] = {}
        self.resolved = 0
        self.setWindowTitle(self.tr("Compare changes"))
        self.setMinimumWidth(640)

        intro = QLabel(
            self.tr(
                "Someone else changed the same fields while you were editing. "
                "Choose which value to keep for each field."
            )
        )
        intro.setWordWrap(True)

        body = QWidget()
        grid = QGridLayout(body)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        row = 0
        for (entity, entity_id), items in by_record(conflicts).items():
            record = replica.get(entity=entity, id=entity_id)
            declared = module(entity)
            name = (declared.name_of(record) if declared else "") or entity_id
            heading = QLabel(
                f"<b>{html.escape(entity_label(entity))}: {html.escape(str(name))}</b>"
            )
            heading.setTextFormat(Qt.TextFormat.RichText)
            grid.addWidget(heading, row, 0, 1, 3)
            row += 1
            for col, text in enumerate((self.tr("Field"), self.tr("Mine"), self.tr("Theirs"))):
                label = QLabel(f"<i>{text}</i>")
                grid.addWidget(label, row, col)
            row += 1
            for c in items:
                grid.addWidget(QLabel(field_label(c["field"], entity)), row, 0)
                group = QButtonGroup(self)
                mine_text, theirs_text = self._texts(c, record)
                mine = QRadioButton(mine_text)
                theirs = QRadioButton(theirs_text)
                mine.setObjectName(f"mine:{c['id']}")
                theirs.setObjectName(f"theirs:{c['id']}")
                when = self._when(c)
                if when:
                    theirs.setToolTip(when)
                if c["field"] == DELETED and c["mine"] != DELETED:
                    mine.setEnabled(False)
                    mine.setToolTip(self.tr("The record no longer exists on the server"))
                group.addButton(mine, 0)
                group.addButton(theirs, 1)
                (mine if c.get("applied") == "mine" and mine.isEnabled() else theirs).setChecked(
                    True
                )
                grid.addWidget(mine, row, 1)
                grid.addWidget(theirs, row, 2)
                self.groups[c["id"]] = group
                row += 1
        grid.setRowStretch(row, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        buttons = QDialogButtonBox()
        self.keep_mine = QPushButton(self.tr("Keep all mine"))
        self.take_theirs = QPushButton(self.tr("Take all theirs"))
        self.apply_button = QPushButton(self.tr("Resolve"))
        self.apply_button.setDefault(True)
        later = QPushButton(self.tr("Later"))
        buttons.addButton(self.keep_mine, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.take_theirs, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(later, QDialogButtonBox.ButtonRole.RejectRole)
        self.keep_mine.clicked.connect(lambda: self._all("mine"))
        self.take_theirs.clicked.connect(lambda: self._all("theirs"))
        self.apply_button.clicked.connect(self._apply)
        later.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)

    def _texts(self, c: dict[str, Any], record: dict[str, Any] | None) -> tuple[str, str]:
        if c["field"] == DELETED:
            if c["mine"] == DELETED:
                return self.tr("Delete it"), self.tr("Keep it as changed by someone else")
            return self.tr("Your edit (the record was deleted)"), self.tr("Leave it deleted")
        display = self._display(str(c["entity"]))
        return (
            format_value(display, c["field"], c["mine"], record),
            format_value(display, c["field"], c["theirs"], record),
        )

    def _display(self, entity: str) -> Display | None:
        declared = module(entity)
        if declared is None:
            return None
        if entity not in self.displays:
            self.displays[entity] = Display(declared, self.replica)
        return self.displays[entity]

    def _when(self, c: dict[str, Any]) -> str:
        at = c.get("theirs_at")
        if not at:
            return ""
        stamp = QDateTime.fromString(str(at), Qt.DateFormat.ISODateWithMs)
        if not stamp.isValid():
            stamp = QDateTime.fromString(str(at), Qt.DateFormat.ISODate)
        text = QLocale().toString(stamp.toLocalTime(), QLocale.FormatType.ShortFormat)
        return self.tr("Changed elsewhere at %1").replace("%1", text)

    def choices(self) -> dict[str, Choice]:
        out: dict[str, Choice] = {}
        for conflict_id, group in self.groups.items():
            out[conflict_id] = "mine" if group.checkedId() == 0 else "theirs"
        return out

    def choose(self, conflict_id: str, choice: Choice) -> None:
        button = self.groups[conflict_id].button(0 if choice == "mine" else 1)
        if button.isEnabled():
            button.setChecked(True)

    def _all(self, choice: Choice) -> None:
        for conflict_id in self.groups:
            self.choose(conflict_id, choice)
        self._apply()

    def _apply(self) -> None:
        self.resolved = resolve(self.replica, self.conflicts, self.choices())
        self.accept()
