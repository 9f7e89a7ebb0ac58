"""Push loses no edit: bases compared in the server's normal form, empty nested bases,
deletes with no or an old base version, creates as REST takes them, reused mutation ids."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from common.ids import new_id
from server.context import AppContext
from server.sync.models import SyncMutation
from server.sync.registry import specs
from tests.conftest import Api
from tests.factories import customer_payload
from tests.server.sync.test_pull import pull_all
from tests.server.sync.test_push import Replica

pytestmark = pytest.mark.engines  # merges read the change log and the stored mutations

PUSH = "/api/v1/sync/push"
CUSTOMERS = "/api/v1/customers"


def _customer(admin: Api, **fields: object) -> dict:
    body = {"name": "Acme", "email": f"{new_id()[-12:]}@acme.example", "currency": "USD"}
    r = admin.post(CUSTOMERS, json=body | fields)
    assert r.status_code == 201, r.text
    return r.json()


def _update(rep: Replica, cid: str, changes: dict, base: dict, **extra: object) -> dict:
    return rep.mutation(entity="customer", op="update", id=cid, changes=changes, base=base, **extra)


def _conflicts(admin: Api, cid: str) -> list[dict]:
    return [
        c["data"]
        for c in pull_all(admin)[0]
        if c["entity"] == "conflict" and c["data"]["entity_id"] == cid
    ]


# ---------------------------------------------------------------- 1: the server's normal form


def test_a_field_edited_twice_in_two_spellings_does_not_conflict_with_itself(
    admin: Api,
) -> None:
    c = _customer(admin, phone="+1 555 0100")
    rep = Replica(admin)
    # The replica shows what the user typed until it pulls: that is the base of the next edit.
    first = rep.push(
        _update(
            rep,
            c["id"],
            {"currency": "eur", "phone": "+1 555 0200"},
            {"currency": "USD", "phone": "+15550100"},
        )
    )
    assert first["results"][0]["status"] == "applied", first
    # Someone changes another field in between: the record is no longer only what we sent.
    assert admin.put(f"{CUSTOMERS}/{c['id']}", json={"notes": "called"}).status_code == 200
    res = rep.push(
        _update(
            rep,
            c["id"],
            {"currency": "UAH", "phone": "+44 20 7946 0958", "company": ""},
            {"currency": "eur", "phone": "+1 555 0200", "company": ""},
        )
    )
    assert res["results"][0]["status"] == "applied", res
    got = admin.get(f"{CUSTOMERS}/{c['id']}").json()
    assert (got["currency"], got["phone"], got["notes"]) == ("UAH", "+442079460958", "called")
    assert _conflicts(admin, c["id"]) == []


def test_a_record_created_here_and_edited_before_it_is_pulled(admin: Api) -> None:
    rep = Replica(admin)
    cid = new_id()
    res = rep.push(
        rep.mutation(
            entity="customer",
            op="create",
            id=cid,
            data={"name": " New Co ", "email": "Hello@New.example", "currency": "eur"},
        )
    )
    # The acknowledgement carries the record as the server made it, and its version.
    created = res["results"][0]
    assert created["status"] == "applied" and created["version"] > 0
    assert created["data"]["currency"] == "EUR" and created["data"]["name"] == "New Co"
    assert created["data"]["version"] == created["version"]
    assert admin.put(f"{CUSTOMERS}/{cid}", json={"notes": "from the web"}).status_code == 200
    res = rep.push(
        _update(
            rep,
            cid,
            {"currency": "UAH", "name": "Newer Co", "email": "sales@new.example"},
            {"currency": "eur", "name": " New Co ", "email": "Hello@New.example"},
            base_version=created["version"],
        )
    )
    assert res["results"][0]["status"] == "applied", res
    got = admin.get(f"{CUSTOMERS}/{cid}").json()
    assert (got["currency"], got["name"], got["notes"]) == ("UAH", "Newer Co", "from the web")
    assert _conflicts(admin, cid) == []


def test_an_edit_made_while_the_creates_answer_was_lost_learns_its_base(admin: Api) -> None:
    """The retry carries the create again (its stored result) and an edit made meanwhile,
    which left out what the create left to the server: the stored result is its base."""
    rep = Replica(admin)
    cid = new_id()
    create = rep.mutation(
        entity="customer", op="create", id=cid, data={"name": "Lost", "email": "l@l.example"}
    )
    rep.push(create)  # the answer never reached the replica
    assert admin.put(f"{CUSTOMERS}/{cid}", json={"notes": "meanwhile"}).status_code == 200
    edit = rep.mutation(
        entity="customer", op="update", id=cid, changes={"currency": "EUR"}, base={}
    )
    res = rep.push(create, edit)
    assert [r["status"] for r in res["results"]] == ["applied", "applied"], res
    assert admin.get(f"{CUSTOMERS}/{cid}").json()["currency"] == "EUR"


def test_an_edit_on_top_of_a_refused_one_is_judged_by_what_the_server_held(admin: Api) -> None:
    """The replica made the second edit on top of the first, which the server refused."""
    taken = _customer(admin)["email"]
    c = _customer(admin, credit_limit=100)
    rep = Replica(admin)
    rep.push(_update(rep, c["id"], {"credit_limit": 150}, {"credit_limit": 100}))
    assert admin.put(f"{CUSTOMERS}/{c['id']}", json={"notes": "meanwhile"}).status_code == 200
    res = rep.push(
        _update(
            rep,
            c["id"],
            {"email": taken, "credit_limit": 200},  # refused: the email belongs to another
            {"email": c["email"], "credit_limit": 150},
        ),
        _update(
            rep,
            c["id"],
            {"email": "mine@acme.example", "credit_limit": 300},
            {"email": taken, "credit_limit": 200},
        ),
    )
    assert [r["status"] for r in res["results"]] == ["rejected", "applied"], res
    got = admin.get(f"{CUSTOMERS}/{c['id']}").json()
    assert (got["email"], got["credit_limit"]) == ("mine@acme.example", 300)
    assert _conflicts(admin, c["id"]) == []


def test_refused_edits_of_a_whole_address_and_of_its_fields_then_an_edit(admin: Api) -> None:
    """Bases corrected after refused edits of both an address and one of its fields: the
    address as a whole (null) and its city never meet in one value (once a 500)."""
    taken = _customer(admin)["email"]
    c = _customer(admin, addresses=[{"city": "Kyiv"}])
    rep = Replica(admin)
    res = rep.push(
        _update(rep, c["id"], {"address": None, "email": taken}, {"address": None}),
        _update(rep, c["id"], {"address": {"city": "Y"}, "email": taken}, {"address": None}),
        _update(rep, c["id"], {"address": {"city": "Z"}}, {"address": None}),
    )
    assert [r["status"] for r in res["results"]] == ["rejected", "rejected", "conflict"], res
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["address"]["city"] == "Z"


def test_an_own_earlier_write_never_conflicts_with_a_later_edit(admin: Api) -> None:
    """Nobody else wrote since the base version: whatever the base says, the edit applies.

    A command changes nothing on the replica, so the next edit's base is the value
    from before it: the difference is the replica's own doing, not someone else's.
    """
    c = _customer(admin)
    rep = Replica(admin)
    did = new_id()
    res = rep.push(
        rep.mutation(
            entity="deal", op="create", id=did, data={"title": "Pipeline", "client_id": c["id"]}
        )
    )
    created = res["results"][0]
    pulled = next(x for x in pull_all(admin)[0] if x["id"] == did)["data"]
    assert (pulled["stage"], pulled["probability"]) == ("LEAD", 10)
    rep.push(
        rep.mutation(
            entity="deal", op="command", id=did, command="move_stage", args={"stage": "PROPOSAL"}
        )
    )
    res = rep.push(
        rep.mutation(
            entity="deal",
            op="update",
            id=did,
            changes={"stage": "NEGOTIATION", "probability": 60},
            base={"stage": "LEAD", "probability": 10},
            base_version=created["version"],
        )
    )
    assert res["results"][0]["status"] == "applied", res
    deal = next(x for x in pull_all(admin)[0] if x["id"] == did)["data"]
    assert (deal["stage"], deal["probability"]) == ("NEGOTIATION", 60)
    assert _conflicts(admin, did) == []


def test_an_own_earlier_write_of_a_field_is_no_conflict_when_others_wrote_other_fields(
    admin: Api,
) -> None:
    """Someone else's write of *another* field does not make an own earlier write foreign.

    The replica never pulled, so its second edit of ``notes`` still carries the base from
    before its first; in between, someone changed the phone. Only a write of ``notes`` by
    someone else makes the difference a conflict.
    """
    c = _customer(admin)
    v0 = next(x for x in pull_all(admin)[0] if x["id"] == c["id"])["version"]
    rep = Replica(admin)
    first = rep.push(
        _update(rep, c["id"], {"notes": "call back"}, {"notes": None}, base_version=v0)
    )
    assert first["results"][0]["status"] == "applied", first
    assert admin.put(f"{CUSTOMERS}/{c['id']}", json={"phone": "+1 555 0100"}).status_code == 200
    res = rep.push(_update(rep, c["id"], {"notes": "VIP"}, {"notes": None}, base_version=v0))
    assert res["results"][0]["status"] == "applied", res
    got = admin.get(f"{CUSTOMERS}/{c['id']}").json()
    assert (got["notes"], got["phone"]) == ("VIP", "+15550100")
    assert _conflicts(admin, c["id"]) == []
    # Someone else's write of the same field still is a conflict, kept in a record.
    assert admin.put(f"{CUSTOMERS}/{c['id']}", json={"notes": "from the web"}).status_code == 200
    res = rep.push(_update(rep, c["id"], {"notes": "mine"}, {"notes": "VIP"}, base_version=v0))
    assert res["results"][0]["status"] == "conflict", res
    (conflict,) = _conflicts(admin, c["id"])
    assert (conflict["field"], conflict["mine"], conflict["theirs"]) == (
        "notes",
        "mine",
        "from the web",
    )


def test_someone_sending_a_fields_current_value_does_not_make_an_own_later_write_theirs(
    admin: Api,
) -> None:
    """The convergence model's story (its oracle once counted this as a lost edit).

    An integration sends ``currency`` with the value it already has, and changes ``notes``;
    the replica, which never pulls, then writes ``currency`` itself (in a mutation that
    conflicts on ``notes``, so the replica shows the server's old row again) and later
    types the old currency back over its own value. Nobody else ever changed
    ``currency``: its change log names only what each write changed, and the edit
    applies without a conflict record. Someone else's real change of it still conflicts.
    """
    c = _customer(admin, notes=None)
    v0 = next(x for x in pull_all(admin)[0] if x["id"] == c["id"])["version"]
    rep = Replica(admin)
    r = admin.put(f"{CUSTOMERS}/{c['id']}", json={"currency": "USD", "notes": "from the web"})
    assert r.status_code == 200, r.text
    first = rep.push(
        _update(
            rep,
            c["id"],
            {"currency": "EUR", "notes": "mine"},
            {"currency": "USD", "notes": None},
            base_version=v0,
        )
    )
    assert first["results"][0]["status"] == "conflict", first
    assert [x["field"] for x in _conflicts(admin, c["id"])] == ["notes"]
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["currency"] == "EUR"
    res = rep.push(_update(rep, c["id"], {"currency": "USD"}, {"currency": "USD"}, base_version=v0))
    assert res["results"][0]["status"] == "applied", res
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["currency"] == "USD"
    assert [x["field"] for x in _conflicts(admin, c["id"])] == ["notes"]
    # The integration really changes it: the replica's next unseen overwrite is a conflict.
    assert admin.put(f"{CUSTOMERS}/{c['id']}", json={"currency": "UAH"}).status_code == 200
    res = rep.push(_update(rep, c["id"], {"currency": "EUR"}, {"currency": "USD"}, base_version=v0))
    assert res["results"][0]["status"] == "conflict", res
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["currency"] == "UAH"  # manual: theirs stays


def test_another_replicas_update_that_changed_nothing_is_nobodys_write(admin: Api) -> None:
    """Replica A re-types the phone the server holds ("+15550100"): the update applies and
    the row is sent again, but no field changed. Replica B's later edit of a field only
    B wrote, and B's delete, are no conflict with it (its change-log entry names nothing)."""
    c = _customer(admin, phone="+1 555 0100")
    v0 = next(x for x in pull_all(admin)[0] if x["id"] == c["id"])["version"]
    a, b = Replica(admin), Replica(admin)
    res = b.push(_update(b, c["id"], {"notes": "mine"}, {"notes": None}, base_version=v0))
    assert res["results"][0]["status"] == "applied", res
    res = a.push(_update(a, c["id"], {"phone": "+1 555 0100"}, {"phone": "+15550100"}))
    assert res["results"][0]["status"] == "applied", res
    assert any(x["id"] == c["id"] for x in pull_all(admin)[0])  # (sent again all the same)
    res = b.push(_update(b, c["id"], {"notes": "again"}, {"notes": None}, base_version=v0))
    assert res["results"][0]["status"] == "applied", res
    res = b.push(b.mutation(entity="customer", op="delete", id=c["id"], base_version=v0))
    assert res["results"][0]["status"] == "applied", res
    assert admin.get(f"{CUSTOMERS}/{c['id']}").status_code == 404
    assert _conflicts(admin, c["id"]) == []


def test_an_unnamed_base_of_a_field_only_others_wrote_elsewhere_applies(admin: Api) -> None:
    """No base for ``company``; since the base version someone else wrote only the phone."""
    c = _customer(admin, company="Old Co")
    v0 = next(x for x in pull_all(admin)[0] if x["id"] == c["id"])["version"]
    rep = Replica(admin)
    assert admin.put(f"{CUSTOMERS}/{c['id']}", json={"phone": "+1 555 0100"}).status_code == 200
    res = rep.push(
        rep.mutation(
            entity="customer", op="update", id=c["id"], changes={"company": "Mine"}, base_version=v0
        )
    )
    assert res["results"][0]["status"] == "applied", res
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["company"] == "Mine"
    assert _conflicts(admin, c["id"]) == []


def test_conflict_records_hold_the_servers_normal_form(admin: Api) -> None:
    c = _customer(admin, phone="+1 555 0100")
    rep = Replica(admin)
    assert admin.put(f"{CUSTOMERS}/{c['id']}", json={"phone": "+1 555 0300"}).status_code == 200
    res = rep.push(_update(rep, c["id"], {"phone": "+1 555 0200"}, {"phone": "+1 (555) 0100"}))
    assert res["results"][0]["status"] == "conflict", res
    (conflict,) = _conflicts(admin, c["id"])
    assert (conflict["field"], conflict["base"], conflict["mine"], conflict["theirs"]) == (
        "phone",
        "+15550100",
        "+15550200",
        "+15550300",
    )


def test_a_missing_base_is_checked_against_the_base_version(admin: Api) -> None:
    """No base for a field: nobody else may have written the record since base_version."""
    c = _customer(admin, company="Old Co")
    v0 = next(x for x in pull_all(admin)[0] if x["id"] == c["id"])["version"]
    rep = Replica(admin)
    res = rep.push(
        rep.mutation(
            entity="customer", op="update", id=c["id"], changes={"notes": "a"}, base_version=v0
        )
    )
    assert res["results"][0]["status"] == "applied", res
    assert admin.put(f"{CUSTOMERS}/{c['id']}", json={"company": "New Co"}).status_code == 200
    res = rep.push(
        rep.mutation(
            entity="customer", op="update", id=c["id"], changes={"company": "Mine"}, base_version=v0
        )
    )
    assert res["results"][0]["status"] == "conflict", res
    (conflict,) = _conflicts(admin, c["id"])
    assert (conflict["field"], conflict["base"], conflict["theirs"]) == ("company", None, "New Co")


# ---------------------------------------------------------------- 2: empty nested bases


@pytest.mark.parametrize("seen", [None, {}])
def test_an_empty_nested_base_means_the_user_saw_no_address(admin: Api, seen: object) -> None:
    c = _customer(admin)
    assert c["address"] is None
    rep = Replica(admin)
    r = admin.put(f"{CUSTOMERS}/{c['id']}", json={"address": {"city": "Kyiv"}})
    assert r.status_code == 200, r.text
    res = rep.push(_update(rep, c["id"], {"address": {"city": "Paris"}}, {"address": seen}))
    assert res["results"][0]["status"] == "conflict", res
    (conflict,) = _conflicts(admin, c["id"])
    assert (conflict["field"], conflict["base"], conflict["mine"], conflict["theirs"]) == (
        "address.city",
        None,
        "Paris",
        "Kyiv",
    )
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["address"]["city"] == "Paris"  # lww


def test_removing_an_address_compares_the_whole_address(admin: Api) -> None:
    c = _customer(admin, addresses=[{"city": "Kyiv", "country": "UA"}])
    pulled = next(x for x in pull_all(admin)[0] if x["id"] == c["id"])["data"]
    rep = Replica(admin)
    # The base is the address as the replica shows it (the pulled row, every key).
    res = rep.push(_update(rep, c["id"], {"address": None}, {"address": pulled["address"]}))
    assert res["results"][0]["status"] == "applied", res
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["address"] is None
    c = _customer(admin, addresses=[{"city": "Kyiv"}])
    pulled = next(x for x in pull_all(admin)[0] if x["id"] == c["id"])["data"]
    r = admin.put(f"{CUSTOMERS}/{c['id']}", json={"address": {"city": "Lviv"}})
    assert r.status_code == 200
    res = rep.push(_update(rep, c["id"], {"address": None}, {"address": pulled["address"]}))
    assert res["results"][0]["status"] == "conflict", res


# ---------------------------------------------------------------- 3: base versions


@pytest.mark.parametrize("base_version", [None, "acknowledged"])
def test_deleting_a_record_created_here_keeps_an_edit_made_elsewhere(
    admin: Api, base_version: str | None
) -> None:
    rep = Replica(admin)
    cid = new_id()
    res = rep.push(
        rep.mutation(
            entity="customer", op="create", id=cid, data={"name": "Mine", "email": "m@m.example"}
        )
    )
    version = res["results"][0]["version"]
    assert admin.put(f"{CUSTOMERS}/{cid}", json={"notes": "keep me"}).status_code == 200
    res = rep.push(
        rep.mutation(
            entity="customer",
            op="delete",
            id=cid,
            base_version=None if base_version is None else version,
        )
    )
    assert res["results"][0]["status"] == "conflict", res
    assert admin.get(f"{CUSTOMERS}/{cid}").json()["notes"] == "keep me"
    (conflict,) = _conflicts(admin, cid)
    assert conflict["field"] == "_deleted" and conflict["theirs"]["notes"] == "keep me"


def test_deleting_after_own_edits_is_no_conflict(admin: Api) -> None:
    rep = Replica(admin)
    cid = new_id()
    rep.push(
        rep.mutation(
            entity="customer", op="create", id=cid, data={"name": "Mine", "email": "o@o.example"}
        )
    )
    rep.push(_update(rep, cid, {"notes": "x"}, {"notes": None}))
    rep.push(rep.mutation(entity="customer", op="command", id=cid, command="deactivate"))
    # Made before any acknowledgement reached the replica: no base version at all.
    res = rep.push(rep.mutation(entity="customer", op="delete", id=cid))
    assert res["results"][0]["status"] == "applied", res
    assert admin.get(f"{CUSTOMERS}/{cid}").status_code == 404
    c = _customer(admin)
    v0 = next(x for x in pull_all(admin)[0] if x["id"] == c["id"])["version"]
    rep.push(_update(rep, c["id"], {"notes": "y"}, {"notes": None}, base_version=v0))
    res = rep.push(rep.mutation(entity="customer", op="delete", id=c["id"], base_version=v0))
    assert res["results"][0]["status"] == "applied", res


def test_a_delete_without_base_version_of_a_record_made_elsewhere_is_a_conflict(
    admin: Api,
) -> None:
    c = _customer(admin)
    rep = Replica(admin)
    res = rep.push(rep.mutation(entity="customer", op="delete", id=c["id"]))
    assert res["results"][0]["status"] == "conflict", res
    assert admin.get(f"{CUSTOMERS}/{c['id']}").status_code == 200


# ---------------------------------------------------------------- 4: creates as REST takes them


def _comparable(row: dict) -> dict:
    drop = {"id", "created_at", "updated_at", "version", "email"}
    out = {k: v for k, v in row.items() if k not in drop}
    out["addresses"] = [{k: v for k, v in a.items() if k != "id"} for a in row["addresses"]]
    if out.get("address"):
        out["address"] = {k: v for k, v in row["address"].items() if k not in ("id", "country")}
    return out


def test_a_sync_create_accepts_what_the_rest_create_accepts(admin: Api) -> None:
    body = customer_payload(
        phone="+380 44 123 4567",
        currency="uah",
        notes="  first order  ",
        social_media={"Twitter": "@acme"},
        addresses=[
            {"type": "billing", "street": "Khreshchatyk 1", "city": "Kyiv", "country": "ua"},
            {"type": "shipping", "city": "Lviv", "state": "Lviv Oblast", "country": "UA"},
        ],
    )
    rest = admin.post(CUSTOMERS, json=body)
    assert rest.status_code == 201, rest.text
    rep = Replica(admin)
    cid = new_id()
    res = rep.push(
        rep.mutation(
            entity="customer", op="create", id=cid, data=body | {"email": "other@acme.example"}
        )
    )
    assert res["results"][0]["status"] == "applied", res
    synced = admin.get(f"{CUSTOMERS}/{cid}").json()
    assert _comparable(synced) == _comparable(rest.json())
    assert synced["address"]["country_code"] == "UA"


def test_a_sync_create_refuses_what_the_rest_create_refuses(admin: Api) -> None:
    rep = Replica(admin)
    res = rep.push(
        rep.mutation(
            entity="customer",
            op="create",
            id=new_id(),
            data=customer_payload(version=3),
        ),
        rep.mutation(
            entity="customer",
            op="create",
            id=new_id(),
            data=customer_payload(total_purchases=5),
        ),
        _update(rep, new_id(), {"addresses": []}, {}),
    )
    first, purchases, second = res["results"]
    assert first["status"] == "rejected"
    assert first["error"]["details"] == {"version": "Set by the server"}
    assert purchases["status"] == "rejected" and "total_purchases" in purchases["error"]["details"]
    assert second["status"] == "rejected"
    assert second["error"]["details"] == {"addresses": "Set by the server"}
    r = admin.post(CUSTOMERS, json=customer_payload(total_purchases=5))
    assert r.status_code == 422 and "total_purchases" in r.json()["details"]


def test_a_deal_created_by_sync_takes_every_field_the_deal_create_takes(admin: Api) -> None:
    c = _customer(admin)
    rep = Replica(admin)
    did = new_id()
    res = rep.push(
        rep.mutation(
            entity="deal",
            op="create",
            id=did,
            data={
                "title": " Website ",
                "client_id": c["id"],
                "value": 500000,
                "stage": "PROPOSAL",
                "probability": 40,
                "notes": "n",
                "expected_close": "2030-03-15",
            },
        )
    )
    assert res["results"][0]["status"] == "applied", res
    data = res["results"][0]["data"]
    assert (data["title"], data["value"], data["probability"], data["currency"]) == (
        "Website",
        500000,
        40,
        "USD",
    )


# ---------------------------------------------------------------- 5: reused mutation ids


def _push(admin: Api, client_id: str, *mutations: dict) -> tuple[int, dict]:
    r = admin.post(PUSH, json={"client_id": client_id, "mutations": list(mutations)})
    return r.status_code, r.json()


def test_a_reused_mutation_id_naming_another_mutation_is_refused_not_answered(
    admin: Api, ctx: AppContext
) -> None:
    c = _customer(admin)
    client_id = new_id()
    old = {
        "mutation_id": 1,
        "entity": "customer",
        "op": "update",
        "id": c["id"],
        "changes": {"notes": "old edit"},
        "base": {"notes": None},
        "made_at": "2026-01-01T10:00:00.000001+00:00",
    }
    status, body = _push(admin, client_id, old)
    assert status == 200 and body["results"][0]["status"] == "applied"
    # The replica was restored from a copy made before mutation 1: its next edit is "1" again.
    new = old | {"changes": {"notes": "new edit"}, "made_at": "2026-01-02T09:00:00+00:00"}
    status, body = _push(admin, client_id, new)
    assert status == 409, body
    assert body["error"] == "conflict" and body["details"]["mutation_id"] == "expected 2"
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["notes"] == "old edit"  # nothing applied
    # The very same edit again (the same time it was made) is a retry: its stored result.
    status, body = _push(admin, client_id, old)
    assert status == 200 and body["results"][0]["status"] == "applied"
    # Renumbered, the new edit applies.
    status, body = _push(admin, client_id, new | {"mutation_id": 2, "base": {"notes": "old edit"}})
    assert status == 200 and body["results"][0]["status"] == "applied", body
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["notes"] == "new edit"
    with ctx.unit_of_work() as s:
        prints = s.scalars(
            sa.select(SyncMutation.fingerprint).where(SyncMutation.client_id == client_id)
        ).all()
    assert len(prints) == 2 and all(prints) and prints[0] != prints[1]


def test_the_same_content_made_at_another_time_is_another_mutation(admin: Api) -> None:
    c = _customer(admin)
    client_id = new_id()
    cmd = {
        "mutation_id": 1,
        "entity": "customer",
        "op": "command",
        "id": c["id"],
        "command": "deactivate",
        "args": {},
        "made_at": "2026-01-01T10:00:00+00:00",
    }
    assert _push(admin, client_id, cmd)[0] == 200
    assert admin.patch(f"{CUSTOMERS}/{c['id']}/activate").status_code == 200
    status, body = _push(admin, client_id, cmd | {"made_at": "2026-01-03T10:00:00+00:00"})
    assert status == 409 and body["details"]["mutation_id"] == "expected 2"


def test_a_mismatch_after_known_mutations_acknowledges_those_first(admin: Api) -> None:
    c = _customer(admin)
    client_id = new_id()

    def note(n: int, text: str) -> dict:
        return {
            "mutation_id": n,
            "entity": "customer",
            "op": "update",
            "id": c["id"],
            "changes": {"notes": text},
            "base": {"notes": None},
        }

    assert _push(admin, client_id, note(1, "a"), note(2, "b"))[0] == 200
    # 1 is the same mutation (pending when the copy was made), 2 and 3 are new edits.
    status, body = _push(admin, client_id, note(1, "a"), note(2, "c"), note(3, "d"))
    assert status == 200, body
    assert [r["mutation_id"] for r in body["results"]] == [1] and body["last_mutation_id"] == 1
    status, body = _push(admin, client_id, note(2, "c"), note(3, "d"))
    assert status == 409 and body["details"]["mutation_id"] == "expected 3"
    assert admin.get(f"{CUSTOMERS}/{c['id']}").json()["notes"] == "b"


def test_a_retry_from_an_older_client_without_made_at_still_matches(admin: Api) -> None:
    """A batch stored without ``made_at`` (an older app), retried by the updated app with it."""
    c = _customer(admin)
    client_id = new_id()
    m = {
        "mutation_id": 1,
        "entity": "customer",
        "op": "update",
        "id": c["id"],
        "changes": {"notes": "x"},
        "base": {"notes": None},
    }
    assert _push(admin, client_id, m)[0] == 200
    status, body = _push(admin, client_id, m | {"made_at": "2026-01-01T10:00:00+00:00"})
    assert status == 200 and body["results"][0]["status"] == "applied", body
    # The base is context, not the edit: a retry may carry a base the replica learnt since.
    status, body = _push(admin, client_id, m | {"base": {"notes": "y"}, "base_version": 9})
    assert status == 200 and body["last_mutation_id"] == 1, body


def test_an_edit_stored_under_another_id_is_not_applied_twice(admin: Api) -> None:
    """A copy of the file made while an edit waited under its first number; the outbox was
    renumbered and the edit applied under another; the copy is restored: it sends the edit
    under its first number again."""
    c = _customer(admin, credit_limit=0)
    client_id = new_id()

    def add(n: int, amount: int, made_at: str) -> dict:
        return {
            "mutation_id": n,
            "entity": "customer",
            "op": "update",
            "id": c["id"],
            "changes": {"credit_limit": amount},
            "base": {"credit_limit": 0},
            "made_at": made_at,
        }

    assert _push(admin, client_id, add(1, 10, "2026-01-01T00:00:01+00:00"))[0] == 200
    edit = add(1, 20, "2026-01-02T00:00:01+00:00")  # made after a restore: number 1 again
    assert _push(admin, client_id, edit)[0] == 409
    status, body = _push(admin, client_id, edit | {"mutation_id": 2})  # renumbered
    assert status == 200 and body["results"][0]["status"] == "conflict"  # 10 is not its base
    # The copy with the edit still numbered 1 is restored and pushes it again.
    status, body = _push(admin, client_id, edit)
    assert status == 200, body
    assert body["results"][0]["mutation_id"] == 1 and body["last_mutation_id"] == 1
    assert body["results"][0]["conflicts"]  # the stored result of the edit, not applied again
    with_conflicts = [x for x in _conflicts(admin, c["id"]) if x["field"] == "credit_limit"]
    assert len(with_conflicts) == 1


def test_every_entity_a_sync_create_makes_takes_its_create_schema_whole() -> None:
    """Whatever a module's create schema accepts, a sync create does not refuse up front."""
    creatable = [spec for spec in specs() if spec.create is not None]
    assert {spec.entity for spec in creatable} >= {"customer", "deal"}
    for spec in creatable:
        assert spec.create_schema is not None and spec.update_schema is not None
        assert spec.refused_on_create(dict.fromkeys(spec.create_schema.model_fields)) == []
        assert spec.refused_on_create({"id": "x", "version": 1}) == ["id", "version"]
