"""THE list of modules. The app's routes, the schema (``server/models.py``), the sync
registry and the generated conformance tests (``tests/server/kit``) all read it.

Business modules are kit declarations (``server/<module>/__init__.py``: a
``Resource``); their routes and sync specs are generated here. The platform's
own parts (sign-in, users and roles, audit, sync, countries, API keys, Micro
CRM clients) keep hand-written routers, listed here too.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from server import (
    catalog,
    contracts,
    customers,
    deals,
    employees,
    inventory,
    invoices,
    ledger,
    orders,
    partners,
    suppliers,
)
from server.api_keys.router import router as api_keys_router
from server.audit.router import router as audit_router
from server.auth.router import router as auth_router
from server.clients.router import router as clients_router
from server.countries import sync as _countries_sync  # noqa: F401 - registers the entity
from server.countries.router import router as countries_router
from server.files import sync as _files_sync  # noqa: F401 - registers the entity
from server.files import targets as file_targets
from server.files.router import router as files_router
from server.kit import Resource
from server.kit.refs import incoming
from server.kit.rest import router
from server.kit.sync import entity_spec
from server.notifications.router import router as notifications_router
from server.sync import conflicts as _conflicts  # noqa: F401 - registers the entity
from server.sync.registry import EntitySpec, register
from server.sync.router import router as sync_router
from server.users import sync as _users_sync  # noqa: F401 - registers users and roles
from server.users.models import User
from server.users.router import roles_router
from server.users.router import router as users_router

MODULES: tuple[Resource[Any], ...] = (
    customers.RESOURCE,
    deals.RESOURCE,
    suppliers.RESOURCE,
    partners.RESOURCE,
    employees.RESOURCE,
    catalog.CATEGORY,
    catalog.ITEM,
    orders.RESOURCE,
    invoices.RESOURCE,
    ledger.ACCOUNT,
    ledger.TRANSACTION,
    inventory.WAREHOUSE,
    inventory.MOVEMENT,  # before STOCK: /stock/movements before /stock/{id}
    inventory.STOCK,
    contracts.RESOURCE,
)
PLATFORM_ROUTERS: tuple[APIRouter, ...] = (
    auth_router,
    users_router,
    roles_router,
    audit_router,
    sync_router,
    countries_router,
    api_keys_router,
    clients_router,
    files_router,
    notifications_router,
)
# Which declared references point at each module's rows (a delete of one is a 409).
INCOMING = incoming(MODULES)
SYNC_SPECS: tuple[EntitySpec, ...] = tuple(
    register(entity_spec(r, INCOMING.get(r.model, ()))) for r in MODULES if r.sync is not None
)


# The records a file can belong to: every module's, and users (server/files/targets.py).
for _r in MODULES:
    file_targets.register(
        file_targets.Target(_r.entity, _r.model, _r.read_permission, _r.write_permission)
    )
file_targets.register(file_targets.Target("user", User, "users:read", "users:write"))

# Generated once per process: every app (a test makes one each) includes the same routers.
MODULE_ROUTERS: tuple[APIRouter, ...] = tuple(
    each
    for r in MODULES
    if r.rest is not None
    for each in (router(r, INCOMING.get(r.model, ())), *r.routers)
)


def install(app: FastAPI) -> None:
    """Every route: the platform's, then each module's, generated from its declaration."""
    for each in (*PLATFORM_ROUTERS, *MODULE_ROUTERS):
        app.include_router(each)
