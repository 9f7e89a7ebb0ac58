"""What a record page needs beyond its list and form: a command's arguments asked in a dialog,
a record printed or saved as PDF, and the records of other modules that point at it.

- ``ArgumentsDialog``: the declared ``ask`` fields of a command (a payment's amount,
  method, reference, date), filled in by the command's ``prefill`` from the record
  and checked with its ``schema`` (the server's) before anything is queued.
- ``print_pdf`` / ``save_pdf``: the entity's ``document`` (the server's renderer in
  ``common.documents``) to a printer, its pages drawn from the PDF by pdfium, or to a file.
- ``RelatedList``: another module's list, filtered to the records pointing at the
  current one (a customer's invoices with their balances), through the kit's model.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QImage, QPageLayout, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from common.ids import new_id
from desktop.core.kit.entity import Command, Entity, Record, Related, by_field
from desktop.core.kit.listing import ListQuery
from desktop.core.modules import module, open_list, open_lookup
from desktop.core.replica import Replica
from desktop.ui.kit.display import language, tr
from desktop.ui.kit.editors import make_editor, validation_text
from desktop.ui.kit.model import ID_ROLE, EntityTableModel

PRINT_DPI = 300


class ArgumentsDialog(QDialog):
    """A command's arguments: its ``ask`` fields; ``arguments()`` once accepted."""

    def __init__(
        self,
        entity: Entity,
        command: Command,
        record: Record,
        parent: QWidget | None = None,
        replica: Replica | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"command_{command.name}_dialog")
        self.entity = entity
        self.command = command
        self.setWindowTitle(tr(entity, command.label))
        self.editors: dict[str, Any] = {}
        values = command.prefill(record) if command.prefill is not None else {}
        heading = QLabel(self)
        heading.setObjectName("argumentsHeading")
        name = entity.name_of(record) or tr(entity, entity.untitled or entity.label)
        heading.setText(f"<b>{tr(entity, command.label)}</b> · {name}")
        self.setMinimumWidth(380)
        form = QFormLayout()
        for field in command.ask:
            # A ref (a transfer's destination) picks from the replica, as the form's do.
            source = (
                open_lookup(field.ref, replica, language())
                if field.ref is not None and replica is not None
                else None
            )
            editor = make_editor(field, entity, source, self)
            editor.setObjectName(f"arg_{field.name}")
            editor.set_value(values.get(field.name, field.default))  # type: ignore[attr-defined]
            self.editors[field.name] = editor
            label = tr(entity, field.label) + (" *" if field.required else "")
            form.addRow(label, editor)
        for field in command.ask:  # money in the record's currency
            editor = self.editors[field.name]
            if field.currency and hasattr(editor, "set_currency"):
                editor.set_currency(values.get(field.currency))
        self.error = QLabel(self)
        self.error.setObjectName("argumentsError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(tr(entity, command.label))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._arguments: Record | None = None

    def check(self) -> Record | None:
        """The arguments as the server will take them, or None with the reason shown."""
        values: Record = dict(self.command.args)
        try:
            for name, editor in self.editors.items():
                values[name] = editor.value()
        except ValueError as exc:
            self._refuse(validation_text(str(exc)))
            return None
        if self.command.new_id:
            values[self.command.new_id] = new_id()
        values = {k: v for k, v in values.items() if v is not None}
        if self.command.schema is None:
            return values
        try:
            model = self.command.schema.model_validate(values)
        except ValidationError as exc:
            problems = by_field(exc.errors())
            self._refuse(validation_text(next(iter(problems.values()))))
            return None
        out: Record = model.model_dump(mode="json", exclude_none=True)
        return out

    def _refuse(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def accept(self) -> None:
        self._arguments = self.check()
        if self._arguments is not None:
            super().accept()

    def arguments(self) -> Record | None:
        return self._arguments


def run_dialog(dialog: QDialog) -> bool:
    """Show a modal dialog; True if accepted (tests replace this function)."""
    return dialog.exec() == QDialog.DialogCode.Accepted


# ---------------------------------------------------------------- PDF


def choose_pdf_path(parent: QWidget, suggested: str) -> str | None:
    """Where to save a PDF (None: cancelled; tests replace this function)."""
    path, _filter = QFileDialog.getSaveFileName(
        parent, parent.tr("Save as PDF"), suggested, parent.tr("PDF documents (*.pdf)")
    )
    return path or None


def choose_printer(parent: QWidget, printer: QPrinter) -> bool:
    """The print dialog (tests replace this function)."""
    return QPrintDialog(printer, parent).exec() == QDialog.DialogCode.Accepted


def pdf_pages(pdf: bytes, dpi: int = PRINT_DPI) -> list[QImage]:
    """Every page of a PDF as an image (pdfium draws it)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        images = []
        for page in document:
            bitmap = page.render(scale=dpi / 72)
            image = bitmap.to_pil().convert("RGB")
            data = image.tobytes("raw", "RGB")
            qimage = QImage(
                data, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888
            )
            images.append(qimage.copy())  # owns its pixels once ``data`` goes
            page.close()
        return images
    finally:
        document.close()


def print_pdf(printer: QPrinter, pdf: bytes) -> int:
    """Draw the PDF's pages on ``printer``, one sheet each, fitted; the number of pages.

    The pages the print dialog asked for: all, or its "from"/"to" range (1-based, as the
    dialog shows them). Copies and collation are the printer's (QPrinter.copyCount).
    """
    printer.setFullPage(True)
    images = pdf_pages(pdf, min(printer.resolution(), PRINT_DPI))
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        last = printer.toPage() or len(images)
        images = images[printer.fromPage() - 1 : last]
    if not images:
        return 0
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        for n, image in enumerate(images):
            if n:
                printer.newPage()
            area = printer.pageLayout().fullRectPixels(printer.resolution())
            scale = min(area.width() / image.width(), area.height() / image.height())
            target = QRectF(0, 0, image.width() * scale, image.height() * scale)
            painter.drawImage(target, image)
    finally:
        painter.end()
    return len(images)


def new_printer() -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    return printer


# ---------------------------------------------------------------- related records


class RelatedList(QGroupBox):
    """Another module's records that point at the current one, in the kit's table model."""

    open_requested = Signal(str, str)  # entity, id

    def __init__(self, related: Related, replica: Replica, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        other = module(related.entity)
        assert other is not None, related.entity
        self.other = other
        self.related = related
        self.setObjectName(f"related_{related.entity}")
        self.rows = open_list(other, replica)
        self.model = EntityTableModel(other, self.rows, self)
        self.table = QTableView(self)
        self.table.setObjectName(f"related_{related.entity}_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setMaximumHeight(160)
        for n, column in enumerate(other.columns):
            self.table.setColumnHidden(n, column.key not in related.columns)
        self.table.doubleClicked.connect(
            lambda index: self.open_requested.emit(other.name, str(index.data(ID_ROLE)))
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        self.destroyed.connect(self.rows.close)
        self.show_for(None)

    def show_for(self, record_id: str | None) -> None:
        """List the records pointing at ``record_id`` (None: hide)."""
        self.setVisible(record_id is not None)
        query = ListQuery(filters={self.related.via: record_id or "\x00"})
        self.model.set_query(query)
        self.model.reload()
        count = self.model.rowCount()
        self.setTitle(f"{tr(self.other, self.related.label)} ({count})")

    def ids(self) -> list[str]:
        return [str(self.model.index(r, 0).data(ID_ROLE)) for r in range(self.model.rowCount())]


def suggested_name(entity: Entity, record: Record) -> str:
    name = entity.name_of(record) or tr(entity, entity.untitled or entity.label)
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name) + ".pdf"
