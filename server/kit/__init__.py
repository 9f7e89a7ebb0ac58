"""The module kit: a module declares itself once; routes, sync spec and permissions follow.

See ``resource.py`` for the declaration, ``rest.py`` and ``sync.py`` for what
is generated from it, and ``server/modules.py`` for the one list of modules.
"""

from server.kit.resource import (
    BASE_READ_ONLY,
    Child,
    Command,
    CrudService,
    ListSpec,
    Ref,
    Resource,
    SyncSpec,
)
from server.kit.shapes import CURSOR, DATA_LIST, PAGE_LIMIT, RestShape, Wire, micro_crm

__all__ = [
    "BASE_READ_ONLY",
    "CURSOR",
    "DATA_LIST",
    "PAGE_LIMIT",
    "Child",
    "Command",
    "CrudService",
    "ListSpec",
    "Ref",
    "Resource",
    "RestShape",
    "SyncSpec",
    "Wire",
    "micro_crm",
]
