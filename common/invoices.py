"""Invoices (spec section Invoices): numbered by the server, sent, paid in parts, cancelled.

The server numbers an invoice when it reaches it (``INV-<year>-<nnn>``, gapless
per year); a draft made offline has no number until then. Status moves only by
commands, along :data:`TRANSITIONS`: ``send`` (draft → sent, needs a line),
``payments`` (not on a draft or cancelled invoice, > 0, the invoice's currency,
never more than the balance due; the payment that reaches the total makes it
``paid``, a partial one keeps the status) and ``cancel`` (refused once anything
is paid). A sent invoice past its due date reads as ``overdue``
(:func:`shown_status`) and can still be paid. Lines change only in draft;
totals come from the lines (``common.lines``), never from a client.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictInt,
    field_validator,
    model_validator,
)

from common.addresses import AddressValues
from common.api import Page, PageQuery, Strict
from common.kit import NoArgs, PartialUpdate, clean_text
from common.lines import MAX_LINES, LineInput, LineRead, TaxLine, check_currency, check_line_id
from common.rules import CURRENCY, not_null
from common.validation import normalize_currency

InvoiceStatus = Literal["draft", "sent", "overdue", "paid", "cancelled"]
INVOICE_STATUSES: tuple[InvoiceStatus, ...] = ("draft", "sent", "overdue", "paid", "cancelled")
# Stored statuses; "overdue" is how a sent invoice past its due date reads.
STORED_STATUSES: tuple[InvoiceStatus, ...] = ("draft", "sent", "paid", "cancelled")
FINAL: frozenset[InvoiceStatus] = frozenset({"paid", "cancelled"})
TRANSITIONS: dict[InvoiceStatus, frozenset[InvoiceStatus]] = {
    "draft": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"paid", "overdue", "cancelled"}),
    "overdue": frozenset({"paid", "cancelled"}),
    "paid": frozenset(),
    "cancelled": frozenset(),
}
# Statuses a payment may be recorded in.
PAYABLE: frozenset[InvoiceStatus] = frozenset({"sent", "overdue"})
PaymentMethod = Literal["bank_transfer", "card", "cash", "cheque", "other"]
PAYMENT_METHODS: tuple[PaymentMethod, ...] = ("bank_transfer", "card", "cash", "cheque", "other")
NUMBER_PREFIX = "INV"
NOTES_LIMIT = 10_000
REFERENCE_LIMIT = 100


def can_move(current: InvoiceStatus, target: InvoiceStatus) -> bool:
    """Whether an invoice reading ``current`` may move to ``target``."""
    return target in TRANSITIONS[current]


def shown_status(status: InvoiceStatus, due_date: date | None, today: date) -> InvoiceStatus:
    """How an invoice reads today: a sent one past its due date is ``overdue``."""
    if status == "sent" and due_date is not None and due_date < today:
        return "overdue"
    return status


def format_number(year: int, n: int) -> str:
    """``INV-2026-001``: at least three digits, more once a year passes 999 invoices."""
    return f"{NUMBER_PREFIX}-{year}-{n:03d}"


class InvoiceLineInput(LineInput):
    """An invoice line: a description (or a catalog item that gives one) and a price."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "description": "Additional service",
                    "quantity": 5,
                    "unit_price": 2000,
                    "currency": "USD",
                }
            ]
        },
    )

    @model_validator(mode="after")
    def _described(self) -> InvoiceLineInput:
        if self.item_id is None:
            missing = {}
            if self.description is None:
                missing["description"] = "A line needs a description (or a catalog item)"
            if self.unit_price is None:
                missing["unit_price"] = "A line needs a unit price (or a catalog item)"
            if missing:
                raise ValueError("; ".join(missing.values()))
        return self


_LINES_EXAMPLE: list[JsonValue] = [
    {"description": "Consulting services", "quantity": 10, "unit_price": 15000, "currency": "USD"},
    {"description": "Software license", "quantity": 1, "unit_price": 5000, "currency": "USD"},
]


class InvoiceCreate(Strict):
    """``POST /invoices`` (the spec's example); a replica's offline draft is the same body."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer_id": "0193...",
                    "due_date": "2026-02-15",
                    "notes": "Thank you for your business",
                    "lines": _LINES_EXAMPLE,
                }
            ]
        },
    )

    customer_id: str = Field(max_length=36)
    due_date: date | None = None
    notes: str | None = Field(default=None, max_length=NOTES_LIMIT)
    currency: str | None = Field(
        default=None,
        json_schema_extra={
            **CURRENCY,
            "description": "Defaults to the lines' currency, else the customer's",
        },
    )
    lines: list[InvoiceLineInput] = Field(default_factory=list, max_length=MAX_LINES)

    _currency = field_validator("currency")(check_currency)

    @field_validator("notes")
    @classmethod
    def _notes(cls, v: str | None) -> str | None:
        return clean_text(v, NOTES_LIMIT)


class InvoiceUpdate(PartialUpdate):
    """``PATCH /invoices/:id``: in draft, anything; ``lines`` replaces the whole list.

    A line sent with the id of an existing line keeps that id. Once issued
    (sent, overdue) only ``notes`` and ``due_date`` may change, and once paid or
    cancelled only ``notes`` (409 otherwise); never the status or the number.
    """

    __required__ = frozenset({"customer_id", "lines"})

    customer_id: str | None = Field(default=None, max_length=36, json_schema_extra=not_null())
    due_date: date | None = None
    notes: str | None = Field(default=None, max_length=NOTES_LIMIT)
    lines: list[InvoiceLineInput] | None = Field(
        default=None, max_length=MAX_LINES, json_schema_extra=not_null()
    )

    @field_validator("notes")
    @classmethod
    def _notes(cls, v: str | None) -> str | None:
        return clean_text(v, NOTES_LIMIT)


class RecordPayment(Strict):
    """``POST /invoices/:id/payments`` (sync command ``payments``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": 50000,
                    "currency": "USD",
                    "method": "bank_transfer",
                    "reference": "TXN-12345",
                }
            ]
        },
    )

    id: str | None = Field(
        default=None,
        max_length=36,
        description="The payment's id (a replica makes one offline)",
        json_schema_extra={"format": "uuid"},
    )
    amount: StrictInt = Field(gt=0, description="Cents, > 0, at most the balance due")
    currency: str = Field(json_schema_extra={**CURRENCY, "description": "The invoice's currency"})
    method: PaymentMethod = "bank_transfer"
    reference: str | None = Field(default=None, max_length=REFERENCE_LIMIT)
    paid_on: date | None = Field(default=None, description="Defaults to today (server, UTC)")

    _id = field_validator("id")(check_line_id)
    _currency = field_validator("currency")(normalize_currency)

    @field_validator("reference")
    @classmethod
    def _reference(cls, v: str | None) -> str | None:
        return clean_text(v, REFERENCE_LIMIT)


class CancelInvoice(Strict):
    """``POST /invoices/:id/cancel`` (sync command ``cancel``): an optional reason."""

    reason: str | None = Field(default=None, max_length=500)

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str | None) -> str | None:
        return clean_text(v, 500)


class PaymentRead(BaseModel):
    id: str
    amount: int = Field(description="Cents")
    currency: str
    method: PaymentMethod
    reference: str | None
    paid_on: date
    created_at: datetime


class InvoiceRead(BaseModel):
    id: str
    number: str | None = Field(
        description="INV-<year>-<nnn>, assigned by the server; null only on a replica's "
        "offline draft that has not reached it"
    )
    customer_id: str
    customer_name: str
    status: InvoiceStatus = Field(description="A sent invoice past its due date reads overdue")
    currency: str
    issue_date: date | None = Field(description="The day the server numbered it")
    due_date: date | None
    notes: str | None
    lines: list[LineRead]
    taxes: list[TaxLine] = Field(description="Tax per rate")
    subtotal: int = Field(description="Cents, without tax")
    tax_total: int = Field(description="Cents")
    total: int = Field(description="Cents, with tax")
    amount_paid: int = Field(description="Cents")
    balance_due: int = Field(description="total - amount_paid, cents")
    payments: list[PaymentRead]
    order_id: str | None = Field(description="The order it was made from, if any")
    billing_address: AddressValues | None = Field(
        description="The customer's billing address (as of sending, once sent)"
    )
    sent_at: datetime | None
    paid_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime


class InvoiceQuery(PageQuery):
    """``GET /invoices``: filters ``status`` (as it reads: overdue too), ``customer_id``,
    ``from_date``/``to_date`` (the issue date, inclusive); newest first by default."""

    sort_by: str | None = Field(default=None, description="created_at, number, due_date or total")
    sort_order: Literal["asc", "desc"] = "desc"
    status: InvoiceStatus | None = None
    customer_id: str | None = Field(default=None, max_length=36)
    from_date: date | None = None
    to_date: date | None = None

    @model_validator(mode="after")
    def _range(self) -> InvoiceQuery:
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise ValueError("from_date must not be after to_date")
        return self


InvoicePage = Page[InvoiceRead]

ENTITY = "invoice"  # the sync entity; its rows are InvoiceRead + version
# The server-validated commands: REST ``POST /invoices/:id/<name>`` and sync command ``<name>``.
COMMANDS: dict[str, type[BaseModel]] = {
    "lines": InvoiceLineInput,  # add one line (draft only)
    "send": NoArgs,
    "payments": RecordPayment,
    "cancel": CancelInvoice,
}
