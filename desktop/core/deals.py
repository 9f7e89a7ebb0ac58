"""Deals on the desktop: the module's declaration, the pipeline's cards and stage moves; no Qt.

A stage move is the server's ``move_stage`` command, which by the replica's
rules changes nothing locally until the server's row is pulled; so that the
card moves at once, a pending ``move_stage`` in the outbox is shown as the
deal's stage (with the stage's default probability: ``_shown``). A move the
server refuses leaves the outbox (the replica records the rejection), and the
card goes back by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from common.deals import (
    CURRENCY,
    DEFAULT_PROBABILITY,
    STAGES,
    DealCreate,
    DealUpdate,
    Stage,
    can_move,
)
from desktop.core.kit.entity import QT_TRANSLATE_NOOP, Choice, Column, Entity, Field, Ref
from desktop.core.kit.listing import ListRow
from desktop.core.kit.projection import ListColumn, ListProjection, Lookup, rank, text
from desktop.core.replica import Replica

ENTITY_NAME = "deal"
MOVE_COMMAND = "move_stage"
C = "deals"  # the translation context


def _tr(source: str) -> str:
    return QT_TRANSLATE_NOOP(C, source)


_DEFAULT_PROBABILITY_SQL = (
    "CASE coalesce(json_extract({data}, '$.stage'), 'LEAD') "
    + " ".join(f"WHEN '{s.value}' THEN {DEFAULT_PROBABILITY[s]}" for s in STAGES)
    + " ELSE 0 END"
)

PROJECTION = ListProjection(
    entity=ENTITY_NAME,
    columns=(
        ListColumn("title", text("$.title")),
        ListColumn("client_id", text("$.client_id")),
        ListColumn("client_name", lookup=Lookup("customer", "client_id", text("$.name"))),
        ListColumn("value", "coalesce(json_extract({data}, '$.value'), 0)", "integer"),
        ListColumn("currency", f"coalesce(json_extract({{data}}, '$.currency'), '{CURRENCY}')"),
        ListColumn("stage", "coalesce(json_extract({data}, '$.stage'), 'LEAD')"),
        ListColumn("stage_rank", rank("$.stage", [s.value for s in STAGES]), "integer"),
        ListColumn(
            "probability",
            f"coalesce(json_extract({{data}}, '$.probability'), {_DEFAULT_PROBABILITY_SQL})",
            "integer",
        ),
        ListColumn("expected_close", text("$.expected_close")),
    ),
    sort_keys=("title", "client_name", "stage_rank", "value", "probability", "expected_close"),
    search=("title", "client_name"),
)

STAGE_CHOICES = (
    Choice(Stage.LEAD.value, _tr("Lead")),
    Choice(Stage.QUALIFIED.value, _tr("Qualified")),
    Choice(Stage.PROPOSAL.value, _tr("Proposal")),
    Choice(Stage.NEGOTIATION.value, _tr("Negotiation")),
    Choice(Stage.WON.value, _tr("Won")),
    Choice(Stage.LOST.value, _tr("Lost")),
)


def allowed_targets(stage: Stage) -> list[Stage]:
    """The stages a deal in ``stage`` may move to, in pipeline order."""
    return [s for s in STAGES if can_move(stage, s)]


def _stage_choices(loaded: Any) -> list[str]:
    """The form offers the loaded stage and those the transition table allows from it."""
    stage = Stage(loaded)
    return [s.value for s in STAGES if s == stage or can_move(stage, s)]


def _shown(row: ListRow) -> ListRow:
    """A queued ``move_stage`` shows as the deal's stage until the server's row arrives."""
    target = row.pending_args.get("stage") if row.pending_command == MOVE_COMMAND else None
    if target not in Stage.__members__ or target == row["stage"]:
        return row
    stage = Stage(str(target))
    probability = row.pending_args.get("probability")
    values = {
        **row.values,
        "stage": stage.value,
        "stage_rank": STAGES.index(stage),
        "probability": DEFAULT_PROBABILITY[stage] if probability is None else probability,
    }
    return replace(row, values=values, moving=True)


ENTITY = Entity(
    name=ENTITY_NAME,
    context=C,
    label=_tr("Deal"),
    plural=_tr("Deals"),
    count=_tr("%n deal(s)"),
    count_more=_tr("%1+ deals"),
    new_title=_tr("New deal"),
    filter_hint=_tr("Filter by title or client"),
    projection=PROJECTION,
    columns=(
        Column("title", _tr("Title"), width=220),
        Column("client_name", _tr("Client"), width=180),
        Column("stage", _tr("Stage"), "choice", choices=STAGE_CHOICES, sort="stage_rank"),
        Column("value", _tr("Value"), "money", currency="currency"),
        Column("probability", _tr("Probability"), "percent", width=90),
        Column("expected_close", _tr("Expected close"), "date"),
    ),
    fields=(
        Field("title", _tr("Title"), required=True, live=True, example="Sample deal"),
        Field(
            "client_id",
            _tr("Client"),
            "ref",
            ref=Ref("customer", detail=("email", "city"), filters={"active": True}),
            required=True,
            missing=_tr("Choose the client"),
        ),
        Field("value", _tr("Value"), "money", currency="currency", live=True, default=0),
        Field("currency", _tr("Currency"), "currency", read_only=True, default=CURRENCY),
        Field(
            "stage",
            _tr("Stage"),
            "choice",
            choices=STAGE_CHOICES,
            transitions=_stage_choices,
            default=Stage.LEAD.value,
        ),
        Field(
            "probability",
            _tr("Probability"),
            "percent",
            follows="stage",
            follow=lambda stage: DEFAULT_PROBABILITY[Stage(stage)],
            default=DEFAULT_PROBABILITY[Stage.LEAD],
        ),
        Field("expected_close", _tr("Expected close"), "date"),
        Field("notes", _tr("Notes"), "multiline"),
    ),
    create=DealCreate,
    update=DealUpdate,
    title="title",
    search_detail=("client_name",),
    depends_on=frozenset({"customer"}),
    adjust=_shown,
    order=20,
)


# ---------------------------------------------------------------- the pipeline


@dataclass(frozen=True)
class DealCard:
    """One deal as the pipeline shows it (value in cents)."""

    id: str
    title: str
    client_id: str
    client_name: str
    value: int
    currency: str
    stage: Stage
    probability: int
    expected_close: str | None
    pending: bool  # a local edit or move is waiting to be sent
    moving: bool  # the stage shown is a move the server has not confirmed yet

    @classmethod
    def of(cls, row: ListRow) -> DealCard:
        return cls(
            id=row.id,
            title=str(row["title"]),
            client_id=str(row["client_id"]),
            client_name=str(row["client_name"]),
            value=int(row["value"]),
            currency=str(row["currency"]),
            stage=Stage(row["stage"]) if row["stage"] in Stage.__members__ else Stage.LEAD,
            probability=int(row["probability"]),
            expected_close=row["expected_close"] or None,
            pending=row.pending,
            moving=row.moving,
        )


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


class MoveRefused(ValueError):
    """A move the transition table does not allow (the same text the server would give)."""


def move_stage(replica: Replica, card: DealCard, target: Stage) -> int:
    """Queue the ``move_stage`` command; ``MoveRefused`` when the rules forbid it."""
    if not can_move(card.stage, target):
        raise MoveRefused(f"A deal in stage {card.stage.value} cannot move to {target.value}")
    return replica.command(
        entity=ENTITY_NAME, id=card.id, name=MOVE_COMMAND, args={"stage": target.value}
    )
