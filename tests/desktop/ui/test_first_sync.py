"""The app right after its first sync: the snapshot's rows are in the lists and in Ctrl+K
(the list side tables are built once, when the snapshot ends)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
from pytestqt.qtbot import QtBot

from desktop.ui.kit.page import RecordPage
from tests.conftest import Api, LiveServer
from tests.desktop.ui.shell_support import close, make_app, sign_in
from tests.factories import create_customer


@pytest.fixture(autouse=True)
def english_locale() -> Iterator[None]:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


def test_ctrl_k_finds_a_customer_that_came_in_the_first_sync(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    for n in range(5):
        create_customer(admin, name=f"Filler {n}")
    quasar = create_customer(admin, name="Quasar Dynamics", email="hello@quasar.example")
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)  # the window's lists exist before the sync
        window.search_action.trigger()
        qtbot.keyClicks(window.search, "quasar")
        qtbot.waitUntil(lambda: window.search.results.rowCount() == 1)
        assert window.search.results.item(0).text() == (
            "Customer · Quasar Dynamics — hello@quasar.example"
        )
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
        page = window.pages["customers"]
        assert isinstance(page, RecordPage)
        assert window.stack.currentWidget() is page
        assert page.form.editors["name"].text() == "Quasar Dynamics"
        assert page._current_id == quasar["id"]
    finally:
        close(app)
