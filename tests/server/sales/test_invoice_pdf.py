"""``GET /invoices/:id/pdf``: the one renderer's PDF, read back with pdftotext (poppler-utils)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api
from tests.factories import create_customer, expect_error

CUSTOMER = "ТОВ «Ромашка» Київ"  # noqa: RUF001 - Ukrainian text is the point
SELLER = {"company_name": "Skeleton Trading GmbH", "company_address": "Hauptstraße 5\n10115 Berlin"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(SELLER)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text, laid out as on the page."""
    assert shutil.which("pdftotext"), "pdftotext missing: scripts/test.sh installs poppler-utils"
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout


def embedded_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[2:]


def test_invoice_pdf_shows_number_customer_lines_and_totals(admin: Api, tmp_path: Path) -> None:
    customer = create_customer(
        admin,
        name=CUSTOMER,
        currency="EUR",
        addresses=[
            {
                "type": "billing",
                "street": "Müllerstraße 12",
                "city": "München",
                "postal_code": "80331",
                "country": "DE",
            }
        ],
    )
    r = admin.post(
        "/api/v1/invoices",
        json={
            "customer_id": customer["id"],
            "due_date": "2099-02-15",
            "notes": "Дякуємо! Vielen Dank für Ihren Auftrag.",
            "lines": [
                {
                    "description": "Консультаційні послуги",
                    "quantity": 10,
                    "unit_price": 15000,
                    "tax_rate": "vat_20",
                },
                {
                    "description": "Softwarelizenz Größe XL",
                    "quantity": 1,
                    "unit_price": 5000,
                    "tax_rate": "vat_19",
                },
            ],
        },
    )
    assert r.status_code == 201, r.text
    invoice = r.json()
    # A draft prints marked DRAFT.
    draft = admin.get(f"/api/v1/invoices/{invoice['id']}/pdf")
    assert draft.status_code == 200 and draft.headers["content-type"] == "application/pdf"
    assert "DRAFT" in pdf_text(draft.content, tmp_path)

    admin.post(f"/api/v1/invoices/{invoice['id']}/send")
    admin.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        json={"amount": 50000, "currency": "EUR", "method": "bank_transfer", "reference": "TXN-1"},
    )
    r = admin.get(f"/api/v1/invoices/{invoice['id']}/pdf")
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF-")
    assert f'filename="{invoice["number"]}.pdf"' in r.headers["content-disposition"]
    text = pdf_text(r.content, tmp_path)
    # 150000 + 20 % = 180000; 5000 + 19 % = 5950; total 185950; paid 50000; due 135950.
    for expected in (
        invoice["number"],
        "Skeleton Trading GmbH",
        "Hauptstraße 5",
        CUSTOMER,
        "Müllerstraße 12",
        "80331 München",
        "Консультаційні послуги",
        "Softwarelizenz Größe XL",
        "€1,500.00",  # line 1
        "€1,550.00",  # subtotal
        "VAT 20 % on €1,500.00",
        "€300.00",
        "VAT 19 % on €50.00",
        "€9.50",
        "€1,859.50",  # total
        "€500.00",  # paid
        "€1,359.50",  # balance due
        "SENT",
        "Дякуємо! Vielen Dank für Ihren Auftrag.",
    ):
        assert expected in text, (expected, text)
    assert "DRAFT" not in text
    # The fonts travel inside the file.
    fonts = embedded_fonts(r.content, tmp_path)
    assert fonts and all(" yes " in line for line in fonts), fonts
    # German number formatting on request.
    german = admin.get(f"/api/v1/invoices/{invoice['id']}/pdf", params={"locale": "de_DE"})
    assert "1.859,50 €" in pdf_text(german.content, tmp_path)


def test_invoice_pdf_errors(admin: Api) -> None:
    expect_error(
        admin.get("/api/v1/invoices/01900000-0000-7000-8000-000000000000/pdf"), 404, "not_found"
    )
    customer = create_customer(admin)
    invoice = admin.post("/api/v1/invoices", json={"customer_id": customer["id"]}).json()
    expect_error(
        admin.get(f"/api/v1/invoices/{invoice['id']}/pdf", params={"locale": "xx"}),
        422,
        "validation_error",
    )
    anonymous = Api(base_url=str(admin.base_url))
    expect_error(anonymous.get(f"/api/v1/invoices/{invoice['id']}/pdf"), 401, "unauthorized")
