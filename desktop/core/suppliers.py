"""Suppliers on the desktop: a party (desktop/core/parties.py) in its own words; no Qt."""

from __future__ import annotations

from common.parties import SupplierCreate, SupplierUpdate
from desktop.core.kit.entity import QT_TRANSLATE_NOOP
from desktop.core.parties import party_entity

C = "suppliers"  # the translation context

ENTITY = party_entity(
    name="supplier",
    context=C,
    create=SupplierCreate,
    update=SupplierUpdate,
    label=QT_TRANSLATE_NOOP(C, "Supplier"),
    plural=QT_TRANSLATE_NOOP(C, "Suppliers"),
    count=QT_TRANSLATE_NOOP(C, "%n supplier(s)"),
    count_more=QT_TRANSLATE_NOOP(C, "%1+ suppliers"),
    new_title=QT_TRANSLATE_NOOP(C, "New supplier"),
    order=30,
)
