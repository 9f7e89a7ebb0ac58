"""Translated stage names and money totals shared by the pipeline, the list and the form."""

from __future__ import annotations

from PySide6.QtCore import QLocale

from common.deals import Stage
from desktop.core.deals import ENTITY, STAGE_CHOICES
from desktop.ui.kit.display import tr
from desktop.ui.kit.money import money_text

_LABELS = {c.value: c.label for c in STAGE_CHOICES}


def stage_name(stage: Stage) -> str:
    return tr(ENTITY, _LABELS[stage.value])


def totals_text(locale: QLocale, totals: dict[str, int]) -> str:
    """One money amount per currency, largest first ("$1,200.00 + 300.00 EUR"); 0 when empty."""
    if not totals:
        return money_text(locale, 0, "USD")
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    return " + ".join(money_text(locale, cents, currency) for currency, cents in ordered)
