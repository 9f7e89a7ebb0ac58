"""``GET /api/v1/invoices/:id/pdf``: the invoice printed by the one renderer (``common.documents``).

``GET /api/v1/company``: the seller those documents name (the server's settings), so a
desktop prints the same document from its replica, offline too.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from common.documents import Company, render_invoice
from server.auth.principal import Principal
from server.deps import CtxDep, Require, SessionDep
from server.invoices import service
from server.invoices.reads import invoice_read
from server.openapi import errors

router = APIRouter(prefix="/api/v1/invoices", tags=["Invoices"])
company_router = APIRouter(prefix="/api/v1/company", tags=["Invoices"])


class CompanyRead(BaseModel):
    """The seller printed on invoices (``CRM_COMPANY_NAME``, ``CRM_COMPANY_ADDRESS``)."""

    name: str
    address: str = Field(description="Lines separated by \\n")


@company_router.get(
    "",
    response_model=CompanyRead,
    responses=errors(401, 403),
    summary="The seller named on invoices (for printing them from a replica)",
)
def company(_: Annotated[Principal, Require("invoices:read")], ctx: CtxDep) -> CompanyRead:
    return CompanyRead(name=ctx.settings.company_name, address=ctx.settings.company_address)


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
