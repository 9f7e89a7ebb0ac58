"""OpenAPI helpers: every route declares the error bodies it can answer with."""

from __future__ import annotations

from typing import Any

from common.api import ErrorBody

_DESCRIPTIONS = {
    400: "Bad request (malformed JSON, missing body)",
    401: "Authentication required or token invalid",
    403: "Insufficient permissions",
    404: "Resource not found",
    409: "Conflict with the current state",
    413: "Request body too large",
    422: "Validation failed; `details` names each bad field",
    410: "Gone: the sync cursor cannot be served, start a fresh sync",
    426: "The client's sync protocol is out of date",
    429: "Rate limit exceeded",
    503: "The database is unavailable",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for the given status codes, all with the error body."""
    return {c: {"model": ErrorBody, "description": _DESCRIPTIONS.get(c, "Error")} for c in codes}
