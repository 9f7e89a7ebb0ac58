"""Deals on the replica for the pipeline, the deal list and the deal form; no Qt.

Reads go through their own SQLite connection (WAL: they never wait for the
sync worker's writes). A stage move is the server's ``move_stage`` command,
which by the replica's rules changes nothing locally until the server's row is
pulled; so that the card moves at once, a pending ``move_stage`` in the outbox
is shown as the deal's stage here (with the stage's default probability). A
move the server refuses leaves the outbox (the replica records the rejection),
and the card goes back by itself.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from common.deals import (
    CURRENCY,
    DEFAULT_PROBABILITY,
    STAGES,
    DealCreate,
    DealUpdate,
    Stage,
    can_move,
)
from desktop.core.replica import Replica

ENTITY = "deal"
MOVE_COMMAND = "move_stage"

_DEALS_SQL = """
SELECT d.id, d.local_data, json_extract(c.local_data, '$.name'),
    EXISTS (SELECT 1 FROM outbox AS o WHERE o.entity = 'deal' AND o.id = d.id),
    (
        SELECT json_extract(o.payload, '$.args.stage') FROM outbox AS o
        WHERE o.entity = 'deal' AND o.id = d.id AND o.op = 'command'
        AND json_extract(o.payload, '$.command') = 'move_stage'
        ORDER BY o.mutation_id DESC LIMIT 1
    )
FROM records AS d
LEFT JOIN records AS c
    ON c.entity = 'customer' AND c.id = json_extract(d.local_data, '$.client_id')
WHERE d.entity = 'deal' AND d.local_data IS NOT NULL
ORDER BY d.id
"""

_CUSTOMERS_SQL = """
SELECT id, json_extract(local_data, '$.name') FROM records
WHERE entity = 'customer' AND local_data IS NOT NULL
AND coalesce(json_extract(local_data, '$.active'), 1) != 0
ORDER BY json_extract(local_data, '$.name') COLLATE NOCASE, id
"""


@dataclass(frozen=True)
class DealCard:
    """One deal as the pipeline, the list and the form show it (value in cents)."""

    id: str
    title: str
    client_id: str
    client_name: str
    value: int
    currency: str
    stage: Stage
    probability: int
    notes: str | None
    expected_close: str | None
    pending: bool  # a local edit or move is waiting to be sent
    moving: bool  # the stage shown is a move the server has not confirmed yet

    def matches(self, text: str) -> bool:
        """Whether every word of ``text`` is in the title or the client's name."""
        haystack = f"{self.title} {self.client_name}".casefold()
        return all(word in haystack for word in text.casefold().split())


@dataclass
class StageSummary:
    """How many deals a stage holds and their total value per currency (cents)."""

    count: int = 0
    totals: dict[str, int] = field(default_factory=dict)

    def add(self, card: DealCard) -> None:
        self.count += 1
        self.totals[card.currency] = self.totals.get(card.currency, 0) + card.value


def summarize(cards: list[DealCard]) -> dict[Stage, StageSummary]:
    """Every stage (in pipeline order), with its count and totals."""
    out = {stage: StageSummary() for stage in STAGES}
    for card in cards:
        out[card.stage].add(card)
    return out


def _card(row: tuple[Any, ...]) -> DealCard:
    deal_id, local, client_name, pending, moving_to = row
    data: dict[str, Any] = json.loads(local)
    stage = Stage(data.get("stage") or Stage.LEAD)
    probability = data.get("probability")
    if probability is None:
        probability = DEFAULT_PROBABILITY[stage]
    moving = False
    if moving_to in Stage.__members__ and Stage(moving_to) != stage:
        stage, probability, moving = Stage(moving_to), DEFAULT_PROBABILITY[Stage(moving_to)], True
    return DealCard(
        id=deal_id,
        title=str(data.get("title") or ""),
        client_id=str(data.get("client_id") or ""),
        client_name=str(client_name or ""),
        value=int(data.get("value") or 0),
        currency=str(data.get("currency") or CURRENCY),
        stage=stage,
        probability=int(probability),
        notes=data.get("notes"),
        expected_close=data.get("expected_close"),
        pending=bool(pending),
        moving=moving,
    )


class DealBoard:
    """Read-only deal queries on a replica file, on their own SQLite connection."""

    def __init__(self, replica: Replica | str | Path) -> None:
        path = replica.path if isinstance(replica, Replica) else Path(replica)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=30
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> DealBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def deals(self, text: str = "") -> list[DealCard]:
        """Every deal the user sees (pending moves applied), filtered by ``text``."""
        with self._lock:
            rows = self._conn.execute(_DEALS_SQL).fetchall()
        cards = [_card(r) for r in rows]
        return [c for c in cards if c.matches(text)] if text.strip() else cards

    def deal(self, deal_id: str) -> DealCard | None:
        return next((c for c in self.deals() if c.id == deal_id), None)

    def customers(self) -> list[tuple[str, str]]:
        """(id, name) of the active customers a new deal can belong to, by name."""
        with self._lock:
            rows = self._conn.execute(_CUSTOMERS_SQL).fetchall()
        return [(str(r[0]), str(r[1] or "")) for r in rows]


# ---------------------------------------------------------------- edits


class MoveRefused(ValueError):
    """A move the transition table does not allow (the same text the server would give)."""


def allowed_targets(stage: Stage) -> list[Stage]:
    """The stages a deal in ``stage`` may move to, in pipeline order."""
    return [s for s in STAGES if can_move(stage, s)]


def move_stage(replica: Replica, card: DealCard, target: Stage) -> int:
    """Queue the ``move_stage`` command; ``MoveRefused`` when the rules forbid it."""
    if not can_move(card.stage, target):
        raise MoveRefused(f"A deal in stage {card.stage.value} cannot move to {target.value}")
    return replica.command(
        entity=ENTITY, id=card.id, name=MOVE_COMMAND, args={"stage": target.value}
    )


def _problems(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        message = str(error["msg"]).removeprefix("Value error, ")
        out.setdefault(name, message)
    return out


def validate_create(data: dict[str, Any]) -> tuple[DealCreate | None, dict[str, str]]:
    """The common rules for a new deal: (the valid deal, {}) or (None, {field: message})."""
    try:
        return DealCreate.model_validate(data), {}
    except ValidationError as exc:
        return None, _problems(exc)


def validate_update(changes: dict[str, Any]) -> tuple[DealUpdate | None, dict[str, str]]:
    try:
        return DealUpdate.model_validate(changes), {}
    except ValidationError as exc:
        return None, _problems(exc)


def create_deal(replica: Replica, deal: DealCreate) -> str:
    """Write a new deal (row + outbox entry in one transaction); returns its id."""
    data = deal.model_dump(mode="json")
    if data.get("probability") is None:
        data["probability"] = DEFAULT_PROBABILITY[deal.stage]
    return replica.create(entity=ENTITY, data=data)
