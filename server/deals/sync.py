"""Deals on replicas: snake_case rows with the value in cents (the declaration's ``read``).

Value and stage never merge automatically (``manual``); a stage change may come
as an update or as the ``move_stage`` command (the pipeline's drag and drop),
both checked by the same transition table.
"""

from __future__ import annotations

from server.kit import BASE_READ_ONLY, SyncSpec

SYNC = SyncSpec(
    policies={"value": "manual", "stage": "manual"},
    read_only=BASE_READ_ONLY | {"closed_at", "currency"},
)
