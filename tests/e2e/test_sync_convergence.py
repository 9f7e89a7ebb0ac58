"""The sync promise, as a randomized model test against the real server on loopback.

Two to four desktop replicas (real ``desktop.core`` replica files and sync
clients, signed in as two different users) make random customer creates,
partial updates with nulls (the ``address`` sub-object and money included),
deletes and activate/deactivate commands; they go offline for a while, push
and pull in random order (sometimes a page at a time, sometimes losing a push
response after the server committed, sometimes restarting from their file),
while an integration writes to the same customers over REST.

After draining (every replica pushes until its outbox is empty, then all pull
until ``has_more`` is false, repeated until nothing moves):

- every replica shows exactly the customers the server lists, field for field,
  and exactly the conflict records of its user;
- every mutation a replica made was acknowledged exactly once, and the
  server's ``sync_mutations`` hold it once with the same outcome the replica
  recorded (applied, conflict, rejected); the audit log has one ``create`` per
  applied create, one ``activate``/``deactivate`` per applied command, and no
  more customer writes than acknowledged mutations plus REST writes;
- nothing the server deleted ever comes back, on the server or on a replica.

One server (and database) per backend serves every example; each example uses
fresh replica files and tags the customers it makes, so examples do not meet.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from common.customers import CustomerUpdate
from common.sync import MutationResult
from desktop.core.client import Offline, PasswordTokenProvider, SyncClient
from desktop.core.replica import Replica
from server.audit.models import AuditRecord
from server.context import AppContext
from server.sync.models import SyncConflict, SyncMutation
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, LiveServer
from tests.desktop.core.conftest import FaultyTransport
from tests.factories import DEFAULT_PASSWORD, user_with_role

pytestmark = pytest.mark.engines  # behaviour depends on the database engine

PUSH = "/api/v1/sync/push"
CUSTOMERS = "/api/v1/customers"

# ---------------------------------------------------------------- what users type

# Small pools on purpose: emails collide (a refused create or update), and values
# arrive un-normalised (spaces, phone formats, email case), as people type them.
EMAIL_USERS = ["sales", "info", "office", "Billing"]
NAMES = ["Acme", "Globex", " Initech ", "Umbrella Corp", "Hooli"]
TEXT = st.one_of(st.none(), st.sampled_from(["call back", "VIP", "", "  late payer  ", "Ünïcødé"]))
PHONES = st.one_of(st.none(), st.sampled_from(["+1 555 0100", "+15550100", "+44 20 7946 0958"]))
MONEY = st.integers(min_value=0, max_value=10**12)
CURRENCY = st.sampled_from(["USD", "EUR", "eur", "UAH"])
COUNTRY = st.one_of(st.none(), st.sampled_from(["US", "DE", "ua"]))
ADDRESS_CHANGE = st.fixed_dictionaries(
    {},
    optional={
        "street": TEXT,
        "city": st.one_of(st.none(), st.sampled_from(["Boston", "Kyiv", " Berlin "])),
        "postal_code": st.one_of(st.none(), st.sampled_from(["02134", "01001"])),
        "country": COUNTRY,
    },
).filter(bool)


def emails(tag: str) -> st.SearchStrategy[str]:
    return st.sampled_from(EMAIL_USERS).map(lambda u: f"{u}@{tag}.example")


def create_data(tag: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": st.sampled_from(NAMES).map(lambda n: f"{n} {tag}"), "email": emails(tag)},
        optional={
            "phone": PHONES,
            "notes": TEXT,
            "company": TEXT,
            "credit_limit": MONEY,
            "currency": CURRENCY,
            "addresses": st.lists(
                st.fixed_dictionaries(
                    {"type": st.just("billing")},
                    optional={"city": TEXT, "street": TEXT, "country": COUNTRY},
                ),
                max_size=1,
            ),
        },
    )


def update_changes(tag: str) -> st.SearchStrategy[dict[str, Any]]:
    """A partial update of one to three fields: absent = unchanged, null = clear.

    Few fields, so that an edit which only re-types a value the server already
    holds (in another spelling) is common: the server's row must still come back.
    """
    fields: dict[str, st.SearchStrategy[Any]] = {
        "name": st.one_of(st.sampled_from(NAMES).map(lambda n: f"{n} {tag}"), st.just(None)),
        "email": emails(tag),
        "phone": PHONES,
        "notes": TEXT,
        "company": TEXT,
        "credit_limit": st.one_of(MONEY, st.just(None)),
        "currency": CURRENCY,
        "address": st.one_of(st.none(), ADDRESS_CHANGE),
    }
    return st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({n: fields[n] for n in names})
    )


# ---------------------------------------------------------------- the replicas


class RecordingReplica(Replica):
    """A replica file that notes every acknowledgement it takes (per mutation id)."""

    def __init__(self, path: Path, acks: list[tuple[int, str]]) -> None:
        super().__init__(path)
        self.acks = acks

    def ack(self, *, results: Sequence[MutationResult], last_mutation_id: int) -> None:
        pending = {m.mutation_id for m in self.pending(limit=None)}
        self.acks.extend(
            (r.mutation_id, r.status)
            for r in results
            if r.mutation_id in pending and r.mutation_id <= last_mutation_id
        )
        super().ack(results=results, last_mutation_id=last_mutation_id)


class Desktop:
    """One desktop: its replica file, its sync client, a network that can lose answers."""

    def __init__(
        self, url: str, path: Path, tokens: PasswordTokenProvider, user_id: str, pull_limit: int
    ) -> None:
        self.url, self.path, self.tokens, self.user_id = url, path, tokens, user_id
        self.pull_limit = pull_limit
        self.acks: list[tuple[int, str]] = []
        # mutation id -> (customer id, op, update changes or command name)
        self.sent: dict[int, tuple[str, str, Any]] = {}
        self.lost: set[int] = set()  # pushed while an answer was lost: applied at an unknown time
        self.online = True
        self.faults = FaultyTransport()
        self.client = self._open()

    def _open(self) -> SyncClient:
        return SyncClient(
            self.url,
            RecordingReplica(self.path, self.acks),
            self.tokens,
            transport=self.faults,
            timeout=30,
            pull_limit=self.pull_limit,
        )

    @property
    def replica(self) -> Replica:
        return self.client.replica

    def restart(self) -> None:
        """The app quits and starts again: everything comes back from the file."""
        self.close()
        self.client = self._open()

    def close(self) -> None:
        self.client.close()
        self.client.replica.close()
        self.faults.close()
        self.faults = FaultyTransport()

    def made(self) -> int:
        with self.replica._lock:
            row = self.replica._conn.execute(
                "SELECT value FROM meta WHERE key = 'next_mutation_id'"
            ).fetchone()
        return int(row[0]) - 1


def comparable(row: dict[str, Any]) -> dict[str, Any]:
    """A customer as REST shows it (a replica row also has ``version`` and ``address.country``)."""
    out = {k: v for k, v in row.items() if k != "version"}
    if isinstance(out.get("address"), dict):
        out["address"] = {k: v for k, v in out["address"].items() if k != "country"}
    return out


def expected_fields(changes: dict[str, Any]) -> dict[str, Any]:
    """What the server holds after it takes these changes, flattened (``address.city``)."""
    update = CustomerUpdate.model_validate(changes)
    out: dict[str, Any] = {}
    for name in update.model_fields_set:
        if name != "address":
            out[name] = getattr(update, name)
        elif update.address is None:
            out["address"] = None
        else:
            for sub, value in update.address.changes().items():
                if sub == "country":
                    out["address.country_code"] = value.upper() if value else None
                else:
                    out[f"address.{sub}"] = value
    return out


def shown(row: dict[str, Any], name: str) -> Any:
    top, _, sub = name.partition(".")
    value = row.get(top)
    if not sub:
        return value
    return value.get(sub) if isinstance(value, dict) else None


def server_customers(admin: Api) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    page = 1
    while True:
        r = admin.get(CUSTOMERS, params={"page": page, "limit": 100})
        assert r.status_code == 200, r.text
        body = r.json()
        found.update((c["id"], c) for c in body["items"])
        if not body["has_more"]:
            assert len(found) == body["total"]
            return found
        page += 1


# ---------------------------------------------------------------- the machine


class SyncModel(RuleBasedStateMachine):
    # Bound by the test: the live server, the REST client, the two users' token providers.
    live: LiveServer
    admin: Api
    ctx: AppContext
    users: list[tuple[PasswordTokenProvider, str]]
    workdir: Path

    def __init__(self) -> None:
        super().__init__()
        self.tag = uuid.uuid4().hex[:10]
        self.desktops: list[Desktop] = []
        self.created_by_sync: dict[str, str] = {}  # customer id -> client id that created it
        self.known: set[str] = set()  # every customer id this example ever saw on the server
        self.gone: set[str] = set()  # ... and those the server no longer has
        self.rest_writes: Counter[str] = Counter()  # customer id -> successful REST writes
        self.rest_commands: Counter[str] = Counter()
        self.order: list[str] = []  # this example's customer ids, in the order they were made

    # ------------------------------------------------------------ set-up

    @initialize(
        n=st.integers(min_value=2, max_value=4),
        limits=st.lists(st.sampled_from([25, 500]), min_size=4, max_size=4),
        data=st.data(),
    )
    def open_desktops(self, n: int, limits: list[int], data: st.DataObject) -> None:
        seed = data.draw(st.lists(create_data(self.tag), min_size=1, max_size=4), label="seed")
        for i in range(n):
            tokens, user_id = self.users[i % len(self.users)]
            path = self.workdir / f"{self.tag}-{i}.sqlite3"
            self.desktops.append(Desktop(self.live.url, path, tokens, user_id, limits[i]))
        # A few customers everyone starts from: the rules edit, delete and re-type them.
        for data in seed:
            r = self.admin.post(CUSTOMERS, json=data)
            assert r.status_code in (201, 409), r.text
            if r.status_code == 201:
                self.known.add(r.json()["id"])
                self.order.append(r.json()["id"])
        for d in self.desktops:
            d.client.sync_once()

    def teardown(self) -> None:
        try:
            if self.desktops:
                self.drain_and_check()
        finally:
            for d in self.desktops:
                d.close()

    def desktop(self, i: int) -> Desktop:
        return self.desktops[i % len(self.desktops)]

    def visible_ids(self, d: Desktop) -> list[str]:
        return [c["id"] for c in d.replica.list(entity="customer")]

    def pick(self, data: st.DataObject, d: Desktop) -> str | None:
        """One of this example's customers that this desktop shows.

        Always one draw, whatever the state, so Hypothesis can replay and shrink.
        """
        k = data.draw(st.integers(min_value=0, max_value=63), label="customer")
        shown = set(self.visible_ids(d))
        ours = [c for c in self.order if c in shown]
        return ours[k % len(ours)] if ours else None

    def pick_any(self, data: st.DataObject) -> str | None:
        k = data.draw(st.integers(min_value=0, max_value=63), label="customer")
        return self.order[k % len(self.order)] if self.order else None

    # ------------------------------------------------------------ local edits

    @rule(i=st.integers(0, 3), data=st.data())
    def create(self, i: int, data: st.DataObject) -> None:
        d = self.desktop(i)
        cid = d.replica.create(entity="customer", data=data.draw(create_data(self.tag)))
        self.created_by_sync[cid] = d.replica.client_id
        self.order.append(cid)
        d.sent[d.made()] = (cid, "create", None)

    @precondition(lambda self: bool(self.order))
    @rule(i=st.integers(0, 3), data=st.data())
    def update(self, i: int, data: st.DataObject) -> None:
        d = self.desktop(i)
        cid = self.pick(data, d)
        changes = data.draw(update_changes(self.tag))
        if cid is not None:
            d.sent[d.replica.update(entity="customer", id=cid, changes=changes)] = (
                cid,
                "update",
                changes,
            )

    @precondition(lambda self: bool(self.order))
    @rule(i=st.integers(0, 3), field=st.sampled_from(["phone", "email", "notes"]), data=st.data())
    def retype(self, i: int, field: str, data: st.DataObject) -> None:
        """The user types the value the record already has, spelt another way."""
        d = self.desktop(i)
        cid = self.pick(data, d)
        row = d.replica.get(entity="customer", id=cid) if cid else None
        if cid is None or row is None or not row.get(field):
            return
        if field == "phone":
            value = str(row.get("phone_display") or row["phone"])
        elif field == "email":
            value = str(row["email"]).upper()
        else:
            value = f"  {row['notes']}  "
        d.sent[d.replica.update(entity="customer", id=cid, changes={field: value})] = (
            cid,
            "update",
            {field: value},
        )

    @precondition(lambda self: bool(self.order))
    @rule(i=st.integers(0, 3), data=st.data())
    def delete(self, i: int, data: st.DataObject) -> None:
        d = self.desktop(i)
        cid = self.pick(data, d)
        if cid is not None:
            d.sent[d.replica.delete(entity="customer", id=cid)] = (cid, "delete", None)

    @precondition(lambda self: bool(self.order))
    @rule(i=st.integers(0, 3), name=st.sampled_from(["activate", "deactivate"]), data=st.data())
    def command(self, i: int, name: str, data: st.DataObject) -> None:
        d = self.desktop(i)
        cid = self.pick(data, d)
        if cid is not None:
            d.sent[d.replica.command(entity="customer", id=cid, name=name)] = (cid, "command", name)

    # ------------------------------------------------------------ the network

    @rule(i=st.integers(0, 3))
    def go_offline_or_online(self, i: int) -> None:
        d = self.desktop(i)
        d.online = not d.online

    @rule(i=st.integers(0, 3), batch=st.sampled_from([1, 3, 200]))
    def push(self, i: int, batch: int) -> None:
        d = self.desktop(i)
        if d.online:
            self.push_and_check(d, batch)

    @rule(i=st.integers(0, 3))
    def push_and_lose_the_answer(self, i: int) -> None:
        """The server commits the batch, the answer never arrives: the retry must be a no-op."""
        d = self.desktop(i)
        if d.online and d.replica.pending_count():
            d.faults.fail(PUSH, "lose")
            d.lost |= {m.mutation_id for m in d.replica.pending(limit=200)}
            with pytest.raises(Offline):
                d.client.push_pending()

    @rule(i=st.integers(0, 3))
    def pull_one_page(self, i: int) -> None:
        d = self.desktop(i)
        if d.online:
            d.client.pull_page()

    @rule(i=st.integers(0, 3))
    def sync_once(self, i: int) -> None:
        d = self.desktop(i)
        if d.online:  # what SyncClient.sync_once does, with a look at the server in between
            self.push_and_check(d)
            d.client.pull_until_done()
            d.replica.mark_synced()

    @rule(i=st.integers(0, 3))
    def restart(self, i: int) -> None:
        self.desktop(i).restart()

    # ------------------------------------------------------------ an integration over REST

    @rule(data=st.data())
    def rest_create(self, data: st.DataObject) -> None:
        r = self.admin.post(CUSTOMERS, json=data.draw(create_data(self.tag)))
        assert r.status_code in (201, 409), r.text  # 409: the email is taken
        if r.status_code == 201:
            self.known.add(r.json()["id"])
            self.order.append(r.json()["id"])

    @precondition(lambda self: bool(self.order))
    @rule(data=st.data())
    def rest_update(self, data: st.DataObject) -> None:
        cid = self.pick_any(data)
        changes = data.draw(update_changes(self.tag))
        if cid is None:
            return
        r = self.admin.put(f"{CUSTOMERS}/{cid}", json=changes)
        # 404: deleted, or not pushed yet; 409: email taken; 422: a required field cleared.
        assert r.status_code in (200, 404, 409, 422), r.text
        if r.status_code == 200:
            self.rest_writes[cid] += 1

    @precondition(lambda self: bool(self.order))
    @rule(name=st.sampled_from(["activate", "deactivate"]), data=st.data())
    def rest_command(self, name: str, data: st.DataObject) -> None:
        cid = self.pick_any(data)
        if cid is None:
            return
        r = self.admin.patch(f"{CUSTOMERS}/{cid}/{name}")
        assert r.status_code in (200, 404, 409), r.text
        if r.status_code == 200:
            self.rest_writes[cid] += 1
            self.rest_commands[cid] += 1

    # ------------------------------------------------------------ checks

    @rule(now=st.integers(min_value=0, max_value=5))
    def drain(self, now: int) -> None:
        """Now and then mid-run (every example also ends with one)."""
        if now == 0:
            self.drain_and_check()

    @invariant()
    def the_server_never_brings_back_what_it_deleted(self) -> None:
        if self.gone:
            back = [
                c
                for c in sorted(self.gone)
                if self.admin.get(f"{CUSTOMERS}/{c}").status_code != 404
            ]
            assert not back, f"deleted customers came back: {back}"

    def drain_and_check(self) -> None:
        for d in self.desktops:
            d.online = True
        for _ in range(6):
            pushed = sum(self.push_and_check(d) for d in self.desktops)
            for d in self.desktops:
                d.client.pull_until_done()
            if pushed == 0:
                break
        else:
            raise AssertionError("the replicas did not settle after 6 rounds of push and pull")
        on_server = server_customers(self.admin)
        self.gone |= self.known - on_server.keys()
        ours = {c for c in on_server if c in self.created_by_sync or c in self.known}
        self.gone |= {
            c for c in self.created_by_sync if c not in on_server and self._was_created(c)
        }
        self.known |= ours
        back = self.gone & on_server.keys()
        assert not back, f"deleted customers came back on the server: {sorted(back)}"
        expected = {cid: comparable(c) for cid, c in on_server.items()}
        for n, d in enumerate(self.desktops):
            assert d.replica.pending_count() == 0
            local = {c["id"]: comparable(c) for c in d.replica.list(entity="customer")}
            assert not (self.gone & local.keys()), f"desktop {n} shows deleted customers"
            assert local.keys() == expected.keys(), (
                f"desktop {n}: missing {sorted(expected.keys() - local.keys())}, "
                f"extra {sorted(local.keys() - expected.keys())}"
            )
            for cid, row in expected.items():
                assert local[cid] == row, f"desktop {n} differs from the server on {cid}"
            dirty = [c for c in local if d.replica.is_dirty(entity="customer", id=c)]
            assert not dirty, f"desktop {n} still marks {dirty} as changed locally"
            self._check_conflicts(n, d)
            self._check_exactly_once(n, d)
        self._check_audit()

    def push_and_check(self, d: Desktop, batch: int = 200) -> int:
        """Push; then each mutation the server applied just now shows on the server as sent."""
        before = len(d.acks)
        done = d.client.push_pending(batch_size=batch)
        fresh = [(m, status) for m, status in d.acks[before:] if m not in d.lost]
        last: dict[str, int] = {}  # customer -> the last of its mutations acknowledged just now
        for m, _ in fresh:
            last[d.sent[m][0]] = m
        for m, status in fresh:
            cid, op, detail = d.sent[m]
            if status != "applied" or last[cid] != m:
                continue  # refused, merged with a conflict, or overtaken within the batch
            r = self.admin.get(f"{CUSTOMERS}/{cid}")
            if op == "delete":
                assert r.status_code == 404, f"mutation {m}: a deleted customer is still there"
                continue
            assert r.status_code == 200, f"mutation {m} ({op}) applied, but: {r.text}"
            if op == "command":
                assert r.json()["active"] is (detail == "activate"), f"mutation {m}: {detail}"
            elif op == "update":
                for name, value in expected_fields(detail).items():
                    assert shown(r.json(), name) == value, (
                        f"mutation {m} applied {name}={value!r}, the server has {shown(r.json(), name)!r}"
                    )
        return done

    def _was_created(self, cid: str) -> bool:
        with self.ctx.unit_of_work() as s:
            return bool(
                s.scalar(
                    sa.select(sa.func.count())
                    .select_from(AuditRecord)
                    .where(AuditRecord.entity_id == cid, AuditRecord.action == "create")
                )
            )

    def _check_conflicts(self, n: int, d: Desktop) -> None:
        local = {c["id"]: c for c in d.replica.list(entity="conflict")}
        with self.ctx.unit_of_work() as s:
            mine = set(
                s.scalars(sa.select(SyncConflict.id).where(SyncConflict.user_id == d.user_id))
            )
        assert local.keys() == mine, f"desktop {n} does not hold exactly its user's conflicts"

    def _stored(self, d: Desktop) -> list[tuple[int, str, list[str]]]:
        with self.ctx.unit_of_work() as s:
            rows = s.execute(
                sa.select(SyncMutation.mutation_id, SyncMutation.status, SyncMutation.result)
                .where(SyncMutation.client_id == d.replica.client_id)
                .order_by(SyncMutation.mutation_id)
            )
            return [(m, status, list(result.get("conflicts", []))) for m, status, result in rows]

    def _check_exactly_once(self, n: int, d: Desktop) -> None:
        made = d.made()
        stored = self._stored(d)
        assert [m for m, _, _ in stored] == list(range(1, made + 1)), (
            f"desktop {n} made {made} mutations; the server holds {[m for m, _, _ in stored]}"
        )
        acked = sorted(d.acks)
        assert [m for m, _ in acked] == list(range(1, made + 1)), (
            f"desktop {n}: each mutation must be acknowledged exactly once, got {acked}"
        )
        assert acked == [(m, status) for m, status, _ in stored]
        rejected = [r.mutation_id for r in d.replica.rejections(include_dismissed=True)]
        assert rejected == [m for m, status, _ in stored if status == "rejected"]
        conflicts = d.replica.conflict_results()
        assert [(m, ids) for m, _, _, ids in conflicts] == [
            (m, ids) for m, status, ids in stored if status == "conflict"
        ]
        assert all(ids for _, _, _, ids in conflicts)

    def _check_audit(self) -> None:
        """Each acknowledged mutation changed the server at most once; creates and commands once."""
        ours = self.known | set(self.created_by_sync)
        counted: Counter[tuple[str, str]] = Counter()  # (customer id, op) -> applied mutations
        with self.ctx.unit_of_work() as s:
            for d in self.desktops:
                outcome = {m: status for m, status, _ in self._stored(d)}
                for m, (cid, op, _) in d.sent.items():
                    if outcome.get(m) in ("applied", "conflict"):
                        counted[(cid, op)] += 1
            audit = Counter(
                (entity_id, action)
                for entity_id, action in s.execute(
                    sa.select(AuditRecord.entity_id, AuditRecord.action).where(
                        AuditRecord.entity == "customer", AuditRecord.entity_id.in_(sorted(ours))
                    )
                )
            )
        for cid in ours:
            creates = audit[(cid, "create")]
            assert creates <= 1, f"customer {cid} was created {creates} times"
            if cid in self.created_by_sync:
                assert creates == counted[(cid, "create")], (
                    f"create of {cid} applied {creates} times"
                )
            commands = audit[(cid, "activate")] + audit[(cid, "deactivate")]
            assert commands == counted[(cid, "command")] + self.rest_commands[cid], (
                f"customer {cid}: {commands} activations in the audit log"
            )
            assert audit[(cid, "delete")] == (1 if cid in self.gone else 0)
            writes = sum(n for (c, _), n in audit.items() if c == cid)
            allowed = sum(n for (c, _), n in counted.items() if c == cid) + self.rest_writes[cid]
            assert writes <= allowed + (0 if cid in self.created_by_sync else 1), (
                f"customer {cid}: {writes} audit records for {allowed} acknowledged writes"
            )


def test_replicas_converge_on_the_servers_view(
    server: LiveServer, admin: Api, ctx: AppContext, tmp_path: Path
) -> None:
    admin_tokens = PasswordTokenProvider(server.url)
    admin_tokens.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    _, body = user_with_role(admin, "admin")
    other_tokens = PasswordTokenProvider(server.url)
    other_tokens.login(body["user"]["email"], DEFAULT_PASSWORD)
    assert admin_tokens.user is not None
    SyncModel.live, SyncModel.admin, SyncModel.ctx = server, admin, ctx
    SyncModel.users = [(admin_tokens, admin_tokens.user["id"]), (other_tokens, body["user"]["id"])]
    SyncModel.workdir = tmp_path
    try:
        run_state_machine_as_test(
            SyncModel,
            settings=settings(
                max_examples=15,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
                phases=[Phase.explicit, Phase.generate],
            ),
        )
    finally:
        admin_tokens.close()
        other_tokens.close()
