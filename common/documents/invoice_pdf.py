"""An invoice as a PDF: seller, customer and billing address, lines, tax per rate, totals, status.

``render_invoice(invoice, company)`` takes the wire read (``common.invoices.InvoiceRead``),
so the server renders what it serves and the desktop renders what its replica
holds, through the same code. Money is formatted for the invoice's currency
(its minor units from CLDR: cents, or none for JPY) in the given locale; a
draft is marked DRAFT on every page; an offline draft without a number says
"Draft" where the number goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from common.invoices import InvoiceRead

FONT = "DejaVu"
_FONTS = resources.files("common.documents") / "fonts"


@dataclass(frozen=True)
class Company:
    """The seller, as the server's settings name it."""

    name: str
    address: str = ""  # lines separated by "\n"


def money(cents: int, currency: str, locale: str = "en_US") -> str:
    """Integer minor units as the currency is written in ``locale`` ("$1,500.00", "1.500,00 €")."""
    units = Decimal(cents).scaleb(-get_currency_precision(currency))
    return format_currency(units, currency, locale=locale)


def _day(value: date | None, locale: str) -> str:
    return format_date(value, format="medium", locale=locale) if value else "—"


def _address_lines(invoice: InvoiceRead) -> list[str]:
    a = invoice.billing_address
    if a is None:
        return []
    city = " ".join(p for p in (a.postal_code, a.city) if p)
    region = ", ".join(p for p in (city, a.region) if p)
    return [line for line in (a.street, region, a.country_code) if line]


class _Page(FPDF):
    def __init__(self, draft: bool) -> None:
        super().__init__(format="A4")
        self.draft = draft
        font_dir = Path(str(_FONTS))
        self.add_font(FONT, "", str(font_dir / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(font_dir / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def header(self) -> None:
        if self.draft:
            self.set_font(FONT, "B", 40)
            self.set_text_color(200, 60, 60)
            self.set_xy(self.l_margin, 8)
            self.cell(self.epw, 18, "DRAFT", align=Align.R)
            self.set_text_color(0, 0, 0)
            self.set_xy(self.l_margin, self.t_margin)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(self.epw, 5, f"{self.page_no()}/{{nb}}", align=Align.C)
        self.set_text_color(0, 0, 0)


def render_invoice(invoice: InvoiceRead, company: Company, *, locale: str = "en_US") -> bytes:
    """The invoice as PDF bytes (A4, fonts embedded)."""
    pdf = _Page(draft=invoice.status == "draft")
    pdf.set_title(f"Invoice {invoice.number or 'Draft'}")
    pdf.set_author(company.name)
    pdf.alias_nb_pages()
    pdf.add_page()
    cur = invoice.currency

    def m(cents: int) -> str:
        return money(cents, cur, locale)

    # Seller and title.
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(pdf.epw / 2, 7, company.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    for text_line in company.address.splitlines():
        pdf.cell(pdf.epw / 2, 4.5, text_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(
        pdf.epw, 10, f"Invoice {invoice.number or 'Draft'}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )

    # Customer on the left, dates and status on the right.
    top = pdf.get_y() + 2
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(90, 5, "Bill to", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(90, 5, invoice.customer_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    for text_line in _address_lines(invoice):
        pdf.multi_cell(90, 4.5, text_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_end = pdf.get_y()
    facts = [
        ("Number", invoice.number or "Draft"),
        ("Issue date", _day(invoice.issue_date, locale)),
        ("Due date", _day(invoice.due_date, locale)),
        ("Status", invoice.status.upper()),
        ("Currency", cur),
    ]
    pdf.set_xy(pdf.l_margin + 100, top)
    for label, value in facts:
        pdf.set_x(pdf.l_margin + 100)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(30, 5, label)
        pdf.set_font(FONT, "", 9)
        pdf.cell(pdf.epw - 130, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_end, pdf.get_y()) + 6)

    # Lines.
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=(8, 70, 14, 30, 18, 32),
        text_align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
    ) as table:
        table.row(["#", "Description", "Qty", "Unit price", "Tax", "Amount"])
        for i, line in enumerate(invoice.lines, start=1):
            text = line.description or ""
            if line.sku:
                text = f"{text}\n{line.sku}" if text else line.sku
            tax = f"{Decimal(line.tax_basis_points) / 100:g} %" if line.tax_rate else "—"
            table.row([str(i), text, str(line.quantity), m(line.unit_price), tax, m(line.subtotal)])
    pdf.ln(4)

    # Totals, right-aligned.
    rows: list[tuple[str, str, bool]] = [("Subtotal", m(invoice.subtotal), False)]
    rows += [(f"{t.name} on {m(t.base)}", m(t.tax), False) for t in invoice.taxes]
    rows += [
        ("Total", m(invoice.total), True),
        ("Paid", m(invoice.amount_paid), False),
        ("Balance due", m(invoice.balance_due), True),
    ]
    for label, value, strong in rows:
        pdf.set_x(pdf.l_margin + pdf.epw - 110)
        pdf.set_font(FONT, "B" if strong else "", 10 if strong else 9)
        pdf.cell(70, 6, label, align=Align.R)
        pdf.cell(40, 6, value, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if invoice.payments:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(pdf.epw, 5, "Payments", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        for p in invoice.payments:
            ref = f" · {p.reference}" if p.reference else ""
            pdf.cell(
                pdf.epw,
                5,
                f"{_day(p.paid_on, locale)} · {m(p.amount)} · {p.method.replace('_', ' ')}{ref}",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
    if invoice.notes:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(pdf.epw, 5, "Notes", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(pdf.epw, 4.5, invoice.notes, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
