"""List projections on a real replica file: the side table follows every write, rebuilds itself
when its declaration changes (and from an older desktop's tables), and lookup columns follow
the records they name. No Qt: desktop/core/kit."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from common.sync import Change, PullResponse
from desktop.core import customers, deals
from desktop.core.kit.listing import EntityList, ListQuery
from desktop.core.kit.projection import ListColumn, ListProjection, ensure_projection, text
from desktop.core.modules import MODULES, open_list
from desktop.core.replica import Replica


def pull(replica: Replica, *changes: Change, reset: bool = False) -> None:
    replica.apply_pull_page(
        PullResponse(
            changes=list(changes),
            cursor="c",
            has_more=False,
            phase="snapshot" if reset else "incremental",
            reset=reset,
            server_version=max((c.version for c in changes), default=0),
        )
    )


def upsert(entity: str, id: str, version: int, **data: Any) -> Change:
    return Change(entity=entity, id=id, op="upsert", version=version, data={"id": id, **data})


def customer(id: str, version: int, name: str, **more: Any) -> Change:
    return upsert("customer", id, version, name=name, active=True, **more)


def a_deal(id: str, version: int, title: str, client_id: str, **more: Any) -> Change:
    data = {"value": 100, "currency": "USD", "stage": "LEAD", **more}  # probability: the stage's
    return upsert("deal", id, version, title=title, client_id=client_id, **data)


@pytest.fixture
def replica(tmp_path: Path) -> Any:
    r = Replica(tmp_path / "r.sqlite3")
    yield r
    r.close()


def titles(rows: EntityList, query: ListQuery | None = None) -> list[str]:
    return [str(r["title"]) for r in rows.page(query or ListQuery())]


def parties(n: int, version: int) -> list[Change]:
    """A supplier, a partner and an employee, as the server serializes them."""
    address = {"city": "Lviv", "country_code": "UA", "country": "UA"}
    return [
        upsert(kind, f"{kind}{n}", version + i, name=f"{kind} {n}", email=f"{kind}{n}@x.example",
               status="active", address=address, **({"position": "Buyer"} if i == 2 else {}))
        for i, kind in enumerate(("supplier", "partner", "employee"))
    ]  # fmt: skip


def sales(n: int, version: int, customer_id: str) -> list[Change]:
    """A catalog item, an order and an invoice (with a line each), as the server reads them."""
    line = {
        "id": f"l{n}",
        "position": 0,
        "item_id": f"item{n}",
        "sku": f"SKU-{n}",
        "description": "Widget",
        "quantity": 2,
        "unit_price": 500,
        "tax_rate": "vat_20",
        "tax_basis_points": 2000,
        "subtotal": 1000,
        "tax": 200,
        "total": 1200,
    }
    return [
        upsert("catalog_item", f"item{n}", version, sku=f"SKU-{n}", name=f"Widget {n}",
               unit_price=500, currency="USD", tax_rate="vat_20", status="active"),
        upsert("order", f"order{n}", version + 1, customer_id=customer_id, status="draft",
               currency="USD", lines=[line], total=1200),
        upsert("invoice", f"inv{n}", version + 2, number=f"INV-2026-00{n}", status="sent",
               customer_id=customer_id, currency="USD", lines=[line], total=1200,
               amount_paid=0, issue_date="2026-01-05", due_date="2099-01-05"),
    ]  # fmt: skip


def inventory(n: int, version: int) -> list[Change]:
    """A warehouse, the stock record of sales(n)'s item there and one movement of it."""
    return [
        upsert("warehouse", f"wh{n}", version, name=f"Depot {n}", location="Kyiv",
               capacity=None, active=True, stock_total=3),
        upsert("stock", f"st{n}", version + 1, item_id=f"item{n}", warehouse_id=f"wh{n}",
               quantity=3, reserved=1, low_stock_threshold=None),
        upsert("stock_movement", f"mv{n}", version + 2, stock_id=f"st{n}", item_id=f"item{n}",
               warehouse_id=f"wh{n}", kind="adjust", quantity=3, reserved=0, quantity_after=3,
               reserved_after=0, reason="Count", created_at="2026-01-05T10:00:00Z"),
    ]  # fmt: skip


def test_every_declared_projection_builds_on_an_empty_and_on_a_filled_replica(
    replica: Replica,
) -> None:
    first = [
        customer("c1", 1, "Acme"),
        a_deal("d1", 2, "Robots", "c1"),
        *parties(1, 3),
        *sales(1, 10, "c1"),
        *inventory(1, 15),
    ]
    assert {c.entity for c in first} == {m.name for m in MODULES}  # one record of every module
    pull(replica, *first, reset=True)
    for module in MODULES:  # the side tables are made after the rows arrived: backfilled
        with open_list(module, replica) as rows:
            assert rows.count() == 1
    pull(
        replica,
        customer("c2", 20, "Globex"),
        a_deal("d2", 21, "Drones", "c2"),
        *parties(2, 22),
        *sales(2, 30, "c2"),
        *inventory(2, 35),
    )
    for module in MODULES:  # and kept by the triggers from then on
        with open_list(module, replica) as rows:
            assert rows.count() == 2


def test_a_changed_declaration_rebuilds_the_side_table_once(replica: Replica) -> None:
    first = ListProjection(
        entity="customer", columns=(ListColumn("name", text("$.name")),), sort_keys=("name",),
        search=("name",),
    )  # fmt: skip
    pull(replica, customer("c1", 1, "Acme", email="a@acme.example"), reset=True)
    with EntityList(first, replica) as rows:
        assert [r.values for r in rows.page(ListQuery())] == [{"name": "Acme"}]
    # A later desktop adds a column: the replica's table is rebuilt from the records.
    second = ListProjection(
        entity="customer",
        columns=(ListColumn("name", text("$.name")), ListColumn("email", text("$.email"))),
        sort_keys=("name", "email"),
        search=("name", "email"),
    )
    assert second.fingerprint != first.fingerprint
    with EntityList(second, replica) as rows:
        assert [r.values for r in rows.page(ListQuery())] == [
            {"name": "Acme", "email": "a@acme.example"}
        ]
        assert [r.id for r in rows.page(ListQuery("acme.example"))] == ["c1"]  # search too
    conn = sqlite3.connect(replica.path)
    assert ensure_projection(conn, second) is False  # stored fingerprint matches: no rebuild
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    conn.close()
    assert "customer_list_ins" in names
    # The new triggers write the new column.
    pull(replica, customer("c2", 2, "Globex", email="g@globex.example"))
    with EntityList(second, replica) as rows:
        assert rows.get("c2") is not None and rows.get("c2")["email"] == "g@globex.example"  # type: ignore[index]


def test_an_older_desktops_customer_list_is_replaced(replica: Replica) -> None:
    # The side table and a trigger as the desktop before the kit made them (no version stored).
    conn = sqlite3.connect(replica.path, isolation_level=None)
    conn.executescript(
        """
        CREATE TABLE customer_list (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL, search TEXT NOT NULL);
        CREATE TRIGGER customer_list_ins AFTER INSERT ON records
        WHEN new.entity = 'customer' AND new.local_data IS NOT NULL BEGIN
            INSERT INTO customer_list (id, name, search) VALUES (new.id, 'old', 'old');
        END;
        """
    )
    conn.close()
    pull(replica, customer("c1", 1, "Acme", address={"city": "Lviv", "country_code": "UA"}))
    with open_list(customers.ENTITY, replica) as rows:
        [row] = rows.page(ListQuery())
        assert (row["name"], row["city"], row["country"]) == ("Acme", "Lviv", "UA")
    pull(replica, customer("c2", 2, "Globex"))  # the old trigger is gone with its table
    with open_list(customers.ENTITY, replica) as rows:
        assert [r["name"] for r in rows.page(ListQuery())] == ["Acme", "Globex"]


def test_a_deal_shows_its_clients_name_as_the_client_is_renamed_edited_or_deleted(
    replica: Replica,
) -> None:
    pull(
        replica,
        customer("c1", 1, "Acme"),
        customer("c2", 2, "Zenith"),
        a_deal("d1", 3, "Robots", "c1"),
        a_deal("d2", 4, "Drones", "c2"),
        reset=True,
    )
    with open_list(deals.ENTITY, replica) as rows:
        by_client = ListQuery(sort="client_name")
        assert titles(rows, by_client) == ["Robots", "Drones"]
        # Renamed on the server: the deal's row follows, sorts and searches by the new name.
        pull(replica, customer("c1", 5, "Zulu Industries"))
        assert titles(rows, by_client) == ["Drones", "Robots"]
        assert titles(rows, ListQuery("zulu")) == ["Robots"]
        # Renamed here, not yet sent: the same.
        replica.update(entity="customer", id="c2", changes={"name": "Alpha"})
        assert titles(rows, ListQuery("alpha")) == ["Drones"]
        assert rows.get("d2")["client_name"] == "Alpha"  # type: ignore[index]
        # A deal moved to another client, and a client arriving after its deal.
        replica.update(entity="deal", id="d2", changes={"client_id": "c3"})
        assert rows.get("d2")["client_name"] == ""  # type: ignore[index]
        pull(replica, customer("c3", 6, "Late Arrival"))
        assert rows.get("d2")["client_name"] == "Late Arrival"  # type: ignore[index]
        # The client deleted: the deal stays, without a name.
        pull(replica, Change(entity="customer", id="c1", op="delete", version=7))
        assert rows.get("d1")["client_name"] == ""  # type: ignore[index]


def test_a_queued_stage_move_shows_as_the_stage_and_pages_stay_gapless(
    replica: Replica,
) -> None:
    stages = ["LEAD", "QUALIFIED", "PROPOSAL", "NEGOTIATION"]
    pull(
        replica,
        customer("c1", 1, "Acme"),
        *(
            a_deal(f"d{n:02d}", n + 2, f"Deal {n:02d}", "c1", stage=stages[n % 4])
            for n in range(40)
        ),
        reset=True,
    )
    for n in range(0, 40, 3):  # a third of them move to WON (queued, not yet pulled)
        replica.command(entity="deal", id=f"d{n:02d}", name="move_stage", args={"stage": "WON"})
    with open_list(deals.ENTITY, replica) as rows:
        shown = {r.id: (r["stage"], r["probability"], r.moving) for r in rows.rows(ListQuery())}
        assert shown["d00"] == ("WON", 100, True)
        assert shown["d01"] == ("QUALIFIED", 25, False)
        # Paging by stage walks the stored order; every deal comes exactly once.
        seen: list[str] = []
        after = None
        while True:
            page = rows.page(ListQuery(sort="stage_rank"), after=after, limit=7)
            seen.extend(r.id for r in page)
            if len(page) < 7:
                break
            after = page[-1]
        assert sorted(seen) == sorted(shown) and len(seen) == 40


def test_filters_and_sorts_are_checked_against_the_declaration(replica: Replica) -> None:
    with open_list(customers.ENTITY, replica) as rows:
        with pytest.raises(ValueError, match="cannot sort"):
            rows.page(ListQuery(sort="notes"))
        with pytest.raises(ValueError, match="cannot filter"):
            rows.page(ListQuery(filters={"notes": "x"}))
    with pytest.raises(ValueError, match="not a plain SQL name"):
        ListProjection(entity="x; drop", columns=(), sort_keys=(), search=())
