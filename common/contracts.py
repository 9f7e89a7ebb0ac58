"""Contracts (spec section Contracts): an agreement with a party, its terms and its lifecycle.

The create body is flat (``payment_type``, ``credit_days``, ``start_date`` ...
at the top level, as the spec's example sends it); the contract object nests
them in ``payment_terms``, ``delivery_terms`` and ``validity_period``
(DESIGN.md, decisions). Replicas keep the flat form (:class:`ContractRow`), so an
offline draft and a pulled contract read alike.

A contract starts ``draft``; its status moves only by commands along
:data:`TRANSITIONS`: ``submit`` (draft → pending_approval), ``activate``
(with ``signed_at``; never from terminated or expired), ``terminate`` (with a
``reason``; never from draft), and the server's daily job, which expires an
active contract past its end date or renews it when ``auto_renewal`` holds.
``renew`` moves an active contract's end date later and counts against
``max_renewals``. Rules shared by the server and the desktop form:
:func:`period_problems` (end ≥ start) and :func:`terms_problems` (credit needs
``credit_days`` > 0). Money is integer cents with its currency; rates are
percentages with at most two decimals (stored as basis points).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from common.api import CursorQuery, Strict
from common.kit import NoArgs, PartialUpdate
from common.rules import CURRENCY, NOT_BLANK, not_null
from common.validation import normalize_currency

ENTITY = "contract"

ContractStatus = Literal["draft", "pending_approval", "active", "expired", "terminated"]
STATUSES: tuple[ContractStatus, ...] = (
    "draft",
    "pending_approval",
    "active",
    "expired",
    "terminated",
)
ContractType = Literal["supply", "service", "employment", "partnership", "lease", "license"]
CONTRACT_TYPES: tuple[ContractType, ...] = (
    "supply",
    "service",
    "employment",
    "partnership",
    "lease",
    "license",
)
PaymentType = Literal["prepaid", "postpaid", "credit"]
PAYMENT_TYPES: tuple[PaymentType, ...] = ("prepaid", "postpaid", "credit")
DeliveryType = Literal["delivery", "pickup", "digital"]
DELIVERY_TYPES: tuple[DeliveryType, ...] = ("delivery", "pickup", "digital")
PartyKind = Literal["customer", "supplier", "partner", "employee"]
PARTY_KINDS: tuple[PartyKind, ...] = ("customer", "supplier", "partner", "employee")

TRANSITIONS: dict[ContractStatus, frozenset[ContractStatus]] = {
    "draft": frozenset({"pending_approval", "active"}),
    "pending_approval": frozenset({"active", "terminated"}),
    "active": frozenset({"expired", "terminated"}),
    "expired": frozenset(),
    "terminated": frozenset(),
}
FINAL: frozenset[ContractStatus] = frozenset({"expired", "terminated"})
# Terms may change until the contract ends; the rest of it only before it is signed.
TERMS_EDITABLE: frozenset[ContractStatus] = frozenset({"draft", "pending_approval", "active"})
EDITABLE: frozenset[ContractStatus] = frozenset({"draft", "pending_approval"})
EXPIRING_DAYS = 30  # an active contract ending within this many days is highlighted

MAX_MONEY = 2**63 - 1
MAX_DAYS = 3650
MAX_RENEWALS = 1000
REASON_LIMIT = 500
PAYMENT_FIELDS = (
    "payment_type",
    "credit_days",
    "penalty_rate",
    "discount_rate",
    "payment_currency",
)
DELIVERY_FIELDS = (
    "delivery_type",
    "estimated_days",
    "shipping_cost",
    "insurance",
    "shipping_currency",
)

Days = Field(ge=0, le=MAX_DAYS)


def RATE(schema: dict[str, Any]) -> None:  # noqa: N802 - named like the other field rules
    """A rate's schema: a number 0-100 in steps of 0.01 (two decimals), or null."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "number":
            branch["multipleOf"] = 0.01
    schema.update(description="A percentage, 0-100, at most two decimals", examples=[0.5])


def can_move(current: ContractStatus, target: ContractStatus) -> bool:
    """Whether a contract in ``current`` may move to ``target`` (staying put is not a move)."""
    return target in TRANSITIONS[current]


def rate_to_bp(value: float | int | None) -> int | None:
    """A percentage (0.5, 2) as basis points (50, 200); more than two decimals is refused."""
    if value is None:
        return None
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("Must be a number") from None
    if not exact.is_finite() or exact < 0 or exact > 100:
        raise ValueError("Must be a percentage from 0 to 100")
    bp = exact * 100
    whole = bp.to_integral_value()
    if abs(bp - whole) > Decimal("1e-9"):  # 0.3 may arrive as 0.30000000000000004
        raise ValueError("At most two decimals")
    return int(whole)


def bp_to_rate(bp: int | None) -> float | int | None:
    """Basis points as the percentage the wire shows (200 -> 2, 50 -> 0.5)."""
    if bp is None:
        return None
    return bp // 100 if bp % 100 == 0 else bp / 100


def _rate(value: float | int | None) -> float | int | None:
    return bp_to_rate(rate_to_bp(value))


def _currency(value: str | None) -> str | None:
    return normalize_currency(value) if value is not None else None


def period_problems(start: date | None, end: date | None) -> dict[str, str]:
    """The validity period's rule: the end is not before the start."""
    if start is not None and end is not None and end < start:
        return {"end_date": "The end date must not be before the start date"}
    return {}


def terms_problems(payment_type: str | None, credit_days: int | None) -> dict[str, str]:
    """Credit payment terms name how many days of credit (> 0)."""
    if payment_type == "credit" and not credit_days:
        return {"credit_days": "Credit payment terms need credit_days greater than 0"}
    return {}


class _Rates(Strict):
    @field_validator("penalty_rate", "discount_rate", check_fields=False)
    @classmethod
    def _rates(cls, v: float | int | None) -> float | int | None:
        return _rate(v)

    @field_validator("currency", "payment_currency", "shipping_currency", check_fields=False)
    @classmethod
    def _currencies(cls, v: str | None) -> str | None:
        return _currency(v)


class ContractCreate(_Rates):
    """``POST /contracts``: flat, as the spec's example sends it; a replica's draft is the same."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contract_type": "supply",
                    "party_id": "019d75e7-0000-7000-8000-000000000000",
                    "payment_type": "credit",
                    "credit_days": 30,
                    "currency": "UAH",
                    "delivery_type": "delivery",
                    "estimated_days": 5,
                    "start_date": "2026-01-15",
                    "end_date": "2027-01-14",
                    "credit_limit": 500000000,
                }
            ]
        },
    )

    contract_type: ContractType
    party_id: str = Field(
        max_length=36, description="A customer, supplier, partner or employee (not blacklisted)"
    )
    payment_type: PaymentType
    credit_days: StrictInt | None = Field(
        default=None, ge=0, le=MAX_DAYS, description="> 0 for credit terms"
    )
    penalty_rate: float | None = Field(default=None, ge=0, le=100, json_schema_extra=RATE)
    discount_rate: float | None = Field(default=None, ge=0, le=100, json_schema_extra=RATE)
    currency: str = Field(json_schema_extra=CURRENCY)
    payment_currency: str | None = Field(
        default=None, json_schema_extra={**CURRENCY, "description": "Defaults to currency"}
    )
    delivery_type: DeliveryType
    estimated_days: StrictInt | None = Field(default=None, ge=0, le=MAX_DAYS)
    shipping_cost: StrictInt = Field(default=0, ge=0, le=MAX_MONEY, description="Cents")
    insurance: StrictBool = False
    shipping_currency: str | None = Field(
        default=None, json_schema_extra={**CURRENCY, "description": "Defaults to currency"}
    )
    start_date: date
    end_date: date = Field(description="Not before start_date")
    credit_limit: StrictInt = Field(
        default=0, ge=0, le=MAX_MONEY, description="Cents; 0 = no limit"
    )
    auto_renewal: StrictBool = False
    renewal_period_days: StrictInt | None = Field(
        default=None, ge=1, le=MAX_DAYS, description="How far an automatic renewal extends it"
    )
    max_renewals: StrictInt | None = Field(
        default=None, ge=0, le=MAX_RENEWALS, description="null = no limit"
    )


class ContractUpdate(_Rates, PartialUpdate):
    """A replica's edit of a contract (sync only; REST changes terms by their own routes).

    Before activation anything may change; an active contract only its terms and
    renewal settings (409 otherwise); an ended one nothing.
    """

    __required__ = frozenset(
        {
            "contract_type",
            "party_id",
            "payment_type",
            "currency",
            "delivery_type",
            "shipping_cost",
            "insurance",
            "start_date",
            "end_date",
            "credit_limit",
            "auto_renewal",
            "payment_currency",
            "shipping_currency",
        }
    )

    contract_type: ContractType | None = Field(default=None, json_schema_extra=not_null())
    party_id: str | None = Field(default=None, max_length=36, json_schema_extra=not_null())
    payment_type: PaymentType | None = Field(default=None, json_schema_extra=not_null())
    credit_days: StrictInt | None = Field(default=None, ge=0, le=MAX_DAYS)
    penalty_rate: float | None = Field(default=None, ge=0, le=100, json_schema_extra=RATE)
    discount_rate: float | None = Field(default=None, ge=0, le=100, json_schema_extra=RATE)
    currency: str | None = Field(default=None, json_schema_extra=not_null(CURRENCY))
    payment_currency: str | None = Field(default=None, json_schema_extra=not_null(CURRENCY))
    delivery_type: DeliveryType | None = Field(default=None, json_schema_extra=not_null())
    estimated_days: StrictInt | None = Field(default=None, ge=0, le=MAX_DAYS)
    shipping_cost: StrictInt | None = Field(
        default=None, ge=0, le=MAX_MONEY, json_schema_extra=not_null()
    )
    insurance: StrictBool | None = Field(default=None, json_schema_extra=not_null())
    shipping_currency: str | None = Field(default=None, json_schema_extra=not_null(CURRENCY))
    start_date: date | None = Field(default=None, json_schema_extra=not_null())
    end_date: date | None = Field(default=None, json_schema_extra=not_null())
    credit_limit: StrictInt | None = Field(
        default=None, ge=0, le=MAX_MONEY, json_schema_extra=not_null()
    )
    auto_renewal: StrictBool | None = Field(default=None, json_schema_extra=not_null())
    renewal_period_days: StrictInt | None = Field(default=None, ge=1, le=MAX_DAYS)
    max_renewals: StrictInt | None = Field(default=None, ge=0, le=MAX_RENEWALS)


class PaymentTermsUpdate(PartialUpdate):
    """``PUT /contracts/:id/payment-terms``: partial (absent = unchanged, null = clear)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"payment_type": "credit", "credit_days": 45, "currency": "UAH"}]
        },
    )
    __required__ = frozenset({"payment_type", "currency"})

    payment_type: PaymentType | None = Field(default=None, json_schema_extra=not_null())
    credit_days: StrictInt | None = Field(default=None, ge=0, le=MAX_DAYS)
    penalty_rate: float | None = Field(default=None, ge=0, le=100, json_schema_extra=RATE)
    discount_rate: float | None = Field(default=None, ge=0, le=100, json_schema_extra=RATE)
    currency: str | None = Field(default=None, json_schema_extra=not_null(CURRENCY))

    _rates = field_validator("penalty_rate", "discount_rate")(_rate)
    _currency = field_validator("currency")(_currency)


class DeliveryTermsUpdate(PartialUpdate):
    """``PUT /contracts/:id/delivery-terms``: partial (absent = unchanged, null = clear)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"delivery_type": "delivery", "estimated_days": 7}]},
    )
    __required__ = frozenset({"delivery_type", "shipping_cost", "insurance", "shipping_currency"})

    delivery_type: DeliveryType | None = Field(default=None, json_schema_extra=not_null())
    estimated_days: StrictInt | None = Field(default=None, ge=0, le=MAX_DAYS)
    shipping_cost: StrictInt | None = Field(
        default=None, ge=0, le=MAX_MONEY, description="Cents", json_schema_extra=not_null()
    )
    insurance: StrictBool | None = Field(default=None, json_schema_extra=not_null())
    shipping_currency: str | None = Field(default=None, json_schema_extra=not_null(CURRENCY))

    _currency = field_validator("shipping_currency")(_currency)


class ActivateContract(Strict):
    """``POST /contracts/:id/activate`` (sync command ``activate``): signed now unless given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"signed_at": "2026-01-20T10:00:00+02:00"}]},
    )

    signed_at: datetime | None = Field(default=None, description="Defaults to now")

    @field_validator("signed_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("Give the time zone, e.g. 2026-01-20T10:00:00+02:00")
        return v


class TerminateContract(Strict):
    """``POST /contracts/:id/terminate`` (sync command ``terminate``): why it ends."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Breach of terms"}]}
    )

    reason: str = Field(
        min_length=1, max_length=REASON_LIMIT, json_schema_extra={"pattern": NOT_BLANK}
    )

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("Give the reason")
        return v.strip()


class RenewContract(Strict):
    """``POST /contracts/:id/renew`` (sync command ``renew``): the new, later end date."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"new_end_date": "2028-01-14"}]}
    )

    new_end_date: date = Field(description="Later than the current end date")


class PaymentTerms(BaseModel):
    payment_type: PaymentType
    credit_days: int | None
    penalty_rate: float | int | None
    discount_rate: float | int | None
    currency: str


class DeliveryTerms(BaseModel):
    delivery_type: DeliveryType
    estimated_days: int | None
    shipping_cost: int = Field(description="Cents")
    insurance: bool
    shipping_currency: str


class ValidityPeriod(BaseModel):
    start_date: date
    end_date: date


class ContractRead(BaseModel):
    """The contract object, as the spec shows it."""

    id: str
    contract_type: ContractType
    status: ContractStatus
    party_id: str
    payment_terms: PaymentTerms
    delivery_terms: DeliveryTerms
    validity_period: ValidityPeriod
    credit_limit: int = Field(description="Cents; 0 = no limit")
    currency: str
    auto_renewal: bool
    renewal_period_days: int | None
    renewal_count: int
    max_renewals: int | None
    version: int
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    signed_at: datetime | None


class ContractRow(BaseModel):
    """A contract as replicas hold it: the create body's flat fields and what the server keeps."""

    id: str
    contract_type: ContractType
    status: ContractStatus
    party_id: str
    party_kind: PartyKind
    payment_type: PaymentType
    credit_days: int | None
    penalty_rate: float | int | None
    discount_rate: float | int | None
    currency: str
    payment_currency: str
    delivery_type: DeliveryType
    estimated_days: int | None
    shipping_cost: int
    insurance: bool
    shipping_currency: str
    start_date: date
    end_date: date
    credit_limit: int
    auto_renewal: bool
    renewal_period_days: int | None
    renewal_count: int
    max_renewals: int | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    signed_at: datetime | None
    terminated_at: datetime | None
    termination_reason: str | None


class ContractQuery(CursorQuery):
    """``GET /contracts``: ``status``, ``contract_type``, ``party_id`` filters; id (creation) order."""

    status: ContractStatus | None = None
    contract_type: ContractType | None = None
    party_id: str | None = Field(default=None, max_length=36)


# The server-validated commands: REST routes of the same names and sync commands.
COMMANDS: dict[str, type[BaseModel]] = {
    "submit": NoArgs,
    "activate": ActivateContract,
    "terminate": TerminateContract,
    "renew": RenewContract,
    "payment-terms": PaymentTermsUpdate,
    "delivery-terms": DeliveryTermsUpdate,
}
