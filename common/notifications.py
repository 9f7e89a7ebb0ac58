"""Notifications: kinds, what the server answers, preferences, and quiet hours (server and desktop)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, Field, model_validator

from common.api import Strict
from common.kit import PartialUpdate
from common.rules import not_null

Kind = Literal[
    "invoice_overdue",
    "payment_received",
    "deal_won",
    "deal_lost",
    "deal_assigned",
    "contract_expiring",
    "low_stock",
    "message",
    "mention",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]

_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _clock(value: str) -> str:
    if not _HH_MM.fullmatch(value):
        raise ValueError("A time of day as HH:MM (00:00 to 23:59)")
    return value


def _zone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError("An IANA time zone, such as Europe/Kyiv or UTC")
    return value


Clock = Annotated[str, Field(examples=["22:00"], pattern=_HH_MM.pattern), AfterValidator(_clock)]
TimeZone = Annotated[str, Field(max_length=64, examples=["Europe/Kyiv"]), AfterValidator(_zone)]


class NotificationRead(BaseModel):
    id: str
    kind: Kind
    title: str
    body: str
    entity: str | None = Field(default=None, description="The record it is about")
    entity_id: str | None = None
    read: bool
    read_at: datetime | None = None
    created_at: datetime


class KindPreference(Strict):
    """One kind of event: shown in the app at all, and sent by email."""

    in_app: bool = True
    email: bool = True


class PreferencesRead(BaseModel):
    email_enabled: bool
    sms_enabled: bool
    push_enabled: bool
    quiet_hours_start: str | None = Field(description="HH:MM in time_zone; no email until the end")
    quiet_hours_end: str | None
    time_zone: str
    kinds: dict[Kind, KindPreference] = Field(description="Every kind, with its settings")


class PreferencesUpdate(PartialUpdate):
    """Absent = unchanged; the quiet hours are set or cleared (null) together; ``kinds`` merge per kind."""

    __required__ = frozenset({"email_enabled", "sms_enabled", "push_enabled", "time_zone", "kinds"})

    email_enabled: bool | None = Field(default=None, json_schema_extra=not_null())
    sms_enabled: bool | None = Field(default=None, json_schema_extra=not_null())
    push_enabled: bool | None = Field(default=None, json_schema_extra=not_null())
    quiet_hours_start: Clock | None = None
    quiet_hours_end: Clock | None = None
    time_zone: TimeZone | None = Field(default=None, json_schema_extra=not_null())
    kinds: dict[Kind, KindPreference] | None = Field(default=None, json_schema_extra=not_null())

    @model_validator(mode="after")
    def _quiet_hours_together(self) -> PreferencesUpdate:
        given = {"quiet_hours_start", "quiet_hours_end"} & self.model_fields_set
        if len(given) == 1:
            other = ({"quiet_hours_start", "quiet_hours_end"} - given).pop()
            raise ValueError(f"Send {other} too: the quiet hours are set or cleared together")
        if given and (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValueError("Both quiet hours are times, or both null")
        return self


def _at(day: datetime, clock: str) -> datetime:
    hours, minutes = (int(p) for p in clock.split(":"))
    return datetime.combine(day.date(), time(hours, minutes), tzinfo=day.tzinfo)


def quiet_until(
    now: datetime, start: str | None, end: str | None, zone: str = "UTC"
) -> datetime | None:
    """When the quiet hours around ``now`` end (aware), or None outside them.

    ``start`` to ``end`` in the user's zone; past midnight when ``end`` is earlier
    (22:00-08:00). Equal times mean no quiet hours.
    """
    if start is None or end is None or start == end:
        return None
    try:
        tz = ZoneInfo(zone)
    except ZoneInfoNotFoundError:
        tz = ZoneInfo("UTC")
    local = now.astimezone(tz)
    for day in (local - timedelta(days=1), local):  # a span that began yesterday evening
        begins = _at(day, start)
        ends = _at(day, end)
        if ends <= begins:
            ends = _at(day + timedelta(days=1), end)
        if begins <= local < ends:
            return ends
    return None
