"""A record's status, changed only by the server's commands: its states, commands and rules; no Qt.

A ``Status`` declares one field (a customer's ``active`` flag, a party's
``active``/``inactive``/``blacklisted``): the label of each state and how a
list shows it (``look``), the commands that lead to each state and which of
them the server's transition table allows from where, and the states in which
the record is ``locked`` (read-only, with the reason the form shows). From it
come the field, the list column, the list filter and the projection column a
declaration lists, so the form, the list, the page's command bar and the
Compare dialog agree with each other and with the server.

A queued command is the record's status to come: ``shown`` is the state the
desktop acts on until the server's answer arrives by pull (a blacklisted party
cannot be edited from the moment the blacklist is queued, since the server
would refuse the edit after it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from desktop.core.kit.entity import (
    QT_TRANSLATE_NOOP,
    Choice,
    Column,
    Command,
    Field,
    ListFilter,
    Look,
    choice_key,
)
from desktop.core.kit.projection import ColumnType, ListColumn


@dataclass(frozen=True)
class State:
    """One value of a status: as the record holds it, its label, its look in a list."""

    value: Any  # True, "blacklisted"
    label: str
    look: Look = "plain"
    locked: str = ""  # the record cannot be edited in this state: the reason shown to the user
    # Only these fields can be edited in this state (None: every field); ``note`` says why.
    editable: frozenset[str] | None = None
    note: str = ""

    @property
    def key(self) -> str:
        return choice_key(self.value)


@dataclass(frozen=True)
class Status:
    """A status field: its states (the first is a new record's), commands and transitions."""

    field: str  # the record's field and the projection column
    label: str
    states: tuple[State, ...]
    commands: tuple[Command, ...]  # each ``sets`` (field, the state it leads to)
    sql: str  # the projection column: SQL over {data} (a new local record has no status yet)
    type: ColumnType = "text"
    transitions: Mapping[Any, frozenset[Any]] | None = None  # None: any state to any other
    width: int = 120
    _by_key: dict[str, State] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {s.key: s for s in self.states})
        for command in self.commands:
            if command.sets is None or command.sets[0] != self.field:
                raise ValueError(f"{command.name}: a status command sets {self.field!r}")
            if choice_key(command.sets[1]) not in self._by_key:
                raise ValueError(f"{command.name}: leads to an undeclared state")

    # ------------------------------------------------------------ rules

    def state(self, value: Any) -> State | None:
        """The declared state of a stored value (1 and True are the same state)."""
        return self._by_key.get(choice_key(value))

    def shown(self, value: Any, pending_command: str | None) -> Any:
        """The state to act on: a queued command's target, else the stored value."""
        command = next((c for c in self.commands if c.name == pending_command), None)
        return value if command is None or command.sets is None else command.sets[1]

    def offered(self, value: Any) -> tuple[Command, ...]:
        """The commands the server accepts from ``value``: to another state the table allows."""
        current = self.state(value)
        if current is None or current.locked:
            return ()
        out = []
        for command in self.commands:
            assert command.sets is not None
            target = self.state(command.sets[1])
            if target is None or target.key == current.key:
                continue
            if self.transitions is None or target.value in self.transitions.get(
                current.value, frozenset()
            ):
                out.append(command)
        return tuple(out)

    def lock(self, value: Any) -> str:
        """Why a record in ``value`` cannot be edited ('' : it can)."""
        state = self.state(value)
        return state.locked if state is not None else ""

    def editable(self, value: Any, name: str) -> bool:
        """Whether field ``name`` of a record in ``value`` may be edited."""
        state = self.state(value)
        if state is None:
            return True
        return not state.locked and (state.editable is None or name in state.editable)

    # ------------------------------------------------------------ what a declaration lists

    @property
    def choices(self) -> tuple[Choice, ...]:
        return tuple(Choice(s.key, s.label, s.look) for s in self.states)

    @property
    def form_field(self) -> Field:
        return Field(
            self.field, self.label, "status", choices=self.choices, default=self.states[0].value
        )

    @property
    def column(self) -> Column:
        return Column(self.field, self.label, "status", choices=self.choices, width=self.width)

    @property
    def list_column(self) -> ListColumn:
        return ListColumn(self.field, self.sql, self.type)

    @property
    def list_filter(self) -> ListFilter:
        """All, then each state."""
        every = QT_TRANSLATE_NOOP("kit", "All")
        return ListFilter(self.field, ((every, None), *((s.label, s.value) for s in self.states)))
