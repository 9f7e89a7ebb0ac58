"""Money in Qt widgets: integer cents to locale text and back, never through a float.

QLocale only formats floating-point numbers as currency, and a double cannot
hold every amount of cents. So the locale's currency pattern is taken from a
template amount (1.00) and the exact digits are put in its place: the integer
part formatted by QLocale (grouping, digits), the cents from ``divmod``.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QLocale

from common.customers import MAX_MONEY

MINOR_DIGITS = 2  # the API's amounts are cents (hundredths) for every currency
_NBSP = "\u00a0"


def currency_symbol(locale: QLocale, currency: str) -> str:
    """The locale's own symbol for its own currency ($ in en_US), else the ISO code."""
    own = locale.currencySymbol(QLocale.CurrencySymbolFormat.CurrencyIsoCode)
    if currency and currency.upper() == own:
        return locale.currencySymbol(QLocale.CurrencySymbolFormat.CurrencySymbol)
    return currency.upper()


@lru_cache(maxsize=256)
def _pattern(locale_name: str, symbol: str, negative: bool) -> tuple[str, str]:
    """(prefix, suffix) around the number in the locale's currency format."""
    locale = QLocale(locale_name)
    template = locale.toCurrencyString(-1.0 if negative else 1.0, symbol, MINOR_DIGITS)
    number = locale.toString(1.0, "f", MINOR_DIGITS)
    prefix, _, suffix = template.partition(number)  # a minus or ( stays in the prefix
    # An ISO code glued to the digits (EUR1.00) reads badly: keep them apart.
    if prefix and prefix[-1].isalpha():
        prefix += _NBSP
    if suffix and suffix[0].isalpha():
        suffix = _NBSP + suffix
    return prefix, suffix


def amount_text(locale: QLocale, cents: int) -> str:
    """Cents as a plain localized number (1,234.50), for editing."""
    sign = locale.negativeSign() if cents < 0 else ""
    major, minor = divmod(abs(cents), 10**MINOR_DIGITS)
    return f"{sign}{locale.toString(major)}{locale.decimalPoint()}{minor:0{MINOR_DIGITS}d}"


def money_text(locale: QLocale, cents: int, currency: str) -> str:
    """Cents as the locale shows money: $1,234.50 in en_US, 1.234,50 EUR in de_DE."""
    symbol = currency_symbol(locale, currency)
    prefix, suffix = _pattern(locale.name(), symbol, cents < 0)
    major, minor = divmod(abs(cents), 10**MINOR_DIGITS)
    number = f"{locale.toString(major)}{locale.decimalPoint()}{minor:0{MINOR_DIGITS}d}"
    return f"{prefix}{number}{suffix}"


def parse_amount(locale: QLocale, text: str) -> int:
    """Localized text (1.234,5 in de_DE) to cents; ``ValueError`` with a reason if it is not one.

    Digits, the locale's group separator and at most two decimals after its
    decimal point; no sign (amounts entered here are never negative).
    """
    value = text.strip().replace(_NBSP, " ")
    for sep in {locale.groupSeparator(), locale.groupSeparator().replace(_NBSP, " ")}:
        value = value.replace(sep, "")
    value = value.replace(" ", "")
    if not value:
        return 0
    major, point, minor = value.partition(locale.decimalPoint())
    if not major:
        major = "0"
    if not (major.isdecimal() and (minor.isdecimal() or not minor)):
        raise ValueError(f"Enter an amount like {amount_text(locale, 123456)}")
    if point and len(minor) > MINOR_DIGITS:
        raise ValueError(f"At most {MINOR_DIGITS} decimals")
    cents = int(major) * 10**MINOR_DIGITS + int(minor.ljust(MINOR_DIGITS, "0") or "0")
    if cents > MAX_MONEY:
        raise ValueError("The amount is too large")
    return cents


def format_money(cents: int, currency: str, locale: QLocale | None = None) -> str:
    """Cents and the currency's code, as the form shows them: 123456, USD -> "1,234.56 USD"."""
    return f"{amount_text(locale or QLocale(), cents)} {currency}"
