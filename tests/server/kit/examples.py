"""How the generated checks make a record of each module: one ``Example`` per entity.

A new module adds one entry here (``test_every_module_has_an_example`` fails
until it does) and gets CRUD, partial-update, error, permission and sync
checks without writing them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common.kit import example
from common.parties import EmployeeCreate, PartnerCreate, SupplierCreate
from tests.conftest import Api
from tests.contract_factories import contract_payload, create_party
from tests.factories import create_customer, customer_payload
from tests.inventory_factories import movements, stocked, warehouse_payload
from tests.ledger_factories import account_payload, create_account, entry
from tests.micro_factories import create_client
from tests.sales_factories import category_payload, create_item, invoice_payload, item_payload

_seq = itertools.count(1)
Body = dict[str, Any]


@dataclass(frozen=True)
class Example:
    create: Callable[[Api], Body]  # a valid REST create body, unique on every call
    find: Callable[[Body], dict[str, str]]  # list query params that find the created record
    sync_data: Callable[[Api], Body] | None = None  # a sync create's data (default: ``create``)
    set: tuple[str, Any, Any] = ("tax_id", "X-42", "X-42")  # field, value sent, value read
    clearable: str = "tax_id"  # null clears it
    required: str | None = "name"  # null is refused (None: no field is required)
    invalid: tuple[str, Any] = ("email", "not an email")
    unchanged_by_set: frozenset[str] = field(default_factory=frozenset)  # derived fields
    immutable: bool = False  # no update at all: a sync update is refused (409), not applied
    # Modules whose records the server makes (no create route): how a test gets one.
    make: Callable[[Api], Body] | None = None


def _by_name(created: Body) -> dict[str, str]:
    return {"search": created["name"]}


def _party(schema: type[Any]) -> Callable[[Api], Body]:
    def make(_api: Api) -> Body:
        n = next(_seq)
        body = example(schema)
        body["name"] = f"{body['name']} {n}"
        body["email"] = f"kit{n}.{body['email']}"
        return body

    return make


def _deal(api: Api) -> Body:
    return {"title": f"Kit deal {next(_seq)}", "clientId": create_client(api)["id"], "value": 12.5}


def _deal_row(api: Api) -> Body:
    return {"title": f"Kit deal {next(_seq)}", "client_id": create_client(api)["id"], "value": 1250}


def _order(api: Api) -> Body:
    item = create_item(api)
    return {
        "customer_id": create_customer(api)["id"],
        "lines": [{"item_id": item["id"], "quantity": 2}],
        "notes": f"Kit order {next(_seq)}",
    }


def _invoice(api: Api) -> Body:
    return invoice_payload(create_customer(api)["id"])


def _transaction(api: Api) -> Body:
    cash = create_account(api, type="asset")
    sales = create_account(api, type="revenue")
    return entry(cash["id"], sales["code"], 12345)


def _stock(api: Api) -> Body:
    return stocked(api)[2]


def _movement(api: Api) -> Body:
    return movements(api, stock_id=stocked(api, 3)[2]["id"])[0]


_DOCUMENT = {
    "set": ("notes", "Net 30", "Net 30"),
    "clearable": "notes",
    "required": "customer_id",
    "invalid": ("due_date", "not a date"),
}


EXAMPLES: dict[str, Example] = {
    "customer": Example(
        create=lambda _api: customer_payload(),
        find=_by_name,
        # A replica sends the billing address as ``address`` in later updates, not ``addresses``.
        sync_data=lambda _api: {k: v for k, v in customer_payload().items() if k != "addresses"},
    ),
    "supplier": Example(create=_party(SupplierCreate), find=_by_name),
    "partner": Example(create=_party(PartnerCreate), find=_by_name),
    "employee": Example(create=_party(EmployeeCreate), find=_by_name),
    "deal": Example(
        create=_deal,
        find=lambda created: {"clientId": created["client"]["id"]},
        sync_data=_deal_row,
        set=("notes", "signed", "signed"),
        clearable="notes",
        required="title",
        invalid=("value", -1),
    ),
    "catalog_category": Example(
        create=lambda _api: category_payload(),
        find=_by_name,
        set=("description", "Tools and parts", "Tools and parts"),
        clearable="description",
        invalid=("parent_id", "no-such-category"),
    ),
    "catalog_item": Example(
        create=lambda _api: item_payload(),
        find=lambda created: {"search": created["sku"]},
        set=("description", "Blue", "Blue"),
        clearable="description",
        invalid=("unit_price", -1),
    ),
    "order": Example(
        create=_order,
        find=lambda created: {"customer_id": created["customer_id"]},
        **_DOCUMENT,  # type: ignore[arg-type]
    ),
    "invoice": Example(
        create=_invoice,
        find=lambda created: {"customer_id": created["customer_id"]},
        **_DOCUMENT,  # type: ignore[arg-type]
    ),
    "account": Example(
        create=lambda _api: account_payload(),
        find=lambda created: {"search": created["code"]},
        set=("description", "Petty cash", "Petty cash"),
        clearable="description",
        invalid=("type", "nonsense"),
    ),
    "contract": Example(
        create=lambda api: contract_payload(create_party(api)["id"]),
        find=lambda created: {"party_id": created["party_id"]},
        set=("credit_limit", 1000, 1000),
        required="contract_type",
        invalid=("end_date", "not a date"),
    ),
    "transaction": Example(
        create=_transaction,
        find=lambda created: {"search": created["number"]},
        set=("description", "Changed", "Changed"),
        required="lines",
        immutable=True,
    ),
    "warehouse": Example(
        create=lambda _api: warehouse_payload(),
        find=_by_name,
        set=("location", "Boston, MA", "Boston, MA"),
        clearable="location",
        invalid=("capacity", -1),
    ),
    "stock": Example(
        create=lambda _api: {},
        make=_stock,
        find=lambda made: {"item_id": made["item_id"], "warehouse_id": made["warehouse_id"]},
        set=("low_stock_threshold", 5, 5),
        clearable="low_stock_threshold",
        required=None,
        invalid=("low_stock_threshold", -1),
        unchanged_by_set=frozenset({"low"}),
    ),
    "stock_movement": Example(
        create=lambda _api: {},
        make=_movement,
        find=lambda made: {"stock_id": made["stock_id"]},
        immutable=True,
    ),
}
