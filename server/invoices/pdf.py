"""``GET /api/v1/invoices/:id/pdf``: the invoice printed by the one renderer (``common.documents``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from common.documents import Company, render_invoice
from server.auth.principal import Principal
from server.deps import CtxDep, Require, SessionDep
from server.invoices import service
from server.invoices.reads import invoice_read
from server.openapi import errors

router = APIRouter(prefix="/api/v1/invoices", tags=["Invoices"])
Locale = Literal["en_US", "en_GB", "de_DE", "uk_UA"]


@router.get(
    "/{id}/pdf",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The invoice as PDF",
        },
        **errors(401, 403, 404, 422),
    },
    summary="The invoice as a PDF (the seller from the server's settings; DRAFT on drafts)",
)
def invoice_pdf(
    id: str,
    _: Annotated[Principal, Require("invoices:read")],
    session: SessionDep,
    ctx: CtxDep,
    locale: Annotated[Locale, Query(description="How money and dates are written")] = "en_US",
) -> Response:
    invoice = invoice_read(service.get(session=session, actor=None, id=id))
    settings = ctx.settings
    body = render_invoice(
        invoice, Company(settings.company_name, settings.company_address), locale=locale
    )
    name = invoice.number or invoice.id
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )
