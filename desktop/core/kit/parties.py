"""What every party-like module shares (customers, suppliers, partners, employees): the
active flag, changed only by the server's ``activate``/``deactivate`` commands; no Qt.

Texts here are in the "kit" translation context (the UI looks there after the module's own).
"""

from __future__ import annotations

from desktop.core.kit.entity import QT_TRANSLATE_NOOP, Choice, Column, Command, Field, ListFilter

K = "kit"
STATUS = (
    Choice("1", QT_TRANSLATE_NOOP(K, "Active")),
    Choice("0", QT_TRANSLATE_NOOP(K, "Inactive")),
)

ACTIVE_COMMANDS = (
    Command(
        "deactivate",
        QT_TRANSLATE_NOOP(K, "Deactivate"),
        QT_TRANSLATE_NOOP(K, "Deactivation — the server confirms it at the next sync"),
        pending=QT_TRANSLATE_NOOP(K, "Deactivating…"),
        sets=("active", 0),
        inverse="activate",
    ),
    Command(
        "activate",
        QT_TRANSLATE_NOOP(K, "Activate"),
        QT_TRANSLATE_NOOP(K, "Activation — the server confirms it at the next sync"),
        pending=QT_TRANSLATE_NOOP(K, "Activating…"),
        sets=("active", 1),
        inverse="deactivate",
    ),
)
# The form shows the flag with the command that changes it (Deactivate while active).
ACTIVE_FIELD = Field(
    "active",
    QT_TRANSLATE_NOOP(K, "Status"),
    "status",
    choices=STATUS,
    commands=("deactivate", "activate"),
    default=True,
)
ACTIVE_COLUMN = Column("active", QT_TRANSLATE_NOOP(K, "Status"), "status", choices=STATUS)
ACTIVE_FILTER = ListFilter(
    "active",
    (
        (QT_TRANSLATE_NOOP(K, "All"), None),
        (QT_TRANSLATE_NOOP(K, "Active"), True),
        (QT_TRANSLATE_NOOP(K, "Inactive"), False),
    ),
)
