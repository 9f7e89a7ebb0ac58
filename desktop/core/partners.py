"""Partners on the desktop: a party (desktop/core/parties.py) in its own words; no Qt."""

from __future__ import annotations

from common.parties import PartnerCreate, PartnerUpdate
from desktop.core.kit.entity import QT_TRANSLATE_NOOP
from desktop.core.parties import party_entity

C = "partners"  # the translation context

ENTITY = party_entity(
    name="partner",
    context=C,
    create=PartnerCreate,
    update=PartnerUpdate,
    label=QT_TRANSLATE_NOOP(C, "Partner"),
    plural=QT_TRANSLATE_NOOP(C, "Partners"),
    count=QT_TRANSLATE_NOOP(C, "%n partner(s)"),
    count_more=QT_TRANSLATE_NOOP(C, "%1+ partners"),
    new_title=QT_TRANSLATE_NOOP(C, "New partner"),
    order=40,
)
