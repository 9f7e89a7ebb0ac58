"""Deals: stages and their transitions, money conversion, and the schemas of both APIs.

Inside (service, database, sync) a deal's value is integer cents + currency.
The Micro CRM API shows dollars as a JSON number; :func:`dollars_to_cents`
and :func:`cents_to_dollars` convert through ``Decimal``, never float arithmetic.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, StrictInt, field_validator

from common.api import Strict
from common.micro_crm import MicroRead, MicroRequest, Number, OffsetQuery
from common.rules import NOT_BLANK, not_null


class Stage(StrEnum):
    LEAD = "LEAD"
    QUALIFIED = "QUALIFIED"
    PROPOSAL = "PROPOSAL"
    NEGOTIATION = "NEGOTIATION"
    WON = "WON"
    LOST = "LOST"


STAGES: tuple[Stage, ...] = tuple(Stage)
OPEN_STAGES = frozenset({Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION})
CLOSED_STAGES = frozenset({Stage.WON, Stage.LOST})

DEFAULT_PROBABILITY: dict[Stage, int] = {
    Stage.LEAD: 10,
    Stage.QUALIFIED: 25,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.WON: 100,
    Stage.LOST: 0,
}

# Where a deal may go from each stage. Open deals move freely along the pipeline
# (a card dragged back is normal) and may close either way; a lost deal can be
# re-opened; a won deal is final (its money is counted).
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    **{s: frozenset(STAGES) - {s} for s in OPEN_STAGES},
    Stage.WON: frozenset(),
    Stage.LOST: OPEN_STAGES,
}


def can_move(current: Stage, target: Stage) -> bool:
    """Tell whether a deal in ``current`` may move to ``target`` (staying put is not a move)."""
    return target in TRANSITIONS[current]


CURRENCY = "USD"  # Micro CRM values are dollars
CENTS = Decimal(100)
MAX_DOLLARS = Decimal("9999999999999.99")  # 15 significant digits: a float carries them exactly
MAX_CENTS = int(MAX_DOLLARS * CENTS)


def dollars_to_cents(value: Any) -> int:
    """A JSON number of dollars as integer cents; ``ValueError`` with a readable reason.

    JSON floats arrive as Python floats; ``repr`` gives back the shortest text that
    reads as the same float, which is the text sent for up to 15 significant digits.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("Value must be a number")
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError("Value must be a number") from None
    if not amount.is_finite():
        raise ValueError("Value must be a finite number")
    if amount < 0:
        raise ValueError("Value must not be negative")
    if amount > MAX_DOLLARS:
        raise ValueError(f"Value must be at most {MAX_DOLLARS}")
    cents = amount * CENTS
    if cents != cents.to_integral_value():
        raise ValueError("Value must have at most 2 decimal places")
    return int(cents)


# What dollars_to_cents accepts, as JSON Schema.
DOLLARS: dict[str, Any] = {"minimum": 0, "maximum": float(MAX_DOLLARS), "multipleOf": 0.01}
TITLE: dict[str, Any] = {"maxLength": 200, "pattern": NOT_BLANK}
CLIENT_ID: dict[str, Any] = {"maxLength": 36, "pattern": NOT_BLANK}  # as DealCreate.client_id
NOTES: dict[str, Any] = {"maxLength": 10_000}


def cents_to_dollars(cents: int) -> Decimal:
    """Integer cents as an exact ``Decimal`` of dollars."""
    return (Decimal(cents) / CENTS).quantize(Decimal("0.01"))


# ---------------------------------------------------------------- inside: service and sync


class DealCreate(Strict):
    """A new deal as the service takes it (and a replica pushes it): value in cents."""

    title: str = Field(max_length=200)
    client_id: str = Field(max_length=36)
    value: StrictInt = Field(default=0, ge=0, le=MAX_CENTS, description="Cents")
    stage: Stage = Stage.LEAD
    probability: StrictInt | None = Field(
        default=None, ge=0, le=100, description="Defaults from the stage"
    )
    notes: str | None = Field(default=None, max_length=10_000)
    expected_close: date | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("Title is required")
        return v.strip()


class DealUpdate(Strict):
    """Partial update: absent = unchanged, null = clear (notes, expected_close), value = set.

    ``client_id`` moves the deal to another client (which must exist).
    """

    title: str | None = Field(default=None, max_length=200)
    client_id: str | None = Field(default=None, max_length=36)
    value: StrictInt | None = Field(default=None, ge=0, le=MAX_CENTS, description="Cents")
    stage: Stage | None = None
    probability: StrictInt | None = Field(default=None, ge=0, le=100)
    notes: str | None = Field(default=None, max_length=10_000)
    expected_close: date | None = None

    @field_validator("title", "client_id", "value", "stage", "probability", mode="before")
    @classmethod
    def _required(cls, v: Any, info: Any) -> Any:
        # Validators run only for sent fields, so None here is an explicit null.
        if v is None:
            name = "Client" if info.field_name == "client_id" else info.field_name.capitalize()
            raise ValueError(f"{name} cannot be cleared")
        return v

    @field_validator("title")
    @classmethod
    def _title(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("Title is required")
        return v.strip() if v is not None else None


class MoveStage(Strict):
    """The ``move_stage`` command's arguments: the pipeline's drag and drop."""

    stage: Stage
    probability: StrictInt | None = Field(
        default=None, ge=0, le=100, description="Defaults from the stage"
    )


# ---------------------------------------------------------------- the Micro CRM wire


def _text(value: Any, label: str, *, required: bool, limit: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{label} is required")
        return None
    if not isinstance(value, str):
        raise ValueError(f"{label} must be a string")
    if len(value) > limit:  # as sent, as the schema's maxLength counts
        raise ValueError(f"{label} must be at most {limit} characters")
    return value.strip()


def _probability(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Probability must be an integer between 0 and 100")
    if not 0 <= value <= 100:
        raise ValueError("Probability must be an integer between 0 and 100")
    return value


class CreateDealRequest(MicroRequest):
    """``POST /deals``."""

    title: str = Field(
        description="Deal title (required)",
        examples=["Website Redesign Project"],
        json_schema_extra=TITLE,
    )
    client_id: str = Field(
        alias="clientId",
        description="Client ID (required)",
        examples=["0193..."],
        json_schema_extra=CLIENT_ID,
    )
    value: Number = Field(
        default=0, description="Deal value in dollars", examples=[5000], json_schema_extra=DOLLARS
    )
    stage: Stage = Field(default=Stage.LEAD, description="Pipeline stage")
    probability: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Win probability (auto-set based on stage if not provided)",
    )
    notes: str | None = Field(default=None, description="Additional notes", json_schema_extra=NOTES)
    expected_close: date | None = Field(
        default=None, alias="expectedClose", description="Expected close date (YYYY-MM-DD)"
    )

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> Any:
        return _text(v, "Title", required=True, limit=200)

    @field_validator("client_id", mode="before")
    @classmethod
    def _client(cls, v: Any) -> Any:
        return _text(v, "Client ID", required=True, limit=36)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: Any) -> Any:
        return _text(v, "Notes", required=False, limit=10_000)

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, v: Any) -> Any:
        dollars_to_cents(v)  # refuse what cannot be cents; the router converts
        return v

    @field_validator("probability", mode="before")
    @classmethod
    def _prob(cls, v: Any) -> Any:
        return _probability(v)

    def to_create(self) -> DealCreate:
        return DealCreate(
            title=self.title,
            client_id=self.client_id,
            value=dollars_to_cents(self.value),
            stage=self.stage,
            probability=self.probability,
            notes=self.notes,
            expected_close=self.expected_close,
        )


class UpdateDealRequest(MicroRequest):
    """``PATCH /deals/:id`` (beyond the Micro CRM document): only the fields sent change."""

    title: str | None = Field(default=None, json_schema_extra=not_null(TITLE))
    value: Number | None = Field(
        default=None, description="Deal value in dollars", json_schema_extra=not_null(DOLLARS)
    )
    stage: Stage | None = Field(default=None, json_schema_extra=not_null())
    probability: int | None = Field(default=None, ge=0, le=100, json_schema_extra=not_null())
    notes: str | None = Field(default=None, json_schema_extra=NOTES)
    expected_close: date | None = Field(default=None, alias="expectedClose")

    @field_validator("title", "value", "stage", "probability", mode="before")
    @classmethod
    def _required(cls, v: Any, info: Any) -> Any:
        if v is None:
            raise ValueError(f"{info.field_name.capitalize()} cannot be cleared")
        return v

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> Any:
        return _text(v, "Title", required=True, limit=200)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: Any) -> Any:
        return _text(v, "Notes", required=False, limit=10_000)

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, v: Any) -> Any:
        dollars_to_cents(v)
        return v

    @field_validator("probability", mode="before")
    @classmethod
    def _prob(cls, v: Any) -> Any:
        return _probability(v)

    def to_update(self) -> DealUpdate:
        sent = self.model_fields_set
        data: dict[str, Any] = {}
        for name in sent:
            value = getattr(self, name)
            data[name] = dollars_to_cents(value) if name == "value" else value
        return DealUpdate.model_validate(data)


class DealQuery(OffsetQuery):
    """``GET /deals``: newest first, optionally of one stage or one client."""

    limit: int = Field(
        default=50, ge=1, le=100, description="Maximum number of deals to return (max 100)"
    )
    offset: int = Field(default=0, ge=0, description="Number of deals to skip for pagination")
    stage: Stage | None = Field(default=None, description="Filter by deal stage")
    client_id: str | None = Field(default=None, alias="clientId", description="Filter by client ID")


class DealClient(MicroRead):
    """The client a deal belongs to, embedded."""

    id: str
    name: str
    email: str | None


class Deal(MicroRead):
    """A deal as Micro CRM shows it."""

    id: str = Field(description="Unique identifier")
    title: str = Field(description="Deal title")
    value: Number = Field(description="Deal value in dollars")
    stage: Stage = Field(description="Current pipeline stage")
    probability: int = Field(ge=0, le=100, description="Win probability percentage")
    notes: str | None = Field(description="Additional notes")
    expected_close: datetime | None = Field(
        alias="expectedClose", description="Expected close date"
    )
    closed_at: datetime | None = Field(
        alias="closedAt", description="Actual close date (for won/lost deals)"
    )
    created_at: datetime = Field(alias="createdAt", description="Creation timestamp")
    updated_at: datetime = Field(alias="updatedAt", description="Last update timestamp")
    client: DealClient = Field(description="Associated client")


class DealRow(BaseModel):
    """A deal on replicas (sync): snake_case, value in cents."""

    id: str
    title: str
    client_id: str
    value: int = Field(description="Cents")
    currency: str
    stage: Stage
    probability: int
    notes: str | None
    expected_close: date | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
