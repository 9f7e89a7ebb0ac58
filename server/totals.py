"""List totals remembered per filter, each exact for the sync version it was counted at.

Every commit that writes a synced record (or a child row, or a link noted on
its record) moves ``sync_state.version`` (``server.unit_of_work.commit``). A
count of synced rows taken at version v therefore stays exact while the
version reads v, in every process, whoever committed. ``server.listing``
reads the version in the same statement as the page and counts again only
when the version it finds is not the one the remembered count was taken at.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

TOTALS = "crm_totals"  # session.info key: the Totals of the session's database


class Totals:
    """The latest count per filter key, with the version it holds for; thread-safe, bounded."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._mutex = threading.Lock()
        self._counts: OrderedDict[Hashable, tuple[int, int]] = OrderedDict()  # key -> (version, n)
        self._counting: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, version: int) -> int | None:
        """The count for ``key`` taken at ``version``, if it is the one remembered."""
        with self._mutex:
            found = self._counts.get(key)
            if found is None or found[0] != version:
                return None
            self._counts.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, version: int, total: int) -> None:
        """Remember ``total`` for ``key`` at ``version``, unless a later version's count is known."""
        with self._mutex:
            found = self._counts.get(key)
            if found is not None and found[0] > version:
                return
            self._counts[key] = (version, total)
            self._counts.move_to_end(key)
            while len(self._counts) > self._size:
                old, _ = self._counts.popitem(last=False)
                self._counting.pop(old, None)

    @contextmanager
    def counting(self, key: Hashable) -> Iterator[None]:
        """One count per key at a time in this process: the others wait and take its result."""
        with self._mutex:
            lock = self._counting.setdefault(key, threading.Lock())
        with lock:
            yield

    def clear(self) -> None:
        with self._mutex:
            self._counts.clear()
