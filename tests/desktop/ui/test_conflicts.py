"""Two desktops edit the same fields: the Compare dialog on the second, the choice on both."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from desktop.ui.conflicts import CompareDialog, field_label, format_money
from tests.conftest import Api, LiveServer
from tests.desktop.ui.shell_support import close, make_app, sign_in, wait_synced
from tests.factories import DEFAULT_PASSWORD, user_with_role


def test_money_is_shown_from_cents_through_the_locale() -> None:
    assert format_money(123456, "USD", QLocale(QLocale.Language.English)) == "1,234.56 USD"
    assert format_money(-5, "EUR", QLocale(QLocale.Language.German)) == "-0,05 EUR"
    assert format_money(10**17 + 1, "USD", QLocale(QLocale.Language.English)).endswith(
        "000,000.01 USD"
    )  # integer arithmetic: no float rounding
    assert field_label("address.city") == "Billing address: City"
    assert field_label("credit_limit") == "Credit limit"


def test_the_same_field_edited_on_two_desktops_is_resolved_in_the_compare_dialog(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    r = admin.post(
        "/api/v1/customers",
        json={"name": "Acme", "email": "a@acme.example", "notes": "base", "credit_limit": 100000},
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    _bob_api, bob = user_with_role(admin, "admin", email="bob@example.com")

    first = make_app(qtbot, tmp_path / "first")
    second = make_app(qtbot, tmp_path / "second")
    try:
        one = sign_in(qtbot, first, server.url)
        two = sign_in(qtbot, second, server.url, email="bob@example.com", password=DEFAULT_PASSWORD)
        assert bob["user"]["email"] == "bob@example.com"

        two.set_working_offline(True)
        two.replica.update(
            entity="customer", id=cid, changes={"notes": "from two", "credit_limit": 200000}
        )
        one.replica.update(
            entity="customer", id=cid, changes={"notes": "from one", "credit_limit": 150000}
        )
        wait_synced(qtbot, one)
        assert admin.get(f"/api/v1/customers/{cid}").json()["notes"] == "from one"

        two.set_working_offline(False)  # pushes: both fields conflict
        qtbot.waitUntil(
            lambda: two.compare_dialog is not None and two.compare_dialog.isVisible(),
            timeout=15_000,
        )
        assert one.compare_dialog is None  # conflicts belong to the user who pushed
        dialog: CompareDialog = two.compare_dialog
        assert two.conflict_button.isVisible() and "2 conflicts" in two.conflict_button.text()
        texts = {
            b.objectName().split(":")[0] + ":" + b.text()
            for b in dialog.findChildren(type(next(iter(dialog.groups.values())).button(0)))
        }
        assert {"mine:from two", "theirs:from one"} <= texts
        assert {f"mine:{format_money(200000, 'USD')}", f"theirs:{format_money(150000, 'USD')}"} <= (
            texts
        )
        by_field = {c["field"]: c["id"] for c in dialog.conflicts}
        dialog.choose(by_field["notes"], "theirs")
        dialog.choose(by_field["credit_limit"], "mine")
        dialog.apply_button.click()
        assert not dialog.isVisible()

        def settled() -> None:
            server_row = admin.get(f"/api/v1/customers/{cid}").json()
            assert (server_row["notes"], server_row["credit_limit"]) == ("from one", 200000)
            for window in (one, two):
                local = window.replica.get(entity="customer", id=cid)
                assert (local["notes"], local["credit_limit"]) == ("from one", 200000)

        qtbot.waitUntil(settled, timeout=15_000)
        wait_synced(qtbot, two)
        assert not two.conflict_button.isVisible()
        assert all(c["status"] == "resolved" for c in two.replica.list(entity="conflict")), (
            two.replica.list(entity="conflict")
        )
        assert {c["resolution"] for c in two.replica.list(entity="conflict")} == {"mine", "theirs"}
    finally:
        close(first)
        close(second)


def test_keep_all_mine_pushes_every_local_value(
    qtbot: QtBot, server: LiveServer, admin: Api, tmp_path: Path
) -> None:
    r = admin.post("/api/v1/customers", json={"name": "Acme", "email": "a@acme.example"})
    cid = r.json()["id"]
    app = make_app(qtbot, tmp_path / "desk")
    try:
        window = sign_in(qtbot, app, server.url)
        window.set_working_offline(True)
        window.replica.update(entity="customer", id=cid, changes={"credit_limit": 700})
        admin.put(f"/api/v1/customers/{cid}", json={"credit_limit": 900})
        window.set_working_offline(False)
        qtbot.waitUntil(lambda: window.compare_dialog is not None, timeout=15_000)
        assert window.compare_dialog is not None
        window.compare_dialog.keep_mine.click()
        qtbot.waitUntil(
            lambda: admin.get(f"/api/v1/customers/{cid}").json()["credit_limit"] == 700,
            timeout=15_000,
        )
    finally:
        close(app)
