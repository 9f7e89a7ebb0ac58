"""The replica on its own: local edits and their outbox, pulled pages, acks, reopening the file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from common.api import ErrorBody
from common.sync import Change, MutationResult, PullResponse
from desktop.core.replica import RecordNotFound, Replica


def page(*changes: Change, cursor: str = "c1", reset: bool = False) -> PullResponse:
    return PullResponse(
        changes=list(changes),
        cursor=cursor,
        has_more=False,
        phase="snapshot" if reset else "incremental",
        reset=reset,
        server_version=max((c.version for c in changes), default=0),
    )


def upsert(id: str, version: int, **data: object) -> Change:
    return Change(
        entity="customer",
        id=id,
        op="upsert",
        version=version,
        data={"id": id, "version": version, **data},
    )


ACME = {"name": "Acme", "phone": "+1 555 0100", "address": {"city": "New York", "zip": "10001"}}


@pytest.fixture
def replica(tmp_path: Path) -> Replica:
    r = Replica(tmp_path / "r.sqlite3")
    yield r
    r.close()


def test_pragmas_and_identity(tmp_path: Path, replica: Replica) -> None:
    conn = replica._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    client_id = replica.client_id
    assert len(client_id) == 36 and client_id[14] == "7"  # UUIDv7
    replica.close()
    with Replica(tmp_path / "r.sqlite3") as again:
        assert again.client_id == client_id  # made once


def test_local_edits_write_the_record_and_the_outbox(replica: Replica) -> None:
    replica.apply_pull_page(page(upsert("a", 5, **ACME)))
    cid = replica.create(entity="customer", data={"name": "New Co"})
    assert replica.get(entity="customer", id=cid) == {"id": cid, "name": "New Co"}
    replica.update(
        entity="customer", id="a", changes={"phone": "+1 555 0200", "address": {"city": "Boston"}}
    )
    assert replica.get(entity="customer", id="a")["address"] == {"city": "Boston", "zip": "10001"}
    replica.command(entity="customer", id="a", name="deactivate", args={})
    replica.delete(entity="customer", id=cid)
    assert replica.get(entity="customer", id=cid) is None
    assert [c["id"] for c in replica.list(entity="customer")] == ["a"]
    assert replica.is_dirty(entity="customer", id="a")

    wire = [m.to_wire() for m in replica.pending()]
    assert [(m.mutation_id, m.op) for m in wire] == [
        (1, "create"),
        (2, "update"),
        (3, "command"),
        (4, "delete"),
    ]
    assert wire[0].data == {"name": "New Co"} and wire[0].id == cid
    assert wire[1].changes == {"phone": "+1 555 0200", "address": {"city": "Boston"}}
    assert wire[1].base == {"phone": "+1 555 0100", "address": {"city": "New York"}}
    assert wire[1].base_version == 5
    assert wire[2].command == "deactivate" and wire[2].args == {}
    assert replica.pending_count() == 4
    with pytest.raises(RecordNotFound):
        replica.update(entity="customer", id=cid, changes={"name": "x"})


def test_a_failed_edit_leaves_neither_row_nor_outbox(
    replica: Replica, monkeypatch: pytest.MonkeyPatch
) -> None:
    replica.apply_pull_page(page(upsert("a", 5, **ACME)))

    def crash(*_: object) -> None:
        raise RuntimeError("killed after the outbox insert, before the row update")

    monkeypatch.setattr(replica, "_recompute", crash)
    with pytest.raises(RuntimeError):
        replica.update(entity="customer", id="a", changes={"name": "Acme Inc"})
    monkeypatch.undo()
    assert replica.pending_count() == 0
    assert replica.get(entity="customer", id="a")["name"] == "Acme"
    # The mutation id was not consumed either.
    replica.update(entity="customer", id="a", changes={"name": "Acme Inc"})
    assert [m.mutation_id for m in replica.pending()] == [1]


def test_pulled_rows_keep_pending_edits_on_top(replica: Replica) -> None:
    replica.apply_pull_page(page(upsert("a", 5, **ACME)))
    replica.update(entity="customer", id="a", changes={"phone": "+1 555 0200"})
    # Someone else renamed it: both changes show; the pending one stays pending.
    replica.apply_pull_page(page(upsert("a", 6, **{**ACME, "name": "Acme Ltd"}), cursor="c2"))
    assert replica.get(entity="customer", id="a") | {} == {
        "id": "a",
        "version": 6,
        **ACME,
        "name": "Acme Ltd",
        "phone": "+1 555 0200",
    }
    assert replica.cursor == "c2" and replica.pending_count() == 1


def test_a_server_delete_keeps_a_pending_local_edit(replica: Replica) -> None:
    replica.apply_pull_page(page(upsert("a", 5, **ACME), upsert("b", 5, name="B")))
    replica.update(entity="customer", id="a", changes={"phone": "+1 555 0200"})
    gone = [Change(entity="customer", id=i, op="delete", version=7) for i in ("a", "b")]
    replica.apply_pull_page(page(*gone, cursor="c2"))
    assert replica.get(entity="customer", id="b") is None
    assert replica.get(entity="customer", id="a")["phone"] == "+1 555 0200"  # not lost
    # Once the server answered (a conflict record keeps the edit), the row goes.
    replica.ack(
        results=[MutationResult(mutation_id=1, status="conflict", conflicts=["k1"])],
        last_mutation_id=1,
    )
    assert replica.conflict_results() == [(1, "customer", "a", ["k1"])]
    replica.apply_pull_page(page(gone[0], cursor="c3"))
    assert replica.get(entity="customer", id="a") is None


def test_reset_drops_records_but_keeps_the_outbox(replica: Replica) -> None:
    replica.apply_pull_page(page(upsert("a", 5, **ACME), upsert("b", 5, name="B")))
    cid = replica.create(entity="customer", data={"name": "Offline Co"})
    replica.update(entity="customer", id="a", changes={"name": "Mine"})
    replica.apply_pull_page(page(upsert("a", 9, **ACME), reset=True, cursor="s1"))
    assert replica.get(entity="customer", id="b") is None
    assert replica.get(entity="customer", id="a")["name"] == "Mine"
    assert replica.get(entity="customer", id=cid)["name"] == "Offline Co"
    assert replica.pending_count() == 2


def test_applying_the_same_page_twice_is_harmless(replica: Replica) -> None:
    """Killed between applying a page and saving its cursor: impossible (one transaction), and
    even if the page comes again (the same cursor pulled twice) nothing changes."""
    replica.apply_pull_page(page(upsert("a", 5, **ACME)))
    replica.update(entity="customer", id="a", changes={"phone": "+1 555 0200"})
    p = page(
        upsert("a", 6, **ACME),
        Change(entity="customer", id="z", op="delete", version=6),
        cursor="c2",
    )
    replica.apply_pull_page(p)
    once = (replica.list(entity="customer"), replica.pending(), replica.cursor)
    replica.apply_pull_page(p)
    assert (replica.list(entity="customer"), replica.pending(), replica.cursor) == once


def test_a_page_and_its_cursor_commit_together(replica: Replica) -> None:
    replica.apply_pull_page(page(upsert("a", 5, **ACME), cursor="c1"))
    bad = page(upsert("b", 6, name="B"), cursor="c2")
    bad.changes.append(Change(entity="customer", id="c", op="upsert", version=6, data=None))
    bad.changes[-1].data = {"x": object()}  # type: ignore[dict-item]  # fails mid-page
    with pytest.raises(TypeError):
        replica.apply_pull_page(bad)
    assert replica.cursor == "c1" and replica.get(entity="customer", id="b") is None


def test_ack_drops_applied_and_undoes_rejected(replica: Replica) -> None:
    replica.apply_pull_page(page(upsert("a", 5, **ACME)))
    cid = replica.create(entity="customer", data={"name": "Dup"})
    replica.update(entity="customer", id="a", changes={"name": "Denied"})
    replica.update(entity="customer", id="a", changes={"phone": "+1 555 0999"})
    error = ErrorBody(error="forbidden", message="Missing permission: customers:write")
    replica.ack(
        results=[
            MutationResult(mutation_id=1, status="rejected", error=error),
            MutationResult(mutation_id=2, status="rejected", error=error),
        ],
        last_mutation_id=2,
    )
    assert replica.get(entity="customer", id=cid) is None  # the refused create is undone
    a = replica.get(entity="customer", id="a")
    assert a["name"] == "Acme" and a["phone"] == "+1 555 0999"  # the later edit still pending
    assert [m.mutation_id for m in replica.pending()] == [3]
    rejections = replica.rejections()
    assert [(r.mutation_id, r.op, r.error["message"]) for r in rejections] == [
        (1, "create", "Missing permission: customers:write"),
        (2, "update", "Missing permission: customers:write"),
    ]
    replica.dismiss_rejection(seq=rejections[0].seq)
    assert [r.mutation_id for r in replica.rejections()] == [2]
    # An applied edit stays visible until the pull brings the server's row.
    replica.ack(
        results=[MutationResult(mutation_id=3, status="applied", version=8)], last_mutation_id=3
    )
    assert replica.get(entity="customer", id="a")["phone"] == "+1 555 0999"
    assert not replica.is_dirty(entity="customer", id="a") and replica.pending_count() == 0


def test_the_replica_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    r = Replica(path)
    r.apply_pull_page(page(upsert("a", 5, **ACME), cursor="c7"))
    r.update(entity="customer", id="a", changes={"name": "Edited"})
    client_id = r.client_id
    r.close()
    r = Replica(path)
    assert (r.client_id, r.cursor, r.pending_count()) == (client_id, "c7", 1)
    assert r.get(entity="customer", id="a")["name"] == "Edited"
    r.create(entity="customer", data={"name": "Next"})
    assert [m.mutation_id for m in r.pending()] == [1, 2]  # numbering continues
    r.close()
    # Another process reading the same file sees committed state only.
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 2
    conn.close()


def test_a_conflicting_push_shows_what_the_server_kept(replica: Replica) -> None:
    """A refused delete (changed since) or a "manual" field: the server's row is not resent
    because it did not change, so the replica must show it again by itself."""
    replica.apply_pull_page(page(upsert("a", 5, **ACME), upsert("b", 5, name="B")))
    replica.delete(entity="customer", id="a")
    replica.update(entity="customer", id="b", changes={"name": "Mine"})
    assert replica.get(entity="customer", id="a") is None
    replica.ack(
        results=[
            MutationResult(mutation_id=1, status="conflict", version=9, conflicts=["k1"]),
            MutationResult(mutation_id=2, status="conflict", version=9, conflicts=["k2"]),
        ],
        last_mutation_id=2,
    )
    assert replica.get(entity="customer", id="a")["name"] == "Acme"
    assert replica.get(entity="customer", id="b")["name"] == "B"
    assert [c[3] for c in replica.conflict_results()] == [["k1"], ["k2"]]


def test_renumbering_the_outbox(replica: Replica) -> None:
    replica._conn.execute("UPDATE meta SET value = '40' WHERE key = 'next_mutation_id'")
    for i in range(3):
        replica.create(entity="customer", data={"n": i})
    assert [m.mutation_id for m in replica.pending()] == [40, 41, 42]
    replica.renumber_outbox(first=7)
    assert [(m.mutation_id, m.payload["data"]["n"]) for m in replica.pending()] == [
        (7, 0),
        (8, 1),
        (9, 2),
    ]
    replica.create(entity="customer", data={"n": 3})
    assert replica.pending()[-1].mutation_id == 10


def test_text_the_server_cannot_store_is_refused_at_the_edit(replica: Replica) -> None:
    with pytest.raises(ValueError, match="control characters"):
        replica.create(entity="customer", data={"name": "a\x00b"})
    with pytest.raises(ValueError, match="control characters"):
        replica.command(entity="customer", id="a", name="note", args={"text": ["\x00"]})
    with pytest.raises(ValueError, match="control characters"):  # not only NUL: as the server
        replica.update(entity="customer", id="a", changes={"notes": "bell\x07"})
    replica.create(entity="customer", data={"notes": "tab\tand\nline breaks are text"})
    with pytest.raises(ValueError, match="at most 40 characters"):  # the wire protocol's limit
        replica.create(entity="x" * 41, data={})
    assert replica.pending_count() == 1  # only the create whose text the server takes


def test_an_update_sends_what_the_user_saw_and_leaves_out_what_it_never_had(
    replica: Replica,
) -> None:
    replica.apply_pull_page(page(upsert("a", 5, **ACME), upsert("b", 5, name="B", address=None)))
    replica.update(entity="customer", id="a", changes={"address": {"city": "Boston", "x": 1}})
    replica.update(entity="customer", id="b", changes={"address": {"city": "Kyiv"}})
    cid = replica.create(entity="customer", data={"name": "New", "currency": "eur"})
    replica.update(entity="customer", id=cid, changes={"currency": "UAH", "phone": "+380"})
    bases = [(m.payload.get("base"), m.payload.get("base_version")) for m in replica.pending()]
    assert bases[0] == ({"address": {"city": "New York", "x": None}}, 5)  # "x" shown empty
    assert bases[1] == ({"address": None}, 5)  # the user saw no address at all
    assert bases[3] == ({"currency": "eur"}, None)  # the phone is left to the server's answer
    wire = replica.pending()[0].to_wire()
    assert wire.made_at == replica.pending()[0].created_at and wire.made_at


def test_an_applied_create_takes_the_servers_row_and_teaches_later_edits(
    replica: Replica,
) -> None:
    cid = replica.create(entity="customer", data={"name": " New ", "currency": "eur"})
    replica.update(entity="customer", id=cid, changes={"credit_limit": 5})
    replica.delete(entity="customer", id=cid)
    row = {"id": cid, "name": "New", "currency": "EUR", "credit_limit": 0, "version": 9}
    replica.ack(
        results=[MutationResult(mutation_id=1, status="applied", version=9, data=row)],
        last_mutation_id=1,
    )
    assert replica.server_version(entity="customer", id=cid) == 9
    update, delete = replica.pending()
    assert update.payload["base"] == {"credit_limit": 0} and update.payload["base_version"] == 9
    assert delete.payload["base_version"] == 9
    assert (
        update.to_wire().fingerprint()
        == update.to_wire().model_copy(update={"base": {}, "base_version": None}).fingerprint()
    )  # what the edit is did not change: a retry is still the same mutation
    # A pull that already brought a later version wins over an older answer.
    other = replica.create(entity="customer", data={"name": "Other"})
    replica.apply_pull_page(page(upsert(other, 12, name="Other (renamed)")))
    replica.ack(
        results=[
            MutationResult(mutation_id=4, status="applied", version=10, data={"name": "Other"})
        ],
        last_mutation_id=4,
    )
    assert replica.get(entity="customer", id=other)["name"] == "Other (renamed)"
    assert replica.server_version(entity="customer", id=other) == 12


def test_edits_on_top_of_a_refused_one_take_back_its_base(replica: Replica) -> None:
    replica.apply_pull_page(page(upsert("a", 5, **ACME)))
    replica.update(entity="customer", id="a", changes={"name": "Taken", "address": {"city": "X"}})
    replica.update(entity="customer", id="a", changes={"name": "Free"})
    replica.update(entity="customer", id="a", changes={"address": {"city": "Y", "zip": "1"}})
    assert [m.payload["base"] for m in replica.pending()[1:]] == [
        {"name": "Taken"},
        {"address": {"city": "X", "zip": "10001"}},
    ]
    error = ErrorBody(error="conflict", message="Email taken")
    replica.ack(
        results=[MutationResult(mutation_id=1, status="rejected", error=error)],
        last_mutation_id=1,
    )
    # The server never held the refused values: the later edits saw what it replaced.
    assert [m.payload["base"] for m in replica.pending()] == [
        {"name": "Acme"},
        {"address": {"city": "New York", "zip": "10001"}},
    ]
