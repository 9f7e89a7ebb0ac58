"""The validation rules of ``common`` as JSON Schema, so the OpenAPI document states them.

Each constant here is the schema-level statement of a rule a validator in
``common`` enforces; a field says ``Field(json_schema_extra=CURRENCY)`` next to
its validator. Patterns are written so that ECMA-262 (what JSON Schema tools
use) and Python's ``re`` read them alike: white space is spelled out as the
characters ``str.strip()`` removes, never ``\\s`` (whose meaning differs).
Lengths count the text as sent, surrounding white space included.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import email_validator
import pycountry

import common.validation  # noqa: F401 - its edit of email-validator's special-use names comes first
from common.api import has_control_characters


def _char_class(chars: list[int]) -> str:
    """A regex character class body of these code points, as ranges of \\u escapes (four hex digits each)."""
    out, start = [], None
    for i, c in enumerate(chars):
        if start is None:
            start = c
        if i + 1 == len(chars) or chars[i + 1] != c + 1:
            out.append(f"\\u{start:04x}" if start == c else f"\\u{start:04x}-\\u{c:04x}")
            start = None
    return "".join(out)


# What str.strip() removes (str.isspace) and text may hold: the control characters among
# them (\\u000b, \\u000c, \\u001c-\\u001f, \\u0085) are refused everywhere.
SPACE = _char_class(
    [
        c
        for c in range(sys.maxunicode + 1)
        if chr(c).isspace() and not has_control_characters(chr(c))
    ]
)
WS = f"[{SPACE}]"
# No control character other than tab and line breaks anywhere in text (common.api.Strict
# and MicroRequest refuse them; common.api._CONTROL is the rule). Lone surrogates, refused
# too, are left out here: a pattern cannot name them alike in ECMA-262 and Python.
_CONTROLS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
NO_CONTROL = f"^[^{_CONTROLS}]*$"
_TEXT = f"[^{_CONTROLS}]"
_SOLID = f"[^{SPACE}{_CONTROLS}]"  # neither white space nor a control character


def not_null(extra: dict[str, Any] | None = None) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` for an update field that may be absent but never ``null``.

    The field stays ``X | None`` in Python (absent is None; a validator refuses an
    explicit null with its own message); the schema shows only ``X``, plus ``extra``.
    """

    def apply(schema: dict[str, Any]) -> None:
        branches = schema.pop("anyOf", None) or []
        for branch in branches:
            if branch != {"type": "null"}:
                schema.update(branch)
        schema.pop("default", None)
        schema.update(extra or {})

    return apply


def _any_case(code: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in code)


def padded(core: str, *, blank: bool = False) -> str:
    """A whole value: ``core`` with white space around it (or only white space if ``blank``)."""
    body = f"(?:{core})?" if blank else f"(?:{core})"
    return f"^{WS}*{body}{WS}*$"


def code_pattern(letters: int) -> str:
    """An ASCII code of ``letters`` letters in any case, white space around it ignored."""
    return padded(f"[A-Za-z]{{{letters}}}")


# Not blank: at least one character that is not white space.
NOT_BLANK = f"^{_TEXT}*{_SOLID}{_TEXT}*$"
NAME: dict[str, Any] = {"pattern": NOT_BLANK}

CURRENCY_CODES = sorted(c.alpha_3 for c in pycountry.currencies)
CURRENCY: dict[str, Any] = {
    "pattern": padded("|".join(_any_case(c) for c in CURRENCY_CODES)),
    "description": "ISO 4217 code, any letter case (stored upper case)",
    "examples": ["USD"],
}


def or_empty(rule: dict[str, Any]) -> dict[str, Any]:
    """``rule``, or exactly "" (which a country's fields read as "none" / "clear")."""
    return {**rule, "pattern": f"^$|{rule['pattern']}"}


def letter_code(letters: int, example: str) -> dict[str, Any]:
    """An ASCII code of ``letters`` letters, any case (stored upper case)."""
    return {"pattern": code_pattern(letters), "examples": [example]}


DIGITS3: dict[str, Any] = {"pattern": padded("[0-9]{3}"), "examples": ["804"]}
PHONE_CODE: dict[str, Any] = {"pattern": padded("\\+[0-9]{1,4}"), "examples": ["+380"]}
LANGUAGE = "^[a-z]{2,3}$"

# An address as email-validator takes it, which refuses special-use domains (*.test ...).
_SPECIAL = "|".join(_any_case(d) for d in sorted(email_validator.SPECIAL_USE_DOMAIN_NAMES))
EMAIL: dict[str, Any] = {
    "format": "email",
    "pattern": f"^(?![\\s\\S]*[.@](?:{_SPECIAL})$)",
    "description": "An email address; not in a special-use domain such as .test or .invalid",
}

# A number in the international form (+ and country code) that is possible in its
# country's numbering plan (libphonenumber), which no pattern can say: a format of its own.
PHONE: dict[str, Any] = {
    "format": "phone",
    "description": "International form, e.g. +1 555 0100 (checked against the country's "
    "numbering plan); empty for none",
    "examples": ["+1-555-0100"],
}

# http(s)://..., no spaces; "" or white space for none.
WEBSITE: dict[str, Any] = {
    "pattern": padded(f"[Hh][Tt][Tt][Pp][Ss]?://[^ {_CONTROLS}]*{_SOLID}", blank=True),
    "description": "An http(s) address, e.g. https://example.com; empty for none",
}
