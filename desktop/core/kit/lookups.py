"""Lookups: the records a field may point to, searched as the user types; no Qt.

Every query reads the replica as it is now, so a picker lists what the last
sync brought (the countries after the first sync of a new profile, a customer
created a moment ago) without being told to refill.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from desktop.core.kit.entity import Ref
from desktop.core.kit.listing import EntityList, ListQuery, ListRow
from desktop.core.kit.projection import ListProjection
from desktop.core.replica import Replica


@dataclass(frozen=True)
class Option:
    """One choice: the value stored (an id, a country code), its name and what tells it apart."""

    value: str
    label: str
    detail: str = ""

    @property
    def text(self) -> str:
        return f"{self.label} — {self.detail}" if self.detail else self.label


class LookupSource(Protocol):
    def options(self, text: str, limit: int = 50) -> list[Option]:
        """The choices matching ``text`` (every word), best first; all of them for ''."""
        ...

    def option(self, value: str) -> Option | None:
        """The choice of a stored value (None when the replica has no such record)."""
        ...

    def close(self) -> None: ...


class ListLookup:
    """Choices from a declared module's list projection: FTS search, sorted by the label."""

    def __init__(self, ref: Ref, projection: ListProjection, replica: Replica | str | Path) -> None:
        self.ref = ref
        self._list = EntityList(projection, replica)
        sort = ref.label if ref.label in projection.sort_keys else ""
        self._query = ListQuery(sort=sort, filters=dict(ref.filters))

    def _option(self, row: ListRow) -> Option:
        detail = " · ".join(str(row[c]) for c in self.ref.detail if row[c])
        return Option(row.id, str(row[self.ref.label]), detail)

    def options(self, text: str, limit: int = 50) -> list[Option]:
        query = ListQuery(text, self._query.sort, False, self._query.filters)
        return [self._option(r) for r in self._list.page(query, limit=limit)]

    def option(self, value: str) -> Option | None:
        row = self._list.get(value)
        return None if row is None else self._option(row)

    def row(self, value: str) -> ListRow | None:
        """The chosen record's list row (a catalog item's price and tax rate)."""
        return self._list.get(value)

    def close(self) -> None:
        self._list.close()


class SeveralLookup:
    """Choices from several modules' lists at once (a contract's party), sorted by the label."""

    def __init__(self, sources: list[ListLookup]) -> None:
        self._sources = sources

    def options(self, text: str, limit: int = 50) -> list[Option]:
        found = [o for s in self._sources for o in s.options(text, limit)]
        return sorted(found, key=lambda o: o.label.casefold())[:limit]

    def option(self, value: str) -> Option | None:
        return next((o for s in self._sources if (o := s.option(value)) is not None), None)

    def close(self) -> None:
        for source in self._sources:
            source.close()


class CountryLookup:
    """The ISO countries of the replica (``country`` records), named in the UI language."""

    def __init__(self, replica: Replica, language: str) -> None:
        self._replica = replica
        self._language = language

    def _all(self) -> list[tuple[Option, bool]]:
        out: list[tuple[Option, bool]] = []
        for c in self._replica.list(entity="country"):
            names = c.get("name") or {}
            code = str(c.get("code") or "")
            label = names.get(self._language) or names.get("en") or code
            out.append((Option(code, str(label), code), bool(c.get("is_active", True))))
        out.sort(key=lambda item: item[0].label.casefold())
        return out

    def options(self, text: str, limit: int = 300) -> list[Option]:
        words = text.casefold().split()
        return [
            o
            for o, active in self._all()
            if active and all(w in f"{o.label} {o.value}".casefold() for w in words)
        ][:limit]

    def option(self, value: str) -> Option | None:
        return next((o for o, _active in self._all() if o.value == value), None)

    def close(self) -> None:
        pass
