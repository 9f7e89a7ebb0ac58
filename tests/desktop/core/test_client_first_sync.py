"""A first sync against the real server: pages read ahead while the last one is applied, the
list side tables built once at the end, interruptions that leave whole pages only, bad rows
refused."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from desktop.core import customers
from desktop.core.client import Offline, ProtocolError
from desktop.core.kit.listing import ListQuery
from desktop.core.modules import MODULES, open_list
from desktop.core.replica import Replica
from server.context import AppContext
from server.customers.models import Customer
from tests.conftest import Api
from tests.desktop.core.conftest import ClientFactory, FaultyTransport
from tests.factories import create_customer

PULL = "/api/v1/sync/pull"


def rows(replica: Replica) -> list[tuple[object, ...]]:
    with replica._lock:
        return replica._conn.execute(
            "SELECT entity, id, version, server_data, local_data, dirty FROM records "
            "ORDER BY entity, id"
        ).fetchall()


def customer_ids(ctx: AppContext) -> set[str]:
    with ctx.unit_of_work() as s:
        return set(s.scalars(sa.select(Customer.id)))


@pytest.mark.parametrize("fault", ["503", "drop", "lose"])
def test_a_first_sync_cut_off_at_page_k_resumes_to_the_servers_data(
    ctx: AppContext, admin: Api, make_client: ClientFactory, faulty: FaultyTransport, fault: str
) -> None:
    made = [create_customer(admin, name=f"Snapshot Customer {n}")["id"] for n in range(30)]
    client = make_client(transport=faulty, pull_limit=40)
    lists = [open_list(m, client.replica) for m in MODULES]  # as the app: lists before the sync
    try:
        faulty.fail(PULL, fault, after=4)  # pages 1-4 arrive, the 5th request fails
        with pytest.raises(Offline):
            client.pull_until_done()
        # Whole pages only: four of them, and the cursor of the fourth.
        assert len(rows(client.replica)) == 4 * 40
        assert client.replica.cursor is not None
        client.close()
        client.replica.close()

        resumed = make_client(pull_limit=40)  # the app restarted
        resumed.pull_until_done()
        reference = make_client(name="reference", pull_limit=2000)
        reference.pull_until_done()
        assert rows(resumed.replica) == rows(reference.replica)
        assert {c["id"] for c in resumed.replica.list(entity="customer")} == customer_ids(ctx)
        assert set(made) <= customer_ids(ctx)
        # The lists opened before the sync show every customer, and the search finds one.
        listed = next(x for x in lists if x.projection.entity == "customer")
        assert listed.count() == len(customer_ids(ctx))
        found = listed.page(ListQuery(text="Snapshot Customer 17"))
        assert [r.id for r in found] == [made[17]]
    finally:
        for x in lists:
            x.close()


def test_the_list_and_search_work_right_after_a_first_sync(
    admin: Api, make_client: ClientFactory
) -> None:
    late = [create_customer(admin, name=f"Zeta Works {n}") for n in range(25)]
    client = make_client(pull_limit=30)
    customers_list = open_list(customers.ENTITY, client.replica)
    try:
        client.pull_until_done()
        assert customers_list.count() == len(client.replica.list(entity="customer"))
        found = customers_list.page(ListQuery(text="zeta works 24"))
        assert [r.id for r in found] == [late[24]["id"]]
        assert found[0]["city"] == "New York"  # a column made from the pulled row
        # A local edit after the snapshot goes through the list's triggers again.
        client.replica.update(entity="customer", id=late[3]["id"], changes={"name": "Omega"})
        assert [r.id for r in customers_list.page(ListQuery(text="omega"))] == [late[3]["id"]]
    finally:
        customers_list.close()


def test_an_edit_made_between_snapshot_pages_is_listed(
    admin: Api, make_client: ClientFactory
) -> None:
    for n in range(20):
        create_customer(admin, name=f"Paged Customer {n}")
    client = make_client(pull_limit=40)
    customers_list = open_list(customers.ENTITY, client.replica)
    try:
        while not client.replica.list(entity="customer"):
            client.pull_page()
        mine = client.replica.create(entity="customer", data={"name": "Typed Mid Sync"})
        assert [r.id for r in customers_list.page(ListQuery(text="typed mid"))] == [mine]
        client.pull_until_done()
        assert [r.id for r in customers_list.page(ListQuery(text="typed mid"))] == [mine]
        assert customers_list.count() == len(client.replica.list(entity="customer"))
    finally:
        customers_list.close()


class BadRowTransport(httpx.HTTPTransport):
    """The real server's pull answers, with one row of the first page changed by ``spoil``."""

    def __init__(self, spoil: str) -> None:
        super().__init__()
        self.spoil = spoil
        self.done = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path != PULL or self.done:
            return response
        page = json.loads(response.read())
        change = page["changes"][3]
        if self.spoil == "control":
            change["data"]["name"] = "Bad\u0007Bell"
        elif self.spoil == "c1":
            change["data"]["name"] = "Bad\u0085Next"
        elif self.spoil == "version":
            change["version"] = "7"
        elif self.spoil == "data":
            change["data"] = ["not", "a", "record"]
        elif self.spoil == "op":
            change["op"] = "merge"
        self.done = True
        return httpx.Response(200, json=page, request=request)


@pytest.mark.parametrize("spoil", ["control", "c1", "version", "data", "op"])
def test_a_bad_row_from_the_server_is_refused(
    admin: Api, make_client: ClientFactory, spoil: str
) -> None:
    create_customer(admin)
    client = make_client(transport=BadRowTransport(spoil), pull_limit=50)
    with pytest.raises(ProtocolError, match="refused"):
        client.pull_until_done()
    assert rows(client.replica) == [] and client.replica.cursor is None  # nothing applied
    client.pull_until_done()  # the next answer is sound: the sync goes on
    assert client.replica.list(entity="customer")


def test_a_replica_file_keeps_its_lists_across_a_snapshot_restart(
    admin: Api, make_client: ClientFactory, tmp_path: Path
) -> None:
    """Stopped mid-snapshot, the lists wait for its end, even in another process's run."""
    for n in range(10):
        create_customer(admin, name=f"Restart Customer {n}")
    first = make_client(pull_limit=100)
    customers_list = open_list(customers.ENTITY, first.replica)
    try:
        first.pull_until_done(max_pages=2)
        first.close()
        first.replica.close()
        again = make_client(pull_limit=100)
        again.pull_until_done()
        assert customers_list.count() == len(again.replica.list(entity="customer")) >= 10
        assert len(customers_list.page(ListQuery(text="restart customer"))) == 10
    finally:
        customers_list.close()
