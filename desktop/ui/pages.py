"""The pages of the navigation sidebar. Adding a module's page is one line in ``PAGES``.

A page is a QWidget built from the UI thread's Replica. The main window calls
what a page offers, by name: ``refresh()`` after a pull changed records,
``new_record``/``save``/``close_record``/``undo``/``focus_filter`` for the
File and Edit menus, ``has_unsaved_changes`` before leaving, ``open_record``
for global search, and it forwards a ``status_message`` signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QWidget

from desktop.core.replica import Replica


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str  # translated in the "pages" context when shown
    entity: str  # the replica entity this page shows (for global search and refresh)
    factory: Callable[[Replica], QWidget]


def _customers(replica: Replica) -> QWidget:
    from desktop.ui.customers.page import CustomersPage

    return CustomersPage(replica)


def _deals(replica: Replica) -> QWidget:
    from desktop.ui.deals.page import DealsPage

    return DealsPage(replica)


PAGES: list[PageSpec] = [
    PageSpec("customers", QT_TRANSLATE_NOOP("pages", "Customers"), "customer", _customers),
    PageSpec("deals", QT_TRANSLATE_NOOP("pages", "Deals"), "deal", _deals),
]
