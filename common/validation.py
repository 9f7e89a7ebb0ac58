"""Field rules shared by the server and the desktop form, so both say the same thing."""

from __future__ import annotations

import unicodedata

import email_validator
import phonenumbers
import pycountry

# An office network may use ``.local`` mail domains, and the bootstrap admin is
# ``admin@skeleton.local``; email-validator documents editing this list.
if "local" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("local")

MAX_NAME = 200
MAX_EMAIL = 254


def fold(value: str) -> str:
    """Unicode NFKC + case folding (NFKC again: folding can leave a string not NFKC)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def normalize_email(value: str) -> str:
    """Return the address in its one normal form, or raise ``ValueError`` with a readable reason.

    The normal form is NFKC + case folding, then email-validator's normalisation
    (the domain in Unicode form, so ``xn--`` and Unicode spellings agree). Every
    email is stored and compared in this form, for uniqueness and sign-in:
    ``ADMIN@Example.com`` written with a fullwidth A (U+FF21) and ``admin@example.com``
    are one address.
    """
    value = fold(value.strip())
    if not value:
        raise ValueError("Email is required")
    if len(value) > MAX_EMAIL:
        raise ValueError(f"Email must be at most {MAX_EMAIL} characters")
    try:
        info = email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise ValueError(f"Invalid email format: {exc}") from None
    normal = fold(info.normalized)
    if len(normal) > MAX_EMAIL:
        raise ValueError(f"Email must be at most {MAX_EMAIL} characters")
    return normal


def normalize_currency(value: str) -> str:
    """Return an upper-case ISO 4217 code or raise ``ValueError``."""
    sent = value.strip()
    code = sent.upper()
    # ASCII only: "ß".upper() is "SS", which would let odd letters pass for a code.
    if not sent.isascii() or len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"Unknown currency code: {value!r} (ISO 4217 expected)")
    return code


def normalize_country_ref(value: str) -> str:
    """A country reference as stored: an alpha-2 code in upper case, anything else (an id) stripped."""
    ref = value.strip()
    return ref.upper() if len(ref) == 2 and ref.isalpha() else ref


def normalize_phone(value: str, region: str | None = None) -> tuple[str, str]:
    """Return ``(e164, international display form)`` or raise ``ValueError``.

    Numbers without a leading ``+`` are read in ``region`` (alpha-2), if given.
    """
    raw = value.strip()
    try:
        number = phonenumbers.parse(raw, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        raise ValueError(
            "Invalid phone number: use the international form, e.g. +1 555 0100"
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError("Invalid phone number: wrong number of digits")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return e164, display


def normalize_name(value: str, *, field: str = "Name", max_len: int = MAX_NAME) -> str:
    """Return a stripped non-empty name or raise ``ValueError``."""
    value = value.strip()
    if not value:
        raise ValueError(f"{field} must not be empty")
    if len(value) > max_len:
        raise ValueError(f"{field} must be at most {max_len} characters")
    return value


def check_password(value: str) -> str:
    """Refuse passwords too short or too long to be sensible."""
    if len(value) < 8:
        raise ValueError("Password must be at least 8 characters")
    if len(value) > 256:
        raise ValueError("Password must be at most 256 characters")
    return value
