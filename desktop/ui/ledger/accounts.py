"""The chart of accounts: the kit's record page with the accounts as a tree, with balances.

The tree shows the rows the list's filters keep (text, type, status), each under
its parent, with its balance from the replica's posted entries on the account's
normal side; a parent's includes its sub-accounts'. Everything else — the
form and its checks by the server's schemas, saving, activate/deactivate, undo —
is the kit's; the form also refuses a parent of another type, or one under the
account itself, while the user picks it (the server's rule, checked here first).
"""

from __future__ import annotations

from PySide6.QtCore import QLocale, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core import accounts
from desktop.core.kit.listing import ListRow
from desktop.core.ledger import Account, Book, rolled_up
from desktop.core.replica import Replica
from desktop.ui.kit.display import tr
from desktop.ui.kit.history import EditHistory
from desktop.ui.kit.model import look_brush
from desktop.ui.kit.money import money_text
from desktop.ui.kit.page import RecordPage

CODE, NAME, TYPE, CURRENCY, BALANCE, STATUS = range(6)
ID_ROLE = Qt.ItemDataRole.UserRole


class AccountsPage(RecordPage):
    """The chart as a tree beside the form of the current account."""

    table_in_list = False

    def __init__(
        self,
        replica: Replica,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        history: EditHistory | None = None,
    ) -> None:
        self.book = Book(replica)
        super().__init__(accounts.ENTITY, replica, parent, settings=settings, history=history)
        self.destroyed.connect(self.book.close)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        for name in ("parent_id", "type"):
            self.form.editors[name].edited.connect(self.check_parent)
        self.reload_rows()

    # ------------------------------------------------------------ the kit's hooks

    def build_browser(self) -> QWidget:
        """The list's filter bar over the tree."""
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("accountTree")
        self.tree.setColumnCount(6)
        self.tree.setHeaderLabels(
            [
                tr(self.entity, "Code"),
                tr(self.entity, "Name"),
                tr(self.entity, "Type"),
                tr(self.entity, "Currency"),
                self.tr("Balance"),
                tr(self.entity, "Status"),
            ]
        )
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (CODE, 140),
            (TYPE, 80),
            (CURRENCY, 65),
            (BALANCE, 110),
            (STATUS, 70),
        ):
            header.resizeSection(column, width)
        self.tree.currentItemChanged.connect(self._tree_current)
        self.model.modelReset.connect(self._reload_tree)
        self.list_view.table.hide()  # the tree shows the rows; the table keeps the model's
        browser = QWidget(self)
        self.list_view.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(browser)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list_view)
        layout.addWidget(self.tree, 1)
        return browser

    def reload_rows(self) -> None:
        self.model.reload()  # its reset rebuilds the tree (_reload_tree)

    def select(self, record_id: str | None, *, reveal: bool = False) -> None:
        self.list_view.select_id(record_id, reveal=reveal)
        item = self._items.get(record_id or "") if hasattr(self, "_items") else None
        blocked = self.tree.blockSignals(True)
        try:
            self.tree.setCurrentItem(item)  # type: ignore[arg-type]
            if item is None:
                self.tree.clearSelection()
        finally:
            self.tree.blockSignals(blocked)

    def save(self) -> bool:
        if self._form_open and not self.check_parent():
            self.status_message.emit(self.tr("Not saved: correct the marked fields"))
            return False
        return super().save()

    # ------------------------------------------------------------ the tree

    def _reload_tree(self) -> None:
        chart = self.book.accounts()
        balances = rolled_up(chart, self.book.balances())
        rows = self.rows.rows(self.model.query)
        shown = {r.id for r in rows}
        by_id = {a.id: a for a in chart}
        locale = QLocale()
        # Rebuilt quietly: the current item changes on the way, the user's choice does not.
        blocked = self.tree.blockSignals(True)
        try:
            self._fill_tree(rows, shown, by_id, balances, locale)
        finally:
            self.tree.blockSignals(blocked)
        if self._current_id:
            self.select(self._current_id)

    def _fill_tree(
        self,
        rows: list[ListRow],
        shown: set[str],
        by_id: dict[str, Account],
        balances: dict[str, int],
        locale: QLocale,
    ) -> None:
        self.tree.clear()
        self._items: dict[str, QTreeWidgetItem] = {}
        status = self.entity.status
        assert status is not None
        for row in sorted(rows, key=lambda r: str(r["code"])):
            item = QTreeWidgetItem()
            account = by_id.get(row.id)
            balance = balances.get(row.id, 0)
            state = status.state(row["active"])
            item.setText(CODE, str(row["code"]))
            item.setText(NAME, str(row["name"]))
            choice = next((c for c in accounts.TYPE_CHOICES if c.value == row["type"]), None)
            item.setText(TYPE, tr(self.entity, choice.label) if choice else str(row["type"]))
            item.setText(CURRENCY, str(row["currency"]))
            item.setText(BALANCE, money_text(locale, balance, str(row["currency"]) or "USD"))
            item.setTextAlignment(
                BALANCE, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
            item.setText(STATUS, tr(self.entity, state.label) if state else "")
            if state is not None and state.look == "muted":
                for column in range(6):
                    item.setForeground(column, look_brush("muted", self.palette()))
            if row.pending:
                item.setToolTip(NAME, self.tr("Waiting to be sent to the server"))
            item.setData(CODE, ID_ROLE, row.id)
            self._items[row.id] = item
            item.setData(NAME, ID_ROLE, account.parent_id if account else None)
        for item in self._items.values():
            parent_id = item.data(NAME, ID_ROLE)
            parent = self._items.get(parent_id) if parent_id in shown else None
            if parent is not None and parent is not item:
                parent.addChild(item)
            else:
                self.tree.addTopLevelItem(item)
        self.tree.expandAll()
        self.tree.sortItems(CODE, Qt.SortOrder.AscendingOrder)

    def _tree_current(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        self.current_changed(str(item.data(CODE, ID_ROLE)) if item is not None else "")

    def balance_text(self, record_id: str) -> str:
        """The balance the tree shows for an account ('' : not shown)."""
        item = self._items.get(record_id)
        return item.text(BALANCE) if item is not None else ""

    # ------------------------------------------------------------ the parent's rule

    def check_parent(self) -> bool:
        """Show (or clear) why the chosen parent cannot be; True when it can."""
        if not self._form_open or not self.form.may_edit("parent_id"):
            return True
        values = {n: self.form.editors[n].value() for n in ("parent_id", "type")}
        chart = {a.id: {"parent_id": a.parent_id, "type": a.type} for a in self.book.accounts()}
        problem = accounts.parent_problem(values, self._current_id, chart)
        label = self.form.errors["parent_id"]
        if problem is None:
            label.hide()
            return True
        text, kind = problem
        choice = next((c for c in accounts.TYPE_CHOICES if c.value == kind), None)
        label.setText(
            tr(self.entity, text).replace("%1", tr(self.entity, choice.label) if choice else kind)
        )
        label.show()
        return False
