"""The pages of the navigation sidebar: one per declared module (desktop/core/modules.py), and
the ledger's journal and reports.

A module's page is the kit's ``RecordPage`` unless ``SPECIALISED`` names a
subclass (the deals pipeline, the chart of accounts as a tree). The main window
calls what a page offers, by name: ``refresh()`` after a pull changed records it
shows, ``new_record`` / ``save`` / ``close_record`` / ``undo`` / ``redo`` /
``focus_filter`` for the File and Edit menus, ``has_unsaved_changes`` before
leaving, ``open_record`` for global search, and it forwards a ``status_message``
signal. A page whose entity names a ``permission`` shows only to users who may
read it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from desktop.core.kit.entity import QT_TRANSLATE_NOOP, Entity
from desktop.core.modules import MODULES
from desktop.core.replica import Replica
from desktop.ui.kit.history import EditHistory

PageFactory = Callable[[Replica, EditHistory], QWidget]

# entity -> "module:Class" of a RecordPage subclass, imported when the page is made.
SPECIALISED = {
    "deal": "desktop.ui.deals.page:DealsPage",
    "account": "desktop.ui.ledger.accounts:AccountsPage",
}


@dataclass(frozen=True)
class PageSpec:
    key: str  # the module's name ("customers"): the page's key in MainWindow.pages
    entity: Entity  # its records (a reports page: the entity whose pulls change it)
    factory: PageFactory
    title: str = ""  # the sidebar's text in the entity's context ("" : its plural)
    order: int = 0  # the place in the sidebar ("0" : the entity's)


def _factory(entity: Entity) -> PageFactory:
    def make(replica: Replica, history: EditHistory) -> QWidget:
        from desktop.ui.kit.page import RecordPage

        cls: type[RecordPage] = RecordPage
        if entity.name in SPECIALISED:
            module, _, name = SPECIALISED[entity.name].partition(":")
            cls = getattr(importlib.import_module(module), name)
        if cls is RecordPage:
            return RecordPage(entity, replica, history=history)
        return cls(replica, history=history)  # type: ignore[call-arg, arg-type]

    return make


def _own(target: str) -> PageFactory:
    """A page class (``module:Class``) made from the replica and the history."""

    def make(replica: Replica, history: EditHistory) -> QWidget:
        module, _, name = target.partition(":")
        page: QWidget = getattr(importlib.import_module(module), name)(replica, history=history)
        return page

    return make


MODULE_PAGES: list[PageSpec] = [PageSpec(m.context, m, _factory(m)) for m in MODULES]


def _ledger_pages() -> list[PageSpec]:
    from desktop.core import journal

    return [
        PageSpec("journal", journal.ENTITY, _own("desktop.ui.ledger.journal:JournalPage")),
        PageSpec(
            "reports",
            journal.ENTITY,
            _own("desktop.ui.ledger.reports:ReportsPage"),
            title=QT_TRANSLATE_NOOP("journal", "Reports"),
            order=journal.ENTITY.order + 1,
        ),
    ]


PAGES: list[PageSpec] = sorted(
    [*MODULE_PAGES, *_ledger_pages()], key=lambda s: s.order or s.entity.order
)
