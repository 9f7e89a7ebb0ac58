"""What the desktop knows of a module: one ``Entity`` declaration, read by every part of the UI.

The list (columns, filters, projection), the record form (fields, groups,
lookups, commands), the Compare dialog and rejection texts (labels and kinds),
Ctrl+K (title and detail columns) and the refresh after a pull (``depends_on``)
all come from here. No Qt: labels are English source texts marked with
``QT_TRANSLATE_NOOP(context, text)`` (pyside6-lupdate finds the calls by name)
and translated by the UI in the entity's ``context``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from common.documents import Company
from desktop.core.kit.listing import ListRow
from desktop.core.kit.projection import ListProjection

if TYPE_CHECKING:
    from desktop.core.kit.status import Status

Record = dict[str, Any]
RecordLookup = Callable[[str, str], Record | None]  # (entity, id) -> the record, or None
Kind = Literal[
    "text",  # one line; email, phone and url are text with their own placeholder and check
    "email",
    "phone",
    "url",
    "multiline",
    "money",  # integer cents; ``currency`` names the field or column with the ISO code
    "currency",  # an ISO 4217 code
    "percent",  # an integer 0-100
    "number",  # a whole number (signed), or None: a quantity, a capacity, days, a count
    "rate",  # a percentage 0-100 with up to two decimals (0.5), or None
    "date",  # ISO yyyy-mm-dd, or None
    "choice",  # one of ``choices``
    "bool",
    "status",  # changed by commands (activate, blacklist), never by an edit: a kit.status.Status
    "keyvalue",  # {key: text}, e.g. social media handles
    "ref",  # the id of another record, picked by searching (``ref``)
    "lines",  # a document's lines ({item_id, description, quantity, unit_price, tax_rate}),
    # edited inside the form; ``ref`` is the catalog the item picker searches
    "table",  # rows the record holds and the server keeps (an invoice's payments), shown
    # read-only in ``columns`` (a column's ``currency`` names a key of the row)
    "entries",  # a journal entry's lines ({account_id, debit, credit, description}); ``ref``
    # is the chart of accounts the account picker searches (by code or name)
]


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name pyside6-lupdate finds
    """Mark ``text`` for translation in ``context``; the UI translates it when it shows it."""
    del context
    return text


# How a list shows a status or choice value (desktop/ui/kit/model.py): flagged is muted and
# marked with its reason; accent, good and warning are coloured from the palette (its link
# colour, and a green and a red made to read on its base colour).
Look = Literal["plain", "muted", "flagged", "accent", "good", "warning"]


@dataclass(frozen=True)
class Choice:
    """One value of a choice field or column, with its label (source text) and list look."""

    value: str  # choice_key of the stored value
    label: str
    look: Look = "plain"


def choice_key(value: Any) -> str:
    """A stored value as a ``Choice.value``: a flag is "1"/"0" (lists hold it as an integer)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


@dataclass(frozen=True)
class Ref:
    """A lookup: which records a field may point to and how a choice reads.

    ``entity`` is a declared module (its list projection answers the search) or
    ``country`` (the ISO reference data, named in the UI language).
    """

    entity: str
    label: str = "name"  # the projection column that names a choice
    detail: tuple[str, ...] = ()  # columns that tell two records of the same name apart
    filters: Mapping[str, Any] = dataclass_field(
        default_factory=dict
    )  # which records may be chosen
    # Further entities the field may point to (a contract's party: a customer, supplier,
    # partner or employee); each has the ``label`` and ``detail`` columns.
    also: tuple[str, ...] = ()

    @property
    def entities(self) -> tuple[str, ...]:
        return (self.entity, *self.also)


@dataclass(frozen=True)
class Command:
    """A server-decided action on a record (activate, move_stage): queued, confirmed by pull.

    ``name`` is the declaration's own; the server's command is ``server`` (default: the
    name) with the fixed ``args`` (an order's "confirm" is ``status`` with
    ``{"status": "confirmed"}``). A command that needs the user's input (a payment's
    amount) declares it as ``ask`` fields, shown in a dialog filled in by ``prefill`` from
    the record and checked with ``schema`` (the server's argument schema) before it is queued.
    """

    name: str
    label: str  # button text
    done: str  # status message once queued
    pending: str = ""  # how a list shows the row while it waits ("Deactivating…")
    sets: tuple[str, Any] | None = None  # (column, value) it will set: pending text until it has
    inverse: str | None = None  # the command that takes it back (undo)
    confirm: str = ""  # a question the user answers first (a command that cannot be undone)
    server: str = ""  # the server's command name ("" : ``name``)
    args: Mapping[str, Any] = dataclass_field(default_factory=dict, hash=False)  # fixed ones
    ask: tuple[Field, ...] = dataclass_field(default=(), hash=False)  # given in a dialog
    prefill: Callable[[Record], Record] | None = None  # the dialog's values from the record
    schema: type[BaseModel] | None = None  # the arguments' schema (the server's)
    offered_in: frozenset[Any] | None = None  # the status values it is offered in (None: any)
    new_id: str = ""  # an argument that names a record the command makes (a fresh UUIDv7)
    now: str = ""  # an argument set to the moment the user gives the command (signed_at)

    @property
    def wire(self) -> str:
        return self.server or self.name

    def matches(self, wire: str, args: Mapping[str, Any]) -> bool:
        """Whether a queued (wire command, args) is this declaration's."""
        return wire == self.wire and all(args.get(k) == v for k, v in self.args.items())


@dataclass(frozen=True)
class Field:
    """One field of the record form and of the Compare dialog (``name`` as on the wire)."""

    name: str  # "title"; "address.city" is the city of the nested ``address`` object
    label: str
    kind: Kind = "text"
    required: bool = False  # the form refuses an empty value with ``missing``
    missing: str = ""
    live: bool = False  # a problem shows while typing (the value cannot get better by typing on)
    currency: str = ""  # money: the field holding the currency code (or a fixed code)
    choices: tuple[Choice, ...] = ()
    ref: Ref | None = None
    group: str = ""  # a titled box of the form (a key of Entity.groups)
    beside: str = ""  # shown on the row of that field (a currency beside its amount)
    read_only: bool = False  # shown, never sent
    in_form: bool = True  # False: only named by the Compare dialog (a computed total)
    placeholder: str = ""
    default: Any = None  # a new record's value (a callable: computed for each new record)
    follows: str = ""  # another field whose changes set this one until the user edits it
    follow: Callable[[Any], Any] | None = None  # this field's value for the other's value
    # When ``follows`` is a lookup: the column of the chosen record's list row that ``follow``
    # gets instead of its id (a document's currency follows its customer's ``currency``).
    follow_column: str = ""
    transitions: Callable[[Any], Sequence[Any]] | None = None  # choices allowed after a value
    example: Any = None  # a valid value for the generated tests (default: one made from kind)
    create_only: bool = False  # set on a new record only (a document's currency)
    empty: str = ""  # how an empty value reads ("Draft" for a number the server has not given)
    columns: tuple[Column, ...] = ()  # a "table" field's columns

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))


@dataclass(frozen=True)
class Column:
    """A visible column of the list: a projection column shown as ``kind``."""

    key: str
    label: str
    kind: Kind = "text"
    currency: str = ""  # money: the column with the currency code (or a fixed code)
    choices: tuple[Choice, ...] = ()
    sort: str | None = ""  # the sort key ("" : ``key`` itself; None: not sortable)
    width: int = 120
    empty: str = ""  # how an empty value reads ("Draft")


@dataclass(frozen=True)
class ListFilter:
    """A filter above the list, on one projection column.

    A combo box of ``options`` (label and value per entry; value None shows every row);
    with ``ref``, a picker of the record the column points to (empty: every row); with
    ``dates``, a from/to range of ISO dates (either end open).
    """

    column: str
    options: tuple[tuple[str, Any], ...] = ()
    ref: Ref | None = None
    dates: bool = False
    label: str = ""  # the placeholder or caption


@dataclass(frozen=True)
class Related:
    """Another module's records that point at this one, listed under its form (a customer's
    invoices): the other entity, its projection column holding this record's id, and
    which of its declared columns to show."""

    entity: str
    via: str
    label: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Entity:
    """A desktop module: see the module docstring and docs/architecture.md."""

    name: str  # the replica entity ("customer")
    context: str  # the translation context of every label below ("customers")
    label: str  # "Customer": the record type in Ctrl+K, the Compare dialog, messages
    plural: str  # "Customers": the page title
    count: str  # "%n customer(s)"
    count_more: str  # "%1+ customers": more rows than loaded so far
    new_title: str  # "New customer": the form's heading for a new record
    filter_hint: str  # the filter field's placeholder
    projection: ListProjection
    columns: tuple[Column, ...]
    fields: tuple[Field, ...]
    create: type[BaseModel]
    update: type[BaseModel]
    title: str = "name"  # the field naming a record (headings, search, messages)
    search_detail: tuple[str, ...] = ()  # projection columns beside the title in Ctrl+K
    groups: Mapping[str, str] = dataclass_field(default_factory=dict)  # group key -> box title
    filters: tuple[ListFilter, ...] = ()
    commands: tuple[Command, ...] = ()
    status: Status | None = None  # the status its commands change (kit/status.py)
    depends_on: frozenset[str] = frozenset()  # other entities whose pulls change this page
    read: Callable[[Record], Record] | None = None  # record -> {field name: value}
    to_create: Callable[[Record], Record] | None = None  # {field name: value} -> create data
    adjust: Callable[[ListRow], ListRow] | None = None  # a row as the user should see it
    # The record as its form shows it while commands wait in the outbox ((wire name, args)
    # in the order queued): an invoice lists a payment recorded offline, marked waiting.
    queued: Callable[[Record, Sequence[tuple[str, Mapping[str, Any]]]], Record] | None = None
    order: int = 100  # the page's place in the sidebar
    creatable: bool = True  # False: the server makes the records (stock); no New here
    whole: frozenset[str] = frozenset()  # nested objects an update sends whole (an address)
    untitled: str = ""  # the heading of a saved record whose title is empty ("Draft invoice")
    related: tuple[Related, ...] = ()  # other modules' records listed under the form
    # The record as a printable document (PDF bytes): (record, a lookup of other records
    # by (entity, id), the seller, a locale such as "en_US").
    document: Callable[[Record, RecordLookup, Company, str], bytes] | None = None
    # The resource of its permissions ("accounting"): the page shows only to users with
    # "<it>:read" and edits only with "<it>:write" ("" : every signed-in user).
    permission: str = ""

    def __post_init__(self) -> None:
        names = self.projection.names
        for column in self.columns:
            if column.key not in names:
                raise ValueError(f"{self.name}: column {column.key!r} is not projected")
        for name in (*self.search_detail, *(f.column for f in self.filters)):
            if name not in names:
                raise ValueError(f"{self.name}: {name!r} is not projected")
        if self.title not in {f.name for f in self.fields} or self.title not in names:
            raise ValueError(f"{self.name}: the title {self.title!r} is not a projected field")
        if self.status is not None:
            declared = self.field(self.status.field)
            if declared is None or declared.kind != "status" or self.status.field not in names:
                raise ValueError(f"{self.name}: the status is not a projected status field")
            if not set(self.status.commands) <= set(self.commands):
                raise ValueError(f"{self.name}: the status's commands are not the entity's")

    # ------------------------------------------------------------ lookups by name

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def command(self, name: str) -> Command | None:
        return next((c for c in self.commands if c.name == name), None)

    def declared(self, wire: str | None, args: Mapping[str, Any]) -> str | None:
        """The declared name of a queued server command (None: not one of this entity's)."""
        if wire is None:
            return None
        found = next((c for c in self.commands if c.matches(wire, args)), None)
        return found.name if found is not None else wire

    @property
    def form_fields(self) -> list[Field]:
        return [f for f in self.fields if f.in_form]

    @property
    def concerns(self) -> frozenset[str]:
        """The entities whose pulled changes this module's views must show."""
        return frozenset({self.name, "conflict", *self.depends_on})

    # ------------------------------------------------------------ record <-> field values

    def values(self, record: Record | None) -> Record:
        """{field name: value} of a record (None: a new record's defaults)."""
        if record is None:
            return {
                f.name: f.default() if callable(f.default) else f.default for f in self.form_fields
            }
        if self.read is not None:
            return self.read(record)
        return {f.name: get_path(record, f.path) for f in self.fields}

    def create_data(self, values: Record) -> Record:
        """The create payload for the form's values (the shape of ``create``)."""
        sent = {k: v for k, v in values.items() if not self._read_only(k)}
        if self.to_create is not None:
            return self.to_create(sent)
        return {k: v for k, v in nest(sent).items() if v is not None}

    def _read_only(self, name: str) -> bool:
        declared = self.field(name)
        return declared is not None and (declared.read_only or declared.kind == "status")

    def name_of(self, record: Record | None) -> str:
        """The record's name as headings and messages show it ('' if it has none)."""
        if not record:
            return ""
        value = get_path(record, tuple(self.title.split(".")))
        return str(value) if value else ""


def get_path(record: Record, path: Sequence[str]) -> Any:
    """``record["a"]["b"]`` for ("a", "b"); None where a level is missing."""
    value: Any = record
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def nest(values: Mapping[str, Any]) -> Record:
    """{"address.city": x} -> {"address": {"city": x}} (one level, as the wire has it)."""
    out: Record = {}
    for name, value in values.items():
        head, _, sub = name.partition(".")
        if sub:
            out.setdefault(head, {})[sub] = value
        else:
            out[head] = value
    return out


def by_field(problems: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """pydantic ``errors()`` as {field name: message}, dotted for nested fields."""
    out: dict[str, str] = {}
    for error in problems:
        loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        name = ".".join(loc[:2]) if loc else ""
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        out.setdefault(name, message)
    return out
