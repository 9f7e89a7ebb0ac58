"""The window's one undo history (a QUndoStack): every saved edit of every page, newest last.

An edit is undone by an opposite edit through the outbox, never by removing an
entry: the sync worker may be sending it right now, and mutation ids must stay
gapless and unique. So an edit can be undone only while it still waits to be
sent; once the server has it, undo says so and the history starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from desktop.core.replica import Replica


def _tr(text: str) -> str:
    return QCoreApplication.translate("history", text)


class RecordEdit(QUndoCommand):
    """One saved edit of one record: how to take it back (and to make it again).

    ``revert`` and ``reapply`` make the opposite and the same edit and return
    (mutation id, status message); ``check`` may refuse an undo with a reason (a
    won deal cannot move back). Without ``reapply`` (a create) the edit leaves
    the history once undone.
    """

    def __init__(
        self,
        text: str,
        *,
        replica: Replica,
        entity: str,
        record_id: str,
        mutation_id: int,
        revert: Callable[[], tuple[int | None, str]],
        reapply: Callable[[], tuple[int | None, str]] | None = None,
        check: Callable[[], str | None] | None = None,
    ) -> None:
        super().__init__(text)
        self.replica = replica
        self.entity = entity
        self.record_id = record_id
        self.mutation_id = mutation_id
        self._revert = revert
        self._reapply = reapply
        self._check = check
        self._done = True  # pushed after the edit was made: the push's redo() does nothing
        self.message = ""

    def still_pending(self) -> bool:
        """The edit waits in the outbox (so an opposite edit can still take it back)."""
        return any(
            m.mutation_id == self.mutation_id and m.entity == self.entity and m.id == self.record_id
            for m in self.replica.pending()
        )

    def refusal(self) -> str | None:
        return self._check() if self._check is not None else None

    def undo(self) -> None:
        mutation_id, self.message = self._revert()
        self._done = False
        if mutation_id is not None:
            self.mutation_id = mutation_id
        if self._reapply is None:
            self.setObsolete(True)  # QUndoStack drops it: a create is not made again

    def redo(self) -> None:
        if self._done or self._reapply is None:
            return
        mutation_id, self.message = self._reapply()
        self._done = True
        if mutation_id is not None:
            self.mutation_id = mutation_id


class EditHistory(QUndoStack):
    """Undo / redo of saved edits for the whole window (one per window; pages share it)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setUndoLimit(200)

    def record(self, edit: RecordEdit) -> None:
        self.push(edit)  # the stack owns it; PySide keeps the Python object (and its closures)

    def _edit_at(self, index: int) -> RecordEdit | None:
        command = self.command(index)
        return command if isinstance(command, RecordEdit) else None

    def undo_last(self) -> str:
        """Undo the newest edit if it still waits to be sent; the message says what happened."""
        if not self.canUndo():
            return _tr("Nothing to undo")
        edit = self._edit_at(self.index() - 1)
        if edit is None or not edit.still_pending():
            self.clear()
            return _tr("Already sent to the server: edit the record to change it back")
        refusal = edit.refusal()
        if refusal:
            return refusal
        self.undo()
        return edit.message or _tr("Undone")

    def redo_last(self) -> str:
        """Make the edit undone last again (as a new edit)."""
        if not self.canRedo():
            return _tr("Nothing to redo")
        edit = self._edit_at(self.index())
        self.redo()
        return (edit.message if edit is not None else "") or _tr("Redone")
