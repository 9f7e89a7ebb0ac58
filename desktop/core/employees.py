"""Employees on the desktop: a party (desktop/core/parties.py) with a position; no Qt."""

from __future__ import annotations

from common.parties import EmployeeCreate, EmployeeUpdate
from desktop.core.kit.entity import QT_TRANSLATE_NOOP, Field
from desktop.core.parties import party_entity

C = "employees"  # the translation context

ENTITY = party_entity(
    name="employee",
    context=C,
    create=EmployeeCreate,
    update=EmployeeUpdate,
    label=QT_TRANSLATE_NOOP(C, "Employee"),
    plural=QT_TRANSLATE_NOOP(C, "Employees"),
    count=QT_TRANSLATE_NOOP(C, "%n employee(s)"),
    count_more=QT_TRANSLATE_NOOP(C, "%1+ employees"),
    new_title=QT_TRANSLATE_NOOP(C, "New employee"),
    # Required on create; an update may clear it (the spec's employees section).
    extra=(Field("position", QT_TRANSLATE_NOOP(C, "Position"), required=True, example="Buyer"),),
    filter_hint=QT_TRANSLATE_NOOP(C, "Filter by name, position, email, phone, tax ID, city"),
    order=50,
)
