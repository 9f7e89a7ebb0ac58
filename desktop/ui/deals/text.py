"""Translated stage names and money totals shared by the pipeline, the list and the form."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

from common.deals import Stage
from desktop.ui.customers.money import money_text

_STAGE_NAMES: dict[Stage, object] = {
    Stage.LEAD: QT_TRANSLATE_NOOP("deals", "Lead"),
    Stage.QUALIFIED: QT_TRANSLATE_NOOP("deals", "Qualified"),
    Stage.PROPOSAL: QT_TRANSLATE_NOOP("deals", "Proposal"),
    Stage.NEGOTIATION: QT_TRANSLATE_NOOP("deals", "Negotiation"),
    Stage.WON: QT_TRANSLATE_NOOP("deals", "Won"),
    Stage.LOST: QT_TRANSLATE_NOOP("deals", "Lost"),
}


def stage_name(stage: Stage) -> str:
    return QCoreApplication.translate("deals", str(_STAGE_NAMES[stage]))


def totals_text(locale: QLocale, totals: dict[str, int]) -> str:
    """One money amount per currency, largest first ("$1,200.00 + 300.00 EUR"); 0 when empty."""
    if not totals:
        return money_text(locale, 0, "USD")
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    return " + ".join(money_text(locale, cents, currency) for currency, cents in ordered)
