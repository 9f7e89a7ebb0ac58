"""The accountant's reports, computed from the replica (offline too), with CSV export.

Trial balance, general ledger, profit and loss, balance sheet and receivables
ageing: ``desktop.core.ledger.Book`` reads the replica's rows and hands them to
``common.ledger_reports``, the functions behind the server's
``/api/v1/reports/...``, so the numbers are the server's for the data pulled.
A period (from, to) or a date, a currency (or each currency in its own section:
amounts in different currencies are never added), an account for the general
ledger. Profit and loss also shows revenue, expenses and net income by month as a
bar chart. Export writes the server's CSV (``common.ledger_csv``) of what is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QValueAxis,
)
from PySide6.QtCore import QDate, QLocale, QSettings, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from common import ledger_csv
from common import ledger_reports as r
from common.ledger_csv import major_units
from desktop.core.kit.entity import QT_TRANSLATE_NOOP, Field, Ref
from desktop.core.ledger import Book
from desktop.core.modules import module, open_lookup
from desktop.core.replica import Replica
from desktop.ui.kit.display import language
from desktop.ui.kit.history import EditHistory
from desktop.ui.kit.money import money_text
from desktop.ui.kit.picker import LookupPicker

Cell = str | int | None  # text, cents, nothing
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def choose_csv_path(parent: QWidget, suggested: str) -> str:
    """Where to save the CSV ('' : cancelled; tests replace this function)."""
    path, _ = QFileDialog.getSaveFileName(
        parent, parent.tr("Export CSV"), suggested, parent.tr("CSV files (*.csv)")
    )
    return path


@dataclass(frozen=True)
class Line:
    """One row of a report's table: cells (cents are shown as money) and whether it totals."""

    cells: Sequence[Cell]
    total: bool = False
    heading: bool = False


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    period: bool  # from/to (else: one date, "at")
    account: bool = False  # the general ledger's account


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP("ReportsPage", source)


REPORTS: tuple[Report, ...] = (
    Report("trial_balance", _tr("Trial balance"), period=False),
    Report("general_ledger", _tr("General ledger"), period=True, account=True),
    Report("profit_and_loss", _tr("Profit and loss"), period=True),
    Report("balance_sheet", _tr("Balance sheet"), period=False),
    Report("receivables_ageing", _tr("Receivables ageing"), period=False),
)


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class ReportsPage(QWidget):
    """The reports page: a report, its period and currency, its table, the P&L chart."""

    status_message = Signal(str)

    def __init__(
        self,
        replica: Replica,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        history: EditHistory | None = None,
    ) -> None:
        super().__init__(parent)
        del settings, history  # nothing to edit, nothing to undo
        self.setObjectName("reportsPage")
        self.replica = replica
        self.book = Book(replica)
        self.report: BaseModel | None = None
        self._stale = True
        today = dt.datetime.now(dt.UTC).date()

        self.chooser = QComboBox(self)
        self.chooser.setObjectName("reportChooser")
        for report in REPORTS:
            self.chooser.addItem(self.tr(report.title), report.key)
        self.period = QComboBox(self)
        self.period.setObjectName("reportPeriod")
        for key, label in (
            ("this_month", self.tr("This month")),
            ("this_quarter", self.tr("This quarter")),
            ("this_year", self.tr("This year")),
            ("last_year", self.tr("Last year")),
            ("custom", self.tr("Custom")),
        ):
            self.period.addItem(label, key)
        self.from_edit = QDateEdit(self)
        self.from_edit.setObjectName("reportFrom")
        self.to_edit = QDateEdit(self)
        self.to_edit.setObjectName("reportTo")
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(QLocale().dateFormat(QLocale.FormatType.ShortFormat))
        self.from_label = QLabel(self.tr("From"), self)
        self.to_label = QLabel(self.tr("To"), self)
        self.currency = QComboBox(self)
        self.currency.setObjectName("reportCurrency")
        self.account_label = QLabel(self.tr("Account"), self)
        accounts = module("account")
        assert accounts is not None
        ref = Ref("account", detail=("code", "currency"))
        self._source = open_lookup(ref, replica, language())
        self.account = LookupPicker(
            Field("account_id", "Account", "ref", ref=ref, placeholder=self.tr("Code or name")),
            accounts,
            self._source,
            self,
        )
        self.account.setObjectName("reportAccount")
        self.export_button = QPushButton(self.tr("Export CSV…"), self)
        self.export_button.setObjectName("reportExport")
        self.export_button.clicked.connect(self.export_csv)

        bar = QHBoxLayout()  # which report, in which currency; export
        bar.addWidget(self.chooser)
        bar.addWidget(QLabel(self.tr("Currency"), self))
        bar.addWidget(self.currency)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        when = QHBoxLayout()  # the period or the date; the general ledger's account
        when.addWidget(self.period)
        when.addWidget(self.from_label)
        when.addWidget(self.from_edit)
        when.addWidget(self.to_label)
        when.addWidget(self.to_edit)
        when.addWidget(self.account_label)
        when.addWidget(self.account, 1)
        when.addStretch(0)

        self.heading = QLabel(self)
        self.heading.setObjectName("reportHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.summary = QLabel(self)
        self.summary.setObjectName("reportSummary")
        self.table = QTableWidget(self)
        self.table.setObjectName("reportTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(False)
        self.chart = QChart()
        self.chart.setObjectName("profitAndLossChart")
        self.chart_view = QChartView(self.chart, self)
        self.chart_view.setObjectName("profitAndLossChartView")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)
        self.body = QSplitter(Qt.Orientation.Vertical, self)
        self.body.addWidget(self.table)
        self.body.addWidget(self.chart_view)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addLayout(when)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.body, 1)

        self.set_period("this_year", today)
        self.chooser.currentIndexChanged.connect(lambda _i: self.recompute())
        self.period.currentIndexChanged.connect(lambda _i: self._period_chosen())
        self.from_edit.dateChanged.connect(lambda _d: self._dates_edited())
        self.to_edit.dateChanged.connect(lambda _d: self._dates_edited())
        self.currency.currentIndexChanged.connect(lambda _i: self.recompute())
        self.account.edited.connect(self.recompute)
        self.destroyed.connect(self._close)
        self.reload()

    def _close(self) -> None:
        self._source.close()
        self.book.close()

    # ------------------------------------------------------------ what the window calls

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Shown: the numbers as the replica has them now (an invoice paid meanwhile)."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """The replica changed (a pull, an edit): the currencies and the numbers again; a
        hidden page waits until it is shown."""
        if not self.isVisible():
            self._stale = True
            return
        self.reload()

    def reload(self) -> None:
        """The currencies of the chart, the account choices and the report, from the replica."""
        self._stale = False
        current = self.currency.currentData()
        blocked = self.currency.blockSignals(True)
        self.currency.clear()
        self.currency.addItem(self.tr("Each currency"), None)
        for code in self.book.currencies():
            self.currency.addItem(code, code)
        self.currency.setCurrentIndex(max(self.currency.findData(current), 0))
        self.currency.blockSignals(blocked)
        self.account.refresh()
        self.recompute()

    # ------------------------------------------------------------ choices

    def chosen(self) -> Report:
        key = self.chooser.currentData()
        return next(x for x in REPORTS if x.key == key)

    def choose(self, key: str) -> None:
        self.chooser.setCurrentIndex(self.chooser.findData(key))

    def set_period(self, key: str, today: dt.date | None = None) -> None:
        """A preset period (this_month, this_quarter, this_year, last_year) or custom dates."""
        today = today or dt.datetime.now(dt.UTC).date()
        start, end = today.replace(month=1, day=1), today.replace(month=12, day=31)
        if key == "this_month":
            start = today.replace(day=1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        elif key == "this_quarter":
            first = 3 * ((today.month - 1) // 3) + 1
            start = today.replace(month=first, day=1)
            end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
        elif key == "last_year":
            start, end = start.replace(year=today.year - 1), end.replace(year=today.year - 1)
        self._set_dates(start, end, key)

    def set_dates(self, start: dt.date, end: dt.date) -> None:
        """A custom period (for a date report, ``end`` is its date)."""
        self._set_dates(start, end, "custom")

    def _set_dates(self, start: dt.date, end: dt.date, key: str) -> None:
        for widget in (self.period, self.from_edit, self.to_edit):
            widget.blockSignals(True)
        self.period.setCurrentIndex(self.period.findData(key))
        self.from_edit.setDate(_qdate(start))
        self.to_edit.setDate(_qdate(end))
        for widget in (self.period, self.from_edit, self.to_edit):
            widget.blockSignals(False)
        self.recompute()

    def _period_chosen(self) -> None:
        key = self.period.currentData()
        if key != "custom":
            self.set_period(key)

    def _dates_edited(self) -> None:
        blocked = self.period.blockSignals(True)
        self.period.setCurrentIndex(self.period.findData("custom"))
        self.period.blockSignals(blocked)
        self.recompute()

    # ------------------------------------------------------------ computing and showing

    def compute(self) -> BaseModel | None:
        """The chosen report over the replica (None: the general ledger without an account)."""
        report = self.chosen()
        start, end = _date(self.from_edit.date()), _date(self.to_edit.date())
        currency = self.currency.currentData()
        if report.key == "trial_balance":
            return self.book.trial_balance(end, currency)
        if report.key == "general_ledger":
            account_id = self.account.value()
            return self.book.general_ledger(account_id, start, end) if account_id else None
        if report.key == "profit_and_loss":
            return self.book.profit_and_loss(start, end, currency)
        if report.key == "balance_sheet":
            return self.book.balance_sheet(end, currency)
        return self.book.receivables_ageing(end, currency)

    def recompute(self) -> None:
        report = self.chosen()
        for widget in (self.from_label, self.from_edit):
            widget.setVisible(report.period)
        self.to_label.setText(self.tr("To") if report.period else self.tr("At"))
        self.account_label.setVisible(report.account)
        self.account.setVisible(report.account)
        self.currency.setEnabled(not report.account)
        self.report = self.compute()
        self.heading.setText(self._heading(report))
        headers, lines, summary = self.render(self.report)
        self.summary.setText(summary)
        self._fill(headers, lines)
        self._chart(self.report if isinstance(self.report, r.ProfitAndLoss) else None)
        self.export_button.setEnabled(self.report is not None)

    def _heading(self, report: Report) -> str:
        locale = QLocale()
        fmt = QLocale.FormatType.LongFormat
        end = locale.toString(self.to_edit.date(), fmt)
        if report.period:
            start = locale.toString(self.from_edit.date(), fmt)
            return (
                self.tr("%1, %2 - %3")
                .replace("%1", self.tr(report.title))
                .replace("%2", start)
                .replace("%3", end)
            )
        return self.tr("%1 at %2").replace("%1", self.tr(report.title)).replace("%2", end)

    def render(self, report: BaseModel | None) -> tuple[list[str], list[Line], str]:
        """The table's headers, its rows and a one-line summary of ``report``."""
        if report is None:
            return [], [], self.tr("Choose an account (by code or name)")
        renderers: dict[type, Callable[[Any], tuple[list[str], list[Line], str]]] = {
            r.TrialBalance: self._trial_balance,
            r.GeneralLedger: self._general_ledger,
            r.ProfitAndLoss: self._profit_and_loss,
            r.BalanceSheet: self._balance_sheet,
            r.ReceivablesAgeing: self._ageing,
        }
        return renderers[type(report)](report)

    def _fill(self, headers: list[str], lines: list[Line]) -> None:
        locale = QLocale()
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(lines))
        currency = ""
        for row, line in enumerate(lines):
            if line.heading:
                currency = str(line.cells[0])
            for column, value in enumerate(line.cells):
                if isinstance(value, int):
                    item = QTableWidgetItem(money_text(locale, value, currency or "USD"))
                    item.setTextAlignment(RIGHT)
                else:
                    item = QTableWidgetItem("" if value is None else str(value))
                if line.total or line.heading:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if headers:
            header.setSectionResizeMode(min(1, len(headers) - 1), QHeaderView.ResizeMode.Stretch)

    def cells(self) -> list[list[str]]:
        """The table as shown (for tests and the eye)."""
        return [
            [
                (self.table.item(row, c).text() if self.table.item(row, c) else "")  # type: ignore[union-attr]
                for c in range(self.table.columnCount())
            ]
            for row in range(self.table.rowCount())
        ]

    # ------------------------------------------------------------ each report as rows

    def _trial_balance(self, report: r.TrialBalance) -> tuple[list[str], list[Line], str]:
        headers = [self.tr("Code"), self.tr("Account"), self.tr("Debit"), self.tr("Credit")]
        lines: list[Line] = []
        for c in report.currencies:
            lines.append(Line([c.currency, "", None, None], heading=True))
            lines += [Line([x.code, x.name, x.debit or None, x.credit or None]) for x in c.rows]
            lines.append(Line(["", self.tr("Total"), c.total_debit, c.total_credit], total=True))
        balanced = all(c.difference == 0 for c in report.currencies)
        summary = (
            self.tr("Debits equal credits in every currency")
            if balanced
            else self.tr("Out of balance: debits and credits differ")
        )
        return headers, lines, summary if report.currencies else self.tr("No postings yet")

    def _general_ledger(self, report: r.GeneralLedger) -> tuple[list[str], list[Line], str]:
        headers = [
            self.tr("Date"), self.tr("Description"), self.tr("Number"),
            self.tr("Debit"), self.tr("Credit"), self.tr("Balance"),
        ]  # fmt: skip
        locale = QLocale()
        short = QLocale.FormatType.ShortFormat
        lines = [
            Line([report.currency, f"{report.code} {report.name}", "", None, None, None],
                 heading=True),
            Line(["", self.tr("Opening balance"), "", None, None, report.opening_balance],
                 total=True),
        ]  # fmt: skip
        for x in report.lines:
            day = locale.toString(_qdate(x.date), short)
            lines.append(
                Line([day, x.description or "", x.number, x.debit or None, x.credit or None,
                      x.balance])
            )  # fmt: skip
        lines.append(
            Line(["", self.tr("Closing balance"), "", report.total_debit, report.total_credit,
                  report.closing_balance], total=True)
        )  # fmt: skip
        summary = self.tr("%n line(s)", "", len(report.lines))
        return headers, lines, summary

    def _profit_and_loss(self, report: r.ProfitAndLoss) -> tuple[list[str], list[Line], str]:
        headers = [self.tr("Code"), self.tr("Account"), self.tr("Amount")]
        lines: list[Line] = []
        for c in report.currencies:
            lines.append(Line([c.currency, "", None], heading=True))
            lines.append(Line(["", self.tr("Revenue"), None], total=True))
            lines += [Line([a.code, a.name, a.amount]) for a in c.revenue]
            lines.append(Line(["", self.tr("Total revenue"), c.total_revenue], total=True))
            lines.append(Line(["", self.tr("Expenses"), None], total=True))
            lines += [Line([a.code, a.name, a.amount]) for a in c.expenses]
            lines.append(Line(["", self.tr("Total expenses"), c.total_expenses], total=True))
            lines.append(Line(["", self.tr("Net income"), c.net_income], total=True))
        summary = "   ".join(
            self.tr("Net income %1").replace("%1", money_text(QLocale(), c.net_income, c.currency))
            for c in report.currencies
        )
        return headers, lines, summary or self.tr("No revenue or expenses in the period")

    def _balance_sheet(self, report: r.BalanceSheet) -> tuple[list[str], list[Line], str]:
        headers = [self.tr("Code"), self.tr("Account"), self.tr("Amount")]
        lines: list[Line] = []
        for c in report.currencies:
            lines.append(Line([c.currency, "", None], heading=True))
            for title, items, total in (
                (self.tr("Assets"), c.assets, c.total_assets),
                (self.tr("Liabilities"), c.liabilities, c.total_liabilities),
                (self.tr("Equity"), c.equity, c.total_equity),
            ):
                lines.append(Line(["", title, None], total=True))
                lines += [Line([a.code, a.name, a.amount]) for a in items]
                lines.append(
                    Line(["", self.tr("Total %1").replace("%1", title), total], total=True)
                )
            lines.append(Line(["", self.tr("Current result"), c.current_result]))
            lines.append(
                Line(["", self.tr("Liabilities, equity and current result"),
                      c.total_liabilities_and_equity], total=True)
            )  # fmt: skip
        balanced = all(c.balanced for c in report.currencies)
        summary = (
            self.tr("Assets equal liabilities, equity and the current result")
            if balanced
            else self.tr("Out of balance")
        )
        return headers, lines, summary if report.currencies else self.tr("No postings yet")

    def _ageing(self, report: r.ReceivablesAgeing) -> tuple[list[str], list[Line], str]:
        headers = [
            self.tr("Customer"), self.tr("0-30 days"), self.tr("31-60 days"),
            self.tr("61-90 days"), self.tr("Over 90 days"), self.tr("Total"),
        ]  # fmt: skip

        def cells(x: r.AgeingRow, name: str) -> list[Cell]:
            return [name, x.days_0_30, x.days_31_60, x.days_61_90, x.days_90_plus, x.total]

        lines: list[Line] = []
        for c in report.currencies:
            lines.append(Line([c.currency, None, None, None, None, None], heading=True))
            lines += [Line(cells(x, x.customer_name)) for x in c.customers]
            lines.append(Line(cells(c.totals, self.tr("Total")), total=True))
        return headers, lines, "" if report.currencies else self.tr("Nothing is owed")

    # ------------------------------------------------------------ the chart

    def _chart(self, report: r.ProfitAndLoss | None) -> None:
        """Revenue, expenses and net income by month, in the chosen (or first) currency."""
        self.chart_view.setVisible(report is not None)
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        if report is None or not report.currencies:
            return
        part = report.currencies[0]
        dark = self.palette().color(QPalette.ColorRole.Base).lightnessF() < 0.5
        self.chart.setTheme(
            QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight
        )
        self.chart.setBackgroundBrush(self.palette().brush(QPalette.ColorRole.Base))
        self.chart.setTitleBrush(self.palette().brush(QPalette.ColorRole.Text))
        self.chart.setTitle(self.tr("By month (%1)").replace("%1", part.currency))
        series = QBarSeries()
        locale = QLocale()
        sets = []
        for label, values in (
            (self.tr("Revenue"), [m.revenue for m in part.months]),
            (self.tr("Expenses"), [m.expenses for m in part.months]),
            (self.tr("Net income"), [m.net_income for m in part.months]),
        ):
            bars = QBarSet(label)
            for cents in values:
                bars.append(float(major_units(cents, part.currency)))
            series.append(bars)
            sets.append(bars)
        self.chart.addSeries(series)
        months = QBarCategoryAxis()
        months.append(
            [
                locale.toString(QDate(int(m.month[:4]), int(m.month[5:]), 1), "MMM yyyy")
                for m in part.months
            ]
        )
        self.chart.addAxis(months, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(months)
        amounts = QValueAxis()
        amounts.setLabelFormat("%.0f")
        amounts.setTitleText(part.currency)
        self.chart.addAxis(amounts, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(amounts)
        amounts.applyNiceNumbers()
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.legend().setLabelBrush(self.palette().brush(QPalette.ColorRole.Text))

    def chart_values(self) -> dict[str, list[float]]:
        """The chart's bars by set label (for tests)."""
        out: dict[str, list[float]] = {}
        for series in self.chart.series():
            assert isinstance(series, QBarSeries)
            for bars in series.barSets():
                out[bars.label()] = [bars.at(i) for i in range(bars.count())]
        return out

    # ------------------------------------------------------------ export

    def csv_text(self) -> str:
        """The shown report as the server's CSV ('' : nothing shown)."""
        writers: dict[type, Callable[[Any], str]] = {
            r.TrialBalance: ledger_csv.trial_balance_csv,
            r.GeneralLedger: ledger_csv.general_ledger_csv,
            r.ProfitAndLoss: ledger_csv.profit_and_loss_csv,
            r.BalanceSheet: ledger_csv.balance_sheet_csv,
            r.ReceivablesAgeing: ledger_csv.receivables_ageing_csv,
        }
        return writers[type(self.report)](self.report) if self.report is not None else ""

    def export_csv(self) -> str | None:
        """Save the shown report as CSV where the user says; the path, or None."""
        text = self.csv_text()
        if not text:
            return None
        name = f"{self.chosen().key.replace('_', '-')}-{_date(self.to_edit.date())}.csv"
        path = choose_csv_path(self, name)
        if not path:
            return None
        Path(path).write_text(text, encoding="utf-8", newline="")
        self.status_message.emit(self.tr("Saved as %1").replace("%1", path))
        return path


__all__ = ["REPORTS", "ReportsPage", "choose_csv_path"]
