"""Checks every declared desktop module gets without writing a test: its table model is sound
(qtmodeltester), its page creates, edits, filters and undoes through the kit, Ctrl+K finds its
records with their type, and the Compare dialog can name and show each of its fields.

Generated from desktop/core/modules.MODULES: a new module's declaration is tested here as soon
as it is listed. Records are made through the module's own form, as a user makes them (a
lookup picks the first choice, so the modules it points to get a record first).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.core.kit.entity import Entity, Field
from desktop.core.modules import MODULES, module
from desktop.core.replica import Replica
from desktop.ui.kit.display import Display, field_label
from desktop.ui.kit.history import EditHistory
from desktop.ui.kit.page import RecordPage
from desktop.ui.kit.picker import LookupPicker
from desktop.ui.pages import MODULE_PAGES as PAGES
from desktop.ui.search import GlobalSearch

IDS = [m.name for m in MODULES]
# Modules whose records the server makes (stock, its movements): no form creates one; their
# pages are checked on pulled records (tests/desktop/ui/test_stock_pages.py).
MADE_HERE = [m.name for m in MODULES if m.creatable]
# Modules whose title the server gives (an invoice's number, an order's customer name): the
# tests tell their records apart by this typed field instead, which the list searches.
NAMED_BY = {"order": "notes", "invoice": "notes"}
# Modules with no free-text field at all (a contract is its party, type, dates and terms, as the
# spec's object has it): the checks that type a name skip them; their own page test covers
# creating, editing, filtering and undoing (tests/desktop/ui/test_contracts_page.py).
UNTYPED = frozenset({"contract"})
TYPED = [name for name in MADE_HERE if name not in UNTYPED]


def named_by(entity: Entity) -> str:
    return NAMED_BY.get(entity.name, entity.title)


@pytest.fixture(autouse=True)
def english_locale() -> Iterator[None]:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[Replica]:
    """A replica with two countries, as the first sync brings them (an address needs one)."""
    from common.sync import Change, PullResponse

    r = Replica(tmp_path / "replica.sqlite3")
    countries = [
        Change(entity="country", id=f"country-{code}", op="upsert", version=n + 1,
               data={"id": f"country-{code}", "code": code, "name": {"en": name},
                     "is_active": True})
        for n, (code, name) in enumerate((("DE", "Germany"), ("US", "United States")))
    ]  # fmt: skip
    r.apply_pull_page(
        PullResponse(
            changes=countries, cursor="c", has_more=False, phase="snapshot", reset=True,
            server_version=len(countries),
        )
    )  # fmt: skip
    yield r
    r.close()


class Desk:
    """Every module's page on one replica with the window's shared undo history."""

    def __init__(self, qtbot: QtBot, replica: Replica) -> None:
        self.qtbot = qtbot
        self.replica = replica
        self.history = EditHistory()
        self.pages: dict[str, RecordPage] = {}
        for spec in PAGES:
            page = spec.factory(replica, self.history)
            assert isinstance(page, RecordPage)
            qtbot.addWidget(page)
            page.resize(1200, 700)
            self.pages[spec.entity.name] = page

    def create(self, entity: Entity, title: str) -> str:
        """A new record through the form: the title, every required field, declared examples."""
        for ref in needed_refs(entity):
            if not self.replica.list(entity=ref):
                self.create(module(ref), f"Needed {ref}")  # type: ignore[arg-type]
        page = self.pages[entity.name]
        page.new_record()
        for field in page.form.fields:
            if field.name == named_by(entity):
                type_into(self.qtbot, page.form.editors[field.name], title)
            elif field.ref is not None and (field.required or field.example is not None):
                picker = page.form.editors[field.name]
                assert isinstance(picker, LookupPicker)
                assert picker.search(""), f"{field.name}: nothing to choose"
                picker.choose(0)
            elif field.example is not None:
                type_into(self.qtbot, page.form.editors[field.name], str(field.example))
        assert page.save(), page.form.validate_all()
        assert page._current_id is not None
        return page._current_id


def needed_refs(entity: Entity) -> set[str]:
    return {
        f.ref.entity
        for f in entity.form_fields
        if f.ref is not None and f.required and module(f.ref.entity) is not None
    }


def type_into(qtbot: QtBot, editor: Any, text: str) -> None:
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, text)


def shown(page: RecordPage) -> list[str]:
    """The names the list shows (the typed field's projected value, for NAMED_BY modules)."""
    model = page.model
    key = named_by(page.entity)
    if key != page.entity.title:
        return [str(model.row_at(r)[key]) for r in range(model.rowCount())]  # type: ignore[index]
    return [str(model.index(r, model.column(key)).data()) for r in range(model.rowCount())]


@pytest.fixture
def desk(qtbot: QtBot, replica: Replica) -> Desk:
    return Desk(qtbot, replica)


def test_the_modules_are_declared_once_each_with_a_page() -> None:
    assert len(set(IDS)) == len(IDS)
    assert [spec.entity.name for spec in PAGES] == IDS
    for entity in MODULES:
        assert entity.columns[0].key == entity.title  # the first column names the record
        assert needed_refs(entity) <= set(IDS)


@pytest.mark.parametrize("name", TYPED)
def test_the_table_model_is_sound(name: str, desk: Desk, qtmodeltester: ModelTester) -> None:
    entity = module(name)
    assert entity is not None
    page = desk.pages[name]
    qtmodeltester.check(page.model)  # empty
    for word in ("Alpha", "Bravo", "Charlie"):
        desk.create(entity, f"{word} {name}")
    qtmodeltester.check(page.model)
    for column in range(page.model.columnCount()):  # every column sorts, both ways
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            page.model.sort(column, order)
            assert page.model.rowCount() == 3
    page.model.set_filter_text("brav")
    qtmodeltester.check(page.model)
    assert shown(page) == [f"Bravo {name}"]


@pytest.mark.parametrize("name", TYPED)
def test_the_page_creates_edits_filters_and_undoes(
    name: str, desk: Desk, replica: Replica, qtbot: QtBot
) -> None:
    entity = module(name)
    assert entity is not None
    page = desk.pages[name]
    title = named_by(entity)
    alpha = desk.create(entity, f"Alpha {name}")
    bravo = desk.create(entity, f"Bravo {name}")

    # Created: in the list at once (marked pending), and in the outbox as its create schema.
    assert {f"Alpha {name}", f"Bravo {name}"} <= set(shown(page))
    row = page.model.row_of(alpha)
    assert row is not None and page.model.row_at(row).pending  # type: ignore[union-attr]
    create = next(m for m in replica.pending() if m.id == alpha)
    assert create.op == "create" and create.payload["data"][title] == f"Alpha {name}"
    entity.create.model_validate(create.payload["data"])

    # Edited: only the changed field goes out.
    page.open_record(alpha)
    type_into(qtbot, page.form.editors[title], f"Alpha {name} renamed")
    assert page.has_unsaved_changes()
    assert page.save()
    update = replica.pending()[-1]
    assert (update.op, update.id, update.payload["changes"]) == (
        "update",
        alpha,
        {title: f"Alpha {name} renamed"},
    )
    assert f"Alpha {name} renamed" in shown(page)

    # Filtered as the user types, in SQLite.
    page.focus_filter()
    qtbot.keyClicks(page.list_view.filter_edit, "bravo")
    assert shown(page) == [f"Bravo {name}"]
    assert page.list_view.count_text().startswith("1 ")
    page.list_view.filter_edit.clear()

    # Undone: the edit, then the new record (both still unsent).
    page.undo()
    assert replica.get(entity=name, id=alpha)[title] == f"Alpha {name}"  # type: ignore[index]
    page.undo()
    assert replica.get(entity=name, id=bravo) is None
    assert f"Bravo {name}" not in shown(page)


@pytest.mark.parametrize("name", TYPED)
def test_ctrl_k_finds_the_modules_records_with_their_type(
    name: str, desk: Desk, replica: Replica
) -> None:
    entity = module(name)
    assert entity is not None
    record_id = desk.create(entity, f"Quokka {name}")
    search = GlobalSearch(replica)
    found = [(e.name, r.id) for e, r in search.matches("quokka")]
    assert (name, record_id) in found
    search.setText("quokka")
    search.update_results()
    texts = [search.results.item(n).text() for n in range(search.results.rowCount())]
    if named_by(entity) == entity.title:
        assert any(t.startswith(f"{entity.label} · Quokka {name}") for t in texts), texts
    else:  # named by the server: found by the typed text, shown with its type
        assert any(t.startswith(f"{entity.label} · ") for t in texts), texts
    search.deleteLater()


@pytest.mark.parametrize("name", [m.name for m in MODULES if m.status is not None and m.creatable])
def test_each_status_shows_offers_its_commands_and_locks_as_declared(
    name: str, desk: Desk, replica: Replica
) -> None:
    from common.sync import Change, PullResponse

    entity = module(name)
    assert entity is not None and entity.status is not None
    status = entity.status
    page = desk.pages[name]
    desk.create(entity, f"Made {name}")
    data = replica.pending()[-1].payload["data"]
    for n, state in enumerate(status.states):
        # Given the server's record in this state, as a pull brings it
        record_id = f"{name}-{n}"
        record = {**data, "id": record_id, entity.title: f"{state.value} {name}",
                  status.field: state.value}  # fmt: skip
        replica.apply_pull_page(
            PullResponse(
                changes=[Change(entity=name, id=record_id, op="upsert", version=100 + n,
                                data=record)],
                cursor=f"s{n}", has_more=False, phase="incremental", reset=False,
                server_version=100 + n,
            )
        )  # fmt: skip
        page.refresh()
        page.open_record(record_id)
        # Then the list and the form name the state, the command bar offers what the
        # declared transitions allow from it, and a locked state makes the form read-only.
        row = page.model.row_of(record_id)
        assert row is not None
        column = page.model.column(status.field)
        assert page.model.index(row, column).data() == state.label
        assert page.form.editors[status.field].text() == state.label
        # Commands that do not change the status (a payment) are offered in their states.
        offered = {n for n, a in page.command_actions.items() if a.isEnabled()}
        others = {
            c.name
            for c in entity.commands
            if c not in status.commands and (c.offered_in is None or state.value in c.offered_in)
        }
        assert offered == {c.name for c in status.offered(state.value)} | (
            set() if state.locked else others
        )
        assert all(c.sets and c.sets[1] != state.value for c in status.offered(state.value))
        assert page.form.save_button.isEnabled() == (not state.locked)
        # A state may leave only some fields editable, and says so.
        typed = named_by(entity)
        if typed in page.form.editors:
            assert page.form.editors[typed].isEnabled() == status.editable(state.value, typed)
        for field in page.form.fields:
            if not field.read_only and field.kind != "status" and not field.create_only:
                editable = status.editable(state.value, field.name)
                assert page.form.editors[field.name].isEnabled() == editable, field.name
        assert page.form.lock_banner.isVisibleTo(page.form) == bool(state.locked)
        assert page.form.note_banner.isVisibleTo(page.form) == bool(state.note)


def _sample(field: Field) -> Any:
    """A stored value of ``field``'s kind."""
    samples: dict[str, Any] = {
        "money": 123456,
        "percent": 40,
        "number": -7,
        "date": "2030-01-31",
        "bool": True,
        "status": False,
        "keyvalue": {"linkedin": "acme"},
        "ref": "no-such-record",
    }
    if field.choices:
        return field.choices[-1].value
    return samples.get(field.kind, field.example or "text")


@pytest.mark.parametrize("name", IDS)
def test_every_field_has_a_label_and_shows_by_its_kind_in_the_compare_dialog(
    name: str, replica: Replica, qtbot: QtBot
) -> None:
    del qtbot  # a QApplication for the locale
    entity = module(name)
    assert entity is not None
    display = Display(entity, replica)
    record: dict[str, Any] = {"currency": "EUR"}
    record.update({f.name: "EUR" for f in entity.fields if f.kind == "currency"})
    for field in entity.fields:
        assert field_label(entity, field.name), field.name
        text = display.value(field.name, _sample(field), record)
        assert text and text != "(empty)", field.name
        if field.kind == "money":
            currency = "EUR" if entity.field(field.currency) else (field.currency or "USD")
            assert text == f"1,234.56 {currency}"
        if field.kind == "date":
            assert text == "1/31/30"
        if field.choices:
            assert text != _sample(field) or field.choices[-1].label == _sample(field)
    assert display.value(entity.title, None, record) == "(empty)"
    display.close()


def test_ctrl_k_shares_its_rows_out_so_no_module_is_crowded_out(
    replica: Replica, qtbot: QtBot
) -> None:
    del qtbot  # a QApplication for the search field
    from common.sync import Change, PullResponse

    changes = [
        Change(entity="customer", id=f"c{n:02d}", op="upsert", version=n + 1,
               data={"id": f"c{n:02d}", "name": f"Zed Customer {n:02d}", "active": True})
        for n in range(10)
    ] + [
        Change(entity="deal", id="d1", op="upsert", version=20,
               data={"id": "d1", "title": "Zed deal", "client_id": "c00", "value": 1,
                     "stage": "LEAD"}),
    ]  # fmt: skip
    replica.apply_pull_page(
        PullResponse(
            changes=changes,
            cursor="c",
            has_more=False,
            phase="snapshot",
            reset=True,
            server_version=20,
        )
    )
    search = GlobalSearch(replica, limit=4)
    found = [(entity.name, row.id) for entity, row in search.matches("zed")]
    assert found == [("customer", "c00"), ("customer", "c01"), ("customer", "c02"), ("deal", "d1")]
    search.deleteLater()
