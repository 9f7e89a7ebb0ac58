"""The pages of the navigation sidebar: one per declared module (desktop/core/modules.py).

A module's page is the kit's ``RecordPage`` unless ``SPECIALISED`` names a
subclass (the deals pipeline). The main window calls what a page offers, by
name: ``refresh()`` after a pull changed records it shows, ``new_record`` /
``save`` / ``close_record`` / ``undo`` / ``redo`` / ``focus_filter`` for the File
and Edit menus, ``has_unsaved_changes`` before leaving, ``open_record`` for
global search, and it forwards a ``status_message`` signal.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from desktop.core.kit.entity import Entity
from desktop.core.modules import MODULES
from desktop.core.replica import Replica
from desktop.ui.kit.history import EditHistory

PageFactory = Callable[[Replica, EditHistory], QWidget]

# entity -> "module:Class" of a RecordPage subclass, imported when the page is made.
SPECIALISED = {"deal": "desktop.ui.deals.page:DealsPage"}


@dataclass(frozen=True)
class PageSpec:
    key: str  # the module's name ("customers"): the page's key in MainWindow.pages
    entity: Entity
    factory: PageFactory


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


PAGES: list[PageSpec] = [PageSpec(m.context, m, _factory(m)) for m in MODULES]
