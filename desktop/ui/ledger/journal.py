"""The journal: entries filtered by account and date, and the journal entry form.

The kit's record page with the ``transaction`` declaration (desktop/core/journal.py).
The form's lines show debits, credits and the difference as the user types;
its button is Post, and stays disabled until the entry balances and the
server's rules (``common.ledger.check_entry`` over the replica's accounts) find
nothing, each problem shown under the lines. Posting queues the create: the
server posts it at the next sync (offline: whenever that is), or refuses it, and
then the replica undoes it and the window tells the user why. A posted entry is
never edited; Reverse… (confirmed first) queues its reversal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel, QWidget

from desktop.core import journal
from desktop.core.ledger import Book
from desktop.core.replica import Replica
from desktop.ui.kit.display import tr
from desktop.ui.kit.editors import validation_text
from desktop.ui.kit.history import EditHistory
from desktop.ui.kit.page import RecordPage
from desktop.ui.ledger.entries import EntriesEditor


class JournalPage(RecordPage):
    """Journal entries beside the form of the current (or a new) entry."""

    def __init__(
        self,
        replica: Replica,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        history: EditHistory | None = None,
    ) -> None:
        self.book = Book(replica)
        super().__init__(journal.ENTITY, replica, parent, settings=settings, history=history)
        self.destroyed.connect(self.book.close)
        self.splitter.setSizes([480, 720])
        editor = self.form.editors["lines"]
        assert isinstance(editor, EntriesEditor)
        self.entries = editor
        self.form.save_button.setText(self.tr("Post"))
        self.form.save_button.setObjectName("postButton")
        self.problems_label = QLabel(self.form)
        self.problems_label.setObjectName("entryProblems")
        self.problems_label.setWordWrap(True)
        self.problems_label.hide()
        self.form.add_below(self.problems_label)
        self.entries.edited.connect(self.check_entry)
        self.check_entry()

    # ------------------------------------------------------------ the entry's rules

    def problems(self) -> dict[str, str]:
        """What the server would refuse in the form's lines (empty: it may be posted); the
        amounts show in the currency of the first line's account (the entry's, as posted)."""
        chart = {
            a.id: {"code": a.code, "currency": a.currency, "active": a.active}
            for a in self.book.accounts()
        }
        lines = self.entries.lines()
        first = next((line["account_id"] for line in lines if line["account_id"]), None)
        self.entries.set_currency(chart.get(first or "", {}).get("currency") or "USD")
        unreadable = self.entries.unreadable()
        if unreadable:
            return {f"lines.{row}": self.tr("The amount is not a number") for row in unreadable}
        return journal.entry_problems(lines, chart)

    def check_entry(self) -> bool:
        """Show what keeps the entry from being posted; enable Post when nothing does."""
        new = self._form_open and self.form.is_new()
        problems = self.problems() if new else {}
        balance = self.entries.balance()
        shown = []
        if balance.debits + balance.credits:  # nothing typed yet: nothing to point out
            for row, text in journal.problem_lines(problems):
                if row is None and not balance.balanced:
                    continue  # the live difference says it already
                message = validation_text(tr(self.entity, text))
                shown.append(
                    message if row is None else self.tr("Line %1: %2").replace(
                        "%1", str(row)).replace("%2", message)
                )  # fmt: skip
        self.problems_label.setText("\n".join(shown))
        self.problems_label.setVisible(bool(shown) and new)
        ready = new and not problems and balance.balanced and self.may_write()
        self.form.save_button.setEnabled(ready)
        self.form.save_button.setToolTip(
            "" if ready else self.tr("Post is possible once the debits equal the credits")
        )
        return ready

    # ------------------------------------------------------------ the kit's hooks

    def new_record(self) -> None:
        """An empty entry dated today with two lines to fill in."""
        super().new_record()
        if not (self._form_open and self.form.is_new()):
            return
        self.form.editors["date"].set_value(datetime.now(UTC).date().isoformat())
        self.entries.set_value([{}, {}])
        self.form._snapshot = self.form.raw_values()
        self.entries.picker(0).setFocus()
        self.check_entry()

    def save(self) -> bool:
        if not self._form_open or not self.form.is_new():
            return True
        if not self.check_entry():
            self.status_message.emit(self.tr("Not posted: the entry must balance first"))
            return False
        if not super().save():
            return False
        self.status_message.emit(
            self.tr("Journal entry queued — the server posts it at the next sync")
        )
        return True

    def _show(self, record: dict[str, Any] | None, *, opened: bool = True) -> None:
        super()._show(record, opened=opened)
        if hasattr(self, "entries"):
            self.check_entry()
