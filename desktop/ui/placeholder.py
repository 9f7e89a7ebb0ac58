"""TEMPORARY stand-in for the customers page until the desktop-customers branch lands."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from desktop.core.replica import Replica


class PlaceholderCustomersPage(QWidget):
    status_message = Signal(str)

    def __init__(self, replica: Replica, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.replica = replica
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("customersTable")
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Email")])
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.opened: str | None = None
        self.refresh()

    def refresh(self) -> None:
        rows = self.replica.list(entity="customer")
        self.table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            self.table.setItem(n, 0, QTableWidgetItem(str(row.get("name"))))
            self.table.setItem(n, 1, QTableWidgetItem(str(row.get("email"))))

    def names(self) -> list[str]:
        return [self.table.item(n, 0).text() for n in range(self.table.rowCount())]

    def open_record(self, customer_id: str) -> None:
        self.opened = customer_id

    def has_unsaved_changes(self) -> bool:
        return False

    def close_record(self) -> bool:
        return True
