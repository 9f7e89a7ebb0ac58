"""What every party-like module shares (customers, suppliers, partners, employees); no Qt.

A customer's ``active`` flag and a party's three-state ``status`` (the server's
``common.parties.TRANSITIONS``: blacklisted is final) as kit ``Status``es, and
the phone as the server formats it for people, and the form's address fields. Texts here are in the "kit"
translation context (the UI looks there after the module's own).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from common.parties import COMMANDS, TRANSITIONS
from common.validation import normalize_phone
from desktop.core.kit.entity import QT_TRANSLATE_NOOP, Command, Field, Record, Ref
from desktop.core.kit.projection import ListColumn, integer, text
from desktop.core.kit.status import State, Status

K = "kit"


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(K, source)


_ACTIVATE = Command(
    "activate",
    _tr("Activate"),
    _tr("Activation — the server confirms it at the next sync"),
    pending=_tr("Activating…"),
    inverse="deactivate",
)
_DEACTIVATE = Command(
    "deactivate",
    _tr("Deactivate"),
    _tr("Deactivation — the server confirms it at the next sync"),
    pending=_tr("Deactivating…"),
    inverse="activate",
)
_BLACKLIST = Command(
    "blacklist",
    _tr("Blacklist"),
    _tr("Blacklisting — the server confirms it at the next sync"),
    pending=_tr("Blacklisting…"),
    confirm=_tr(
        "Blacklist “%1”? A blacklisted record can never be edited or activated again, "
        "and this cannot be undone."
    ),
)

# A customer: active or not, and back, at any time.
ACTIVE = Status(
    field="active",
    label=_tr("Status"),
    states=(State(True, _tr("Active")), State(False, _tr("Inactive"), look="muted")),
    commands=(
        replace(_DEACTIVATE, sets=("active", False)),
        replace(_ACTIVATE, sets=("active", True)),
    ),
    sql=integer("$.active", 1),
    type="integer",
)

# A supplier, partner or employee: the server's commands and transition table.
_PARTY_COMMANDS = {"activate": _ACTIVATE, "deactivate": _DEACTIVATE, "blacklist": _BLACKLIST}
PARTY_STATUS = Status(
    field="status",
    label=_tr("Status"),
    states=(
        State("active", _tr("Active")),
        State("inactive", _tr("Inactive"), look="muted"),
        State(
            "blacklisted",
            _tr("Blacklisted"),
            look="flagged",
            locked=_tr("Blacklisted: cannot be edited or activated"),
        ),
    ),
    commands=tuple(
        replace(_PARTY_COMMANDS[name], sets=("status", target)) for name, target in COMMANDS.items()
    ),
    sql="coalesce(json_extract({data}, '$.status'), 'active')",
    transitions=TRANSITIONS,
    width=100,
)


# ---------------------------------------------------------------- the phone

# phone_display comes from the server: show it only while the number is still the server's.
PHONE = ListColumn(
    "phone",
    "CASE WHEN json_extract({server}, '$.phone') IS json_extract({data}, '$.phone') "
    f"THEN {text('$.phone_display', '$.phone')} ELSE {text('$.phone')} END",
)


def phone_text(record: Record) -> str | None:
    """The display form while it still matches the number (a local edit changes only ``phone``)."""
    phone, display = record.get("phone"), record.get("phone_display")
    if phone and display:
        try:
            if normalize_phone(display)[0] == phone:
                return str(display)
        except ValueError:
            pass
    return str(phone) if phone else None


# ---------------------------------------------------------------- the address

ADDRESS = ("street", "city", "region", "postal_code", "country")
_ADDRESS_LABELS = {
    "street": _tr("Street"),
    "city": _tr("City"),
    "region": _tr("Region / state"),
    "postal_code": _tr("Postal code"),
    "country": _tr("Country"),
}


def address_fields(**per_field: dict[str, Any]) -> tuple[Field, ...]:
    """The fields of the record's ``address`` object, in the form's "address" group; the
    country is picked from the countries. ``per_field``: more of a field's settings
    (``city={"required": True}``)."""
    country: dict[str, Any] = {"kind": "ref", "ref": Ref("country")}
    return tuple(
        Field(
            f"address.{name}",
            _ADDRESS_LABELS[name],
            group="address",
            **(country if name == "country" else {}),
            **per_field.get(name, {}),
        )
        for name in ADDRESS
    )
