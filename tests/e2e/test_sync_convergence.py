"""The sync promise, as a randomized model test against the real server on loopback.

Two to four desktop replicas (real ``desktop.core`` replica files and sync
clients, signed in as two different users) make random customer creates,
partial updates with nulls (the ``address`` sub-object and money included),
deletes and activate/deactivate commands; they go offline for a while, push
and pull in random order (sometimes a page at a time, sometimes losing a push
response after the server committed, sometimes restarting from their file,
sometimes restored from an older copy of their file), while an integration
writes to the same customers over REST. Users type values in other spellings
("eur", "+1 555 0100", "  late payer  ") and edit a field again before it syncs;
records without an address get address fields; records made on a desktop are
edited and deleted before the desktop pulls them back.

After draining (every replica pushes until its outbox is empty, then all pull
until ``has_more`` is false, repeated until nothing moves):

- every replica shows exactly the customers the server lists, field for field,
  and exactly the conflict records of its user;
- every mutation a replica made was acknowledged exactly once, and the
  server's ``sync_mutations`` hold it once with the same outcome the replica
  recorded (applied, conflict, rejected); the audit log has one ``create`` per
  applied create, one ``activate``/``deactivate`` per applied command, and no
  more customer writes than acknowledged mutations plus REST writes;
- nothing the server deleted ever comes back, on the server or on a replica;
- no edit is lost or refused without cause: a desktop create is refused only for
  a taken email (a sync create takes what REST takes); each stored result is the
  result of the very edit acknowledged (its fingerprint), also after a restore;
  no conflict record is made unless someone else (another desktop, another copy
  of this one's file, or the integration) wrote that field; an update applied over
  a value someone else wrote after the replica's base version, which the user did
  not see, made a conflict record (a write "wrote" a field only if it changed it:
  sending the value the field had replaces nobody's value); a delete applied only if nobody else changed the
  record since its base version.

One server (and database) per backend serves every example; each example uses
fresh replica files and tags the customers it makes, so examples do not meet.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

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
from pydantic import ValidationError

from common.customers import CustomerUpdate
from common.sync import MutationResult
from desktop.core.client import Offline, PasswordTokenProvider, SyncClient
from desktop.core.replica import Replica
from server.audit.models import AuditRecord
from server.context import AppContext
from server.customers.models import Customer
from server.sync.models import ChangeLog, SyncConflict, SyncMutation
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
ADDRESS_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "street": TEXT,
    "city": st.one_of(st.none(), st.sampled_from(["Boston", "Kyiv", " Berlin "])),
    "postal_code": st.one_of(st.none(), st.sampled_from(["02134", "01001"])),
    "country": COUNTRY,
}
ADDRESS_CHANGE = st.fixed_dictionaries({}, optional=ADDRESS_FIELDS).filter(bool)


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


def field_values(tag: str) -> dict[str, st.SearchStrategy[Any]]:
    """What a user may set each field to in an update (null clears it)."""
    return {
        "name": st.one_of(st.sampled_from(NAMES).map(lambda n: f"{n} {tag}"), st.just(None)),
        "email": emails(tag),
        "phone": PHONES,
        "notes": TEXT,
        "company": TEXT,
        "credit_limit": st.one_of(MONEY, st.just(None)),
        "currency": CURRENCY,
        "address": st.one_of(st.none(), ADDRESS_CHANGE),
    }


def same_fields(tag: str, changes: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Another edit of the same fields (an address: the same sub-fields), other values."""
    fields = field_values(tag)
    return st.fixed_dictionaries(
        {
            name: st.fixed_dictionaries({sub: ADDRESS_FIELDS[sub] for sub in value})
            if name == "address" and isinstance(value, dict)
            else fields[name]
            for name, value in changes.items()
        }
    )


def update_changes(tag: str) -> st.SearchStrategy[dict[str, Any]]:
    """A partial update of one to three fields: absent = unchanged, null = clear.

    Few fields, so that an edit which only re-types a value the server already
    holds (in another spelling) is common: the server's row must still come back.
    """
    fields = field_values(tag)
    return st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({n: fields[n] for n in names})
    )


def written(changes: dict[str, Any]) -> frozenset[str]:
    """The fields an update writes, flat: ``address.city``; ``address`` when it is removed."""
    out: set[str] = set()
    for name, value in changes.items():
        if name == "address" and isinstance(value, dict):
            out |= {f"address.{sub}" for sub in value}
        else:
            out.add(name)
    return frozenset(out)


def overlaps(a: str, b: str) -> bool:
    """Whether writing ``a`` may change what ``b`` names (``address`` covers its fields)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def normal(name: str, value: Any) -> Any:
    """A flat field's value in the server's normal form (as its update schema reads it)."""
    top, _, sub = name.partition(".")
    try:
        parsed = CustomerUpdate.model_validate({top: {sub: value} if sub else value})
    except ValidationError:
        return value
    dumped = parsed.model_dump(mode="json", exclude_unset=True)[top]
    return dumped.get(sub) if sub else dumped


def changed(
    fields: frozenset[str], before: dict[str, Any], after: dict[str, Any]
) -> frozenset[str]:
    """Which of the ``written`` fields a write changed, from the REST rows around it.

    A write that sends a field's current value leaves it as it was: nobody's value of
    that field is replaced, and the change log does not name it (a later value of the
    field is whoever changed it last, not this writer's).
    """

    def where(name: str) -> str:
        return "address.country_code" if name == "address.country" else name

    return frozenset(f for f in fields if shown(before, where(f)) != shown(after, where(f)))


def flat_base(changes: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The base sent for each changed flat field (a field left out has none)."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name != "address" or not isinstance(value, dict):
            if name in base:
                out[name] = base[name]
            continue
        seen = base.get("address", ...)
        for sub in value:
            if seen is None or seen == {}:
                out[f"address.{sub}"] = None  # the user saw no address at all
            elif isinstance(seen, dict) and sub in seen:
                out[f"address.{sub}"] = seen[sub]
    return out


class Sent(NamedTuple):
    """One local edit as the model knows it."""

    cid: str
    op: str
    detail: Any  # update changes, command name
    party: str  # "<desktop>.<copy of its file>"
    fields: frozenset[str]
    fingerprint: str


class Stored(NamedTuple):
    """A mutation's stored result on the server."""

    mutation_id: int
    status: str
    conflicts: list[str]
    fingerprint: str
    result: dict[str, Any]


# ---------------------------------------------------------------- the replicas


class RecordingReplica(Replica):
    """A replica file that notes every acknowledgement it takes (per mutation id) and
    tells the model when the outbox is renumbered."""

    def __init__(
        self,
        path: Path,
        acks: list[tuple[int, str]],
        renumbered: Callable[[dict[int, int]], None],
    ) -> None:
        super().__init__(path)
        self.acks = acks
        self.renumbered = renumbered

    def renumber_outbox(self, *, first: int) -> None:
        before = [m.mutation_id for m in self.pending(limit=None)]
        super().renumber_outbox(first=first)
        after = [m.mutation_id for m in self.pending(limit=None)]
        self.renumbered(dict(zip(before, after, strict=True)))

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
        self,
        number: int,
        url: str,
        path: Path,
        tokens: PasswordTokenProvider,
        user_id: str,
        pull_limit: int,
    ) -> None:
        self.number = number
        self.url, self.path, self.tokens, self.user_id = url, path, tokens, user_id
        self.pull_limit = pull_limit
        self.acks: list[tuple[int, str]] = []
        self.sent: dict[int, Sent] = {}  # the file's mutation id -> the edit
        self.edits: dict[str, Sent] = {}  # fingerprint -> every edit this desktop ever made
        self.copy = 0  # which copy of the file is in use: a restore starts another
        # The backup: file, and the model's view of it (its edits, acknowledgements).
        self.backup: tuple[Path, dict[int, Sent], list[tuple[int, str]]] | None = None
        # Edits pushed while an answer was lost: applied at an unknown time.
        self.lost: set[str] = set()
        self.renumbers = 0
        self.online = True
        self.faults = FaultyTransport()
        self.client = self._open()

    @property
    def party(self) -> str:
        return f"{self.number}.{self.copy}"

    def _open(self) -> SyncClient:
        return SyncClient(
            self.url,
            RecordingReplica(self.path, self.acks, self._renumbered),
            self.tokens,
            transport=self.faults,
            timeout=30,
            pull_limit=self.pull_limit,
        )

    def _renumbered(self, moved: dict[int, int]) -> None:
        self.renumbers += 1
        self.sent = {moved.get(m, m): sent for m, sent in self.sent.items()}

    def note(
        self, mutation_id: int, cid: str, op: str, detail: Any, fields: frozenset[str]
    ) -> None:
        entry = next(m for m in self.replica.pending(limit=None) if m.mutation_id == mutation_id)
        fingerprint = entry.to_wire().fingerprint()
        self.sent[mutation_id] = self.edits[fingerprint] = Sent(
            cid, op, detail, self.party, fields, fingerprint
        )

    def back_up(self, target: Path) -> None:
        """A copy of the file as a backup tool would take it, while the app runs."""
        _copy_file(self.path, target)
        self.backup = (target, dict(self.sent), list(self.acks))

    def restore(self) -> None:
        """The user puts the backup back: what was made since is known to the server only."""
        assert self.backup is not None
        source, sent, acks = self.backup
        self.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        _copy_file(source, self.path)
        self.sent = dict(sent)
        self.acks[:] = acks
        # Pending in the copy: perhaps applied since, at a time the model cannot tell.
        acked = {m for m, _ in acks}
        self.lost |= {edit.fingerprint for m, edit in sent.items() if m not in acked}
        self.copy += 1
        self.client = self._open()

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


def _copy_file(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


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
        # customer id -> version -> fields the integration wrote at that version
        self.rest_versions: dict[str, dict[int, frozenset[str]]] = {}
        # (customer id, version) -> the fields a desktop's push changed at that version
        self.push_changed: dict[tuple[str, int], frozenset[str]] = {}
        # customer id -> (who, fields) of every write tried, by desktops and the integration
        self.tried: dict[str, list[tuple[str, frozenset[str]]]] = {}

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
            self.desktops.append(Desktop(i, self.live.url, path, tokens, user_id, limits[i]))
        # A few customers everyone starts from: the rules edit, delete and re-type them.
        for data in seed:
            r = self.admin.post(CUSTOMERS, json=data)
            assert r.status_code in (201, 409), r.text
            if r.status_code == 201:
                self.known.add(r.json()["id"])
                self.order.append(r.json()["id"])
        for d in self.desktops:
            d.client.sync_once()
            # A first backup, so that any restore puts back a copy older than what follows.
            d.back_up(self.workdir / f"{self.tag}-{d.number}.backup.sqlite3")

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

    def tries(self, who: str, cid: str, fields: frozenset[str]) -> None:
        self.tried.setdefault(cid, []).append((who, fields))

    def edit(self, d: Desktop, cid: str, changes: dict[str, Any]) -> None:
        fields = written(changes)
        self.tries(d.party, cid, fields)
        d.note(
            d.replica.update(entity="customer", id=cid, changes=changes),
            cid,
            "update",
            changes,
            fields,
        )

    @rule(i=st.integers(0, 3), data=st.data())
    def create(self, i: int, data: st.DataObject) -> None:
        d = self.desktop(i)
        cid = d.replica.create(entity="customer", data=data.draw(create_data(self.tag)))
        self.created_by_sync[cid] = d.replica.client_id
        self.order.append(cid)
        d.note(d.made(), cid, "create", None, frozenset())

    @precondition(lambda self: bool(self.order))
    @rule(i=st.integers(0, 3), data=st.data())
    def update(self, i: int, data: st.DataObject) -> None:
        d = self.desktop(i)
        cid = self.pick(data, d)
        changes = data.draw(update_changes(self.tag))
        if cid is not None:
            self.edit(d, cid, changes)

    @precondition(lambda self: bool(self.order))
    @rule(i=st.integers(0, 3), data=st.data())
    def edit_again(self, i: int, data: st.DataObject) -> None:
        """The user changes a field again before the first change synced (or was pulled back)."""
        d = self.desktop(i)
        k = data.draw(st.integers(min_value=0, max_value=63), label="edit")
        shown = set(self.visible_ids(d))
        edited = [
            (m, sent)
            for m, sent in sorted(d.sent.items())
            if sent.op == "update" and sent.cid in shown
        ]
        if not edited:
            return
        _, sent = edited[-1 - k % len(edited)]
        name = sorted(sent.detail)[k % len(sent.detail)]
        self.edit(d, sent.cid, {name: data.draw(field_values(self.tag)[name], label="again")})

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
        self.edit(d, cid, {field: value})

    @precondition(lambda self: bool(self.order))
    @rule(i=st.integers(0, 3), data=st.data())
    def delete(self, i: int, data: st.DataObject) -> None:
        d = self.desktop(i)
        cid = self.pick(data, d)
        if cid is not None:
            self.delete_it(d, cid)

    def delete_it(self, d: Desktop, cid: str) -> None:
        fields = frozenset({"_deleted"})
        self.tries(d.party, cid, fields)
        d.note(d.replica.delete(entity="customer", id=cid), cid, "delete", None, fields)

    @precondition(lambda self: bool(self.order))
    @rule(i=st.integers(0, 3), name=st.sampled_from(["activate", "deactivate"]), data=st.data())
    def command(self, i: int, name: str, data: st.DataObject) -> None:
        d = self.desktop(i)
        cid = self.pick(data, d)
        if cid is not None:
            fields = frozenset({"active"})
            self.tries(d.party, cid, fields)
            d.note(
                d.replica.command(entity="customer", id=cid, name=name),
                cid,
                "command",
                name,
                fields,
            )

    # ------------------------------------------------------------ the file

    @rule(i=st.integers(0, 3))
    def back_up(self, i: int) -> None:
        d = self.desktop(i)
        d.back_up(self.workdir / f"{self.tag}-{d.number}.backup.sqlite3")

    @rule(i=st.integers(0, 3))
    def restore_the_backup(self, i: int) -> None:
        """The file is replaced by its older copy; the server holds what was made since."""
        d = self.desktop(i)
        if d.backup is not None:
            d.restore()

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
            d.lost |= {d.sent[m.mutation_id].fingerprint for m in d.replica.pending(limit=200)}
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
        self.rest_put(cid, changes)

    @precondition(lambda self: bool(self.order))
    @rule(
        i=st.integers(0, 3),
        how=st.sampled_from(["same", "other", "address", "delete"]),
        push=st.booleans(),
        data=st.data(),
    )
    def someone_else_edits_it_too(self, i: int, how: str, push: bool, data: st.DataObject) -> None:
        """The integration changes a record this desktop shows (perhaps without an address,
        perhaps made here and not pulled back yet); the user, who does not see that change,
        edits the same fields (an address's), others, or deletes the record; perhaps it is
        pushed at once."""
        d = self.desktop(i)
        cid = self.pick(data, d)
        if cid is not None:
            self.behind_the_users_back(d, cid, how, push, data)

    @rule(
        i=st.integers(0, 3),
        how=st.sampled_from(["again", "same", "other", "address", "delete"]),
        data=st.data(),
    )
    def made_here_then_changed_elsewhere(self, i: int, how: str, data: st.DataObject) -> None:
        """A record made on this desktop and pushed, changed over REST before the desktop
        pulls it back; the user edits it again (the fields just edited, in other spellings,
        while REST changed others), or deletes it."""
        d = self.desktop(i)
        if not d.online:
            return
        # An email nobody else uses, and REST changes the server takes: the story goes on.
        made = data.draw(create_data(self.tag), label="made here")
        cid = d.replica.create(
            entity="customer", data=made | {"email": f"made{len(self.order)}@{self.tag}.example"}
        )
        self.created_by_sync[cid] = d.replica.client_id
        self.order.append(cid)
        d.note(d.made(), cid, "create", None, frozenset())
        first: dict[str, Any] = {}
        if how == "again" or data.draw(st.booleans(), label="edit before pushing"):
            first = data.draw(update_changes(self.tag), label="first edit")
            self.edit(d, cid, first)
        self.push_and_check(d)
        if d.replica.get(entity="customer", id=cid) is None:  # (the create may be refused)
            return
        if how != "again":
            self.behind_the_users_back(d, cid, how, True, data, taken=True)
            return
        theirs = update_changes(self.tag).filter(
            lambda c: not (c.keys() & first.keys()) and "email" not in c and None not in c.values()
        )
        self.rest_put(cid, data.draw(theirs, label="theirs"))
        self.edit(d, cid, data.draw(same_fields(self.tag, first), label="again"))
        self.push_and_check(d)

    def behind_the_users_back(
        self,
        d: Desktop,
        cid: str,
        how: str,
        push: bool,
        data: st.DataObject,
        *,
        taken: bool = False,
    ) -> None:
        """``taken``: only changes REST accepts (no email, no clearing a required field)."""
        if how == "address":  # the same address fields, whether or not the user saw one
            changes = {"address": data.draw(ADDRESS_CHANGE, label="their address")}
            how = "same"
        else:
            theirs = update_changes(self.tag)
            if taken:
                theirs = theirs.filter(
                    lambda c: (
                        "email" not in c
                        and c.get("name", "") is not None
                        and c.get("credit_limit", 0) is not None
                    )
                )
            changes = data.draw(theirs, label="theirs")
        self.rest_put(cid, changes)
        if how == "delete":
            self.delete_it(d, cid)
        else:
            mine = same_fields(self.tag, changes) if how == "same" else update_changes(self.tag)
            self.edit(d, cid, data.draw(mine, label="mine"))
        if push and d.online:
            self.push_and_check(d)

    def rest_put(self, cid: str, changes: dict[str, Any]) -> None:
        before = self.version(cid)
        held = self.admin.get(f"{CUSTOMERS}/{cid}")
        r = self.admin.put(f"{CUSTOMERS}/{cid}", json=changes)
        # 404: deleted, or not pushed yet; 409: email taken; 422: a required field cleared.
        assert r.status_code in (200, 404, 409, 422), r.text
        if r.status_code == 200:
            self.rest_writes[cid] += 1
            self.tries("rest", cid, written(changes))
            self.rest_wrote(cid, before, changed(written(changes), held.json(), r.json()))

    @precondition(lambda self: bool(self.order))
    @rule(name=st.sampled_from(["activate", "deactivate"]), data=st.data())
    def rest_command(self, name: str, data: st.DataObject) -> None:
        cid = self.pick_any(data)
        if cid is None:
            return
        before = self.version(cid)
        r = self.admin.patch(f"{CUSTOMERS}/{cid}/{name}")
        assert r.status_code in (200, 404, 409), r.text
        if r.status_code == 200:
            self.rest_writes[cid] += 1
            self.rest_commands[cid] += 1
            self.tries("rest", cid, frozenset({"active"}))
            self.rest_wrote(cid, before, frozenset({"active"}))

    def version(self, cid: str) -> int | None:
        with self.ctx.unit_of_work() as s:
            return s.scalar(sa.select(Customer.version).where(Customer.id == cid))

    def rest_wrote(self, cid: str, before: int | None, fields: frozenset[str]) -> None:
        """Note the version a REST write made, with the fields it changed."""
        after = self.version(cid)
        if after is not None and after != before:  # a write that changed nothing has none
            self.rest_versions.setdefault(cid, {})[after] = fields

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
            self._check_no_conflict_without_another_writer(n, d)
        self._check_audit()

    def push_and_check(self, d: Desktop, batch: int = 200) -> int:
        """Push; then each mutation the server applied just now shows on the server as sent,
        and none overwrote what someone else wrote unseen without a conflict record."""
        pending = {m.mutation_id: m.payload for m in d.replica.pending(limit=None)}
        targets = {d.sent[m].cid for m in pending if m in d.sent and d.sent[m].op != "create"}
        held = {cid: self.admin.get(f"{CUSTOMERS}/{cid}") for cid in sorted(targets)}
        renumbers = d.renumbers
        before = len(d.acks)
        done = d.client.push_pending(batch_size=batch)
        fresh = [(m, s) for m, s in d.acks[before:] if d.sent[m].fingerprint not in d.lost]
        if d.renumbers == renumbers:  # (ids of the outbox as it was before the push)
            rows = {cid: r.json() for cid, r in held.items() if r.status_code == 200}
            self._check_nothing_unseen_overwritten(d, fresh, pending, rows)
            self._measure_push(d, fresh, rows)
        last: dict[str, int] = {}  # customer -> the last of its mutations acknowledged just now
        for m, _ in fresh:
            last[d.sent[m].cid] = m
        for m, status in fresh:
            cid, op, detail = d.sent[m][:3]
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

    def _measure_push(
        self, d: Desktop, fresh: list[tuple[int, str]], held: dict[str, dict[str, Any]]
    ) -> None:
        """Note which sent fields the push changed, per customer, where the customer's fresh
        mutations all carry one version (the rows before and after tell that version's
        doing): a field sent with the value it had was nobody's write of it."""
        by_cid: dict[str, list[Sent]] = {}
        for m, status in fresh:
            if status != "rejected" and d.sent[m].cid in held:
                by_cid.setdefault(d.sent[m].cid, []).append(d.sent[m])
        for cid, edits in by_cid.items():
            with self.ctx.unit_of_work() as s:
                versions = set(
                    s.scalars(
                        sa.select(SyncMutation.version).where(
                            SyncMutation.client_id == d.replica.client_id,
                            SyncMutation.fingerprint.in_([e.fingerprint for e in edits]),
                        )
                    )
                )
            r = self.admin.get(f"{CUSTOMERS}/{cid}")
            version = versions.pop() if len(versions) == 1 else None
            if version is None or r.status_code != 200:
                continue
            sent = frozenset().union(*(e.fields for e in edits))
            self.push_changed[(cid, version)] = changed(sent, held[cid], r.json())

    def _others(self, d: Desktop, cid: str, after: int) -> list[frozenset[str]]:
        """What others (not this desktop, whichever copy of its file) wrote to the customer
        after version ``after``: the fields of each such version ("*": unknown)."""
        by_client = {x.replica.client_id: x for x in self.desktops}
        with self.ctx.unit_of_work() as s:
            versions = set(
                s.scalars(
                    sa.select(ChangeLog.version).where(
                        ChangeLog.entity == "customer",
                        ChangeLog.entity_id == cid,
                        ChangeLog.version > after,
                    )
                )
            )
            pushed = list(
                s.execute(
                    sa.select(
                        SyncMutation.client_id, SyncMutation.fingerprint, SyncMutation.version
                    ).where(SyncMutation.version.in_(sorted(versions)))
                )
            )
        own = {v for client, _, v in pushed if client == d.replica.client_id}
        found: list[frozenset[str]] = []
        for version in sorted(versions - own):
            # What the version changed, where the model saw the rows around it; else what
            # its writers sent; else unknown ("*").
            rest = self.rest_versions.get(cid, {}).get(version)
            fields, known = set(rest or ()), rest is not None
            measured = self.push_changed.get((cid, version))
            for client, fingerprint, v in pushed:
                other = by_client.get(client)
                sent = other.edits.get(fingerprint) if other is not None and v == version else None
                if sent is not None and sent.cid == cid:
                    fields |= sent.fields if measured is None else measured
                    known = True
            if fields or not known:  # (a version that changed no field is nobody's write)
                found.append(frozenset(fields) if known else frozenset({"*"}))
        return found

    def _check_nothing_unseen_overwritten(
        self,
        d: Desktop,
        fresh: list[tuple[int, str]],
        pending: dict[int, dict[str, Any]],
        held: dict[str, dict[str, Any]],
    ) -> None:
        """The first edit of each customer in this push, against the server row before it:
        where it replaced a value someone else wrote after its base version and the user
        never saw, there is a conflict record; a delete applied only if nobody else wrote."""
        seen: set[str] = set()
        for m, status in fresh:
            sent = d.sent[m]
            first = sent.cid not in seen
            seen.add(sent.cid)
            row = held.get(sent.cid)
            if not first or row is None or m not in pending or status == "rejected":
                continue
            payload = pending[m]
            others = self._others(d, sent.cid, payload.get("base_version") or 0)
            if sent.op == "delete":
                assert status == "conflict" or not others, (
                    f"mutation {m}: a delete applied over writes {others} the user never saw"
                )
            if sent.op != "update":
                continue
            with self.ctx.unit_of_work() as s:
                stored = s.scalar(
                    sa.select(SyncMutation).where(
                        SyncMutation.client_id == d.replica.client_id,
                        SyncMutation.fingerprint == sent.fingerprint,
                    )
                )
                assert stored is not None
                made = set(
                    s.scalars(
                        sa.select(SyncConflict.field).where(
                            SyncConflict.id.in_(stored.result.get("conflicts", []))
                        )
                    )
                )
            bases = flat_base(sent.detail, payload.get("base") or {})
            for name, mine in self._flat(sent.detail).items():
                if name not in bases:
                    continue
                where = "address.country_code" if name == "address.country" else name
                had = normal(name, shown(row, where))
                if had in (normal(name, bases[name]), normal(name, mine)):
                    continue
                if any(f == "*" or overlaps(name, f) for fields in others for f in fields):
                    assert name in made, (
                        f"mutation {m} replaced {name}={had!r}, written by someone else and "
                        f"never seen (base {bases[name]!r}), with {mine!r} and no conflict record"
                    )

    @staticmethod
    def _flat(changes: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "address" and isinstance(value, dict):
                out.update((f"address.{sub}", v) for sub, v in value.items())
            elif name != "address":
                out[name] = value
        return out

    def _check_no_conflict_without_another_writer(self, n: int, d: Desktop) -> None:
        """A conflict record needs someone else's write of that field (or of the record, for
        a delete): an edit never conflicts with the same replica's own earlier ones."""
        with self.ctx.unit_of_work() as s:
            fields = dict(s.execute(sa.select(SyncConflict.id, SyncConflict.field)).all())
        for row in self._stored(d):
            if row.status != "conflict":
                continue
            mine = d.edits[row.fingerprint]
            others = [
                f for who, fs in self.tried.get(mine.cid, []) if who != mine.party for f in fs
            ]
            for conflict_id in row.conflicts:
                field = fields[conflict_id]
                ok = (
                    bool(others) if field == "_deleted" else any(overlaps(field, f) for f in others)
                )
                assert ok, (
                    f"desktop {n}: mutation {row.mutation_id} ({mine.op} {mine.detail}) "
                    f"conflicts on {field} with nobody else's write of it"
                )

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

    def _stored(self, d: Desktop) -> list[Stored]:
        with self.ctx.unit_of_work() as s:
            rows = s.execute(
                sa.select(
                    SyncMutation.mutation_id,
                    SyncMutation.status,
                    SyncMutation.result,
                    SyncMutation.fingerprint,
                )
                .where(SyncMutation.client_id == d.replica.client_id)
                .order_by(SyncMutation.mutation_id)
            )
            return [
                Stored(m, status, list(result.get("conflicts", [])), fingerprint, result)
                for m, status, result, fingerprint in rows
            ]

    def _check_exactly_once(self, n: int, d: Desktop) -> None:
        """Every edit stored at most once, each stored result that of one of the desktop's
        own edits (its fingerprint: no edit got another's result back, also after a restore);
        each edit the file holds acknowledged exactly once, with its stored outcome; a create
        refused only because its email was taken (REST would refuse it too)."""
        stored = self._stored(d)
        ids = [row.mutation_id for row in stored]
        assert ids == list(range(1, len(ids) + 1)) and len(ids) >= d.made(), (
            f"desktop {n} made {d.made()} mutations; the server holds {ids}"
        )
        if d.copy == 0:  # never restored: the server holds exactly its edits, under their ids
            assert len(ids) == d.made()
            assert [row.fingerprint for row in stored] == [
                d.sent[m].fingerprint for m in sorted(d.sent)
            ]
        by_edit: dict[str, Stored] = {}
        for row in stored:
            assert row.fingerprint in d.edits, (
                f"desktop {n}: mutation {row.mutation_id}'s stored result is no edit of it"
            )
            assert row.fingerprint not in by_edit, (
                f"desktop {n}: one edit stored twice, as {by_edit[row.fingerprint].mutation_id} "
                f"and {row.mutation_id}"
            )
            by_edit[row.fingerprint] = row
            if d.edits[row.fingerprint].op == "create" and row.status == "rejected":
                assert row.result["error"]["error"] == "conflict", (
                    f"desktop {n}: create {row.mutation_id} refused: {row.result['error']}"
                )
        acked = sorted(d.acks)
        assert [m for m, _ in acked] == sorted(d.sent), (
            f"desktop {n}: each mutation must be acknowledged exactly once, got {acked}"
        )
        outcome = {m: by_edit[sent.fingerprint] for m, sent in d.sent.items()}
        assert acked == [(m, outcome[m].status) for m in sorted(d.sent)]
        rejected = [r.mutation_id for r in d.replica.rejections(include_dismissed=True)]
        assert rejected == [m for m in sorted(d.sent) if outcome[m].status == "rejected"]
        conflicts = d.replica.conflict_results()
        assert [(m, ids) for m, _, _, ids in conflicts] == [
            (m, outcome[m].conflicts) for m in sorted(d.sent) if outcome[m].status == "conflict"
        ]
        assert all(ids for _, _, _, ids in conflicts)

    def _check_audit(self) -> None:
        """Each acknowledged mutation changed the server at most once; creates and commands once."""
        ours = self.known | set(self.created_by_sync)
        counted: Counter[tuple[str, str]] = Counter()  # (customer id, op) -> applied mutations
        with self.ctx.unit_of_work() as s:
            for d in self.desktops:
                for row in self._stored(d):
                    if row.status in ("applied", "conflict"):
                        edit = d.edits[row.fingerprint]
                        counted[(edit.cid, edit.op)] += 1
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


@pytest.fixture
def bound(server: LiveServer, admin: Api, ctx: AppContext, tmp_path: Path) -> Iterator[None]:
    """The model bound to a live server, its REST client and two users' desktops."""
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
        yield
    finally:
        admin_tokens.close()
        other_tokens.close()


class Scripted:
    """Stands in for Hypothesis's ``data``: each draw takes the next scripted value."""

    def __init__(self, *values: Any) -> None:
        self.values = list(values)

    def draw(self, strategy: Any, label: str | None = None) -> Any:  # noqa: ARG002
        return self.values.pop(0)


def test_a_field_sent_with_the_value_it_had_is_nobodys_write_of_it(bound: None) -> None:
    """A shrunk failure of the model, replayed step by step (its oracle was wrong).

    The integration sends the currency the record has (and changes the notes); the desktop
    then writes the currency itself, in an edit that conflicts on the notes (so, until it
    pulls, it shows the server's old row again), and types the old currency back over its
    own value. No one else's value was replaced: no conflict record is due.
    """
    model = SyncModel()
    seed = {"name": f"Acme {model.tag}", "email": f"sales@{model.tag}.example", "currency": "USD"}
    try:
        model.open_desktops(2, [500] * 4, Scripted([seed]))
        theirs: dict[str, Any] = {"currency": "USD", "notes": "from the web"}  # USD: unchanged
        mine: dict[str, Any] = {"currency": "EUR", "notes": "x"}  # conflicts on notes
        model.someone_else_edits_it_too(0, "same", True, Scripted(0, theirs, mine))
        theirs, mine = {"credit_limit": 5}, {"currency": "USD"}  # the old currency back
        model.someone_else_edits_it_too(0, "other", True, Scripted(0, theirs, mine))
    finally:
        model.teardown()


def test_replicas_converge_on_the_servers_view(bound: None) -> None:
    run_state_machine_as_test(
        SyncModel,
        settings=settings(
            max_examples=15,
            stateful_step_count=35,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        ),
    )
