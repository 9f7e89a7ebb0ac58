"""The Micro CRM endpoints' own error answers: ``{"error": "<message>"}``, 400 for bad input.

Routers under the Micro CRM paths use :class:`MicroCrmRoute`; it translates the
same domain errors every service raises into that document's bodies, so the
services and the global handlers (Skeleton's error body) stay as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from common.micro_crm import ConflictError, Error
from server.api_keys.ratelimit import EXCEEDED
from server.errors import Conflict, DomainError, is_outage

log = logging.getLogger("crm.errors")

MARKER = "x-micro-crm"
# request.scope key: checks the caller of a read whose query string is refused (deps.Reads)
CALLER_FIRST = "crm_caller_first"
MISSING_CREDENTIALS = "Invalid or missing API key. Include Authorization: Bearer <api_key>"
LABELS = {
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "company": "Company",
    "notes": "Notes",
    "title": "Title",
    "clientId": "Client ID",
    "value": "Value",
    "stage": "Stage",
    "probability": "Probability",
    "expectedClose": "Expected close date",
}


class DuplicateClient(Conflict):
    """409 naming the client that already has this email."""

    def __init__(self, existing_id: str) -> None:
        super().__init__(
            "A client with this email already exists", details={"email": "Already in use"}
        )
        self.existing_id = existing_id


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(Error(error=message).model_dump(), status_code=status, headers=headers)


def _label(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    name = parts[-1] if parts else "body"
    return LABELS.get(name, name)


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """One sentence for the first problem, in the document's style ("Name is required")."""
    if not errors:
        return "Invalid request"
    err = errors[0]
    kind, loc = str(err.get("type", "")), tuple(err.get("loc", ()))
    if kind == "json_invalid":
        return "Request body is not valid JSON"
    if loc == ("body",):
        return (
            "Request body is required"
            if kind == "missing"
            else "Request body must be a JSON object"
        )
    label = _label(loc)
    if kind == "missing":
        return f"{label} is required"
    msg = str(err.get("msg", "Invalid value"))
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return f"Invalid {label}: {msg[0].lower()}{msg[1:]}" if msg else f"Invalid {label}"


def translate(exc: Exception) -> JSONResponse | None:
    """The Micro CRM answer for an exception, or None to let it go on to the global handlers."""
    if isinstance(exc, DuplicateClient):
        body = ConflictError(error=exc.message, existing_id=exc.existing_id).model_dump(
            by_alias=True
        )
        return JSONResponse(body, status_code=409)
    if isinstance(exc, DomainError):
        status = 400 if exc.status == 422 else exc.status
        message = exc.message
        if exc.status == 422 and exc.details:
            message = next(iter(exc.details.values()))
        elif exc.status == 401 and message == "Authentication required":
            message = MISSING_CREDENTIALS
        elif exc.status == 429:
            message = EXCEEDED
        return error(status, message, exc.headers)
    if isinstance(exc, RequestValidationError | ValidationError):
        return error(400, validation_message(exc.errors()))
    if isinstance(exc, IntegrityError):
        log.info("integrity error on a Micro CRM route: %s", exc.orig)
        return error(409, "The change conflicts with existing data")
    if isinstance(exc, DataError):
        return error(400, "A value in the request cannot be stored or searched")
    if isinstance(exc, OperationalError):
        if is_outage(exc):
            log.error("database unavailable: %s", exc.orig)
            return error(503, "The database is unavailable, try again")
        log.error("database error", exc_info=exc)
        return error(500, "Internal server error")
    return None


def _translated(exc: Exception) -> Response:
    answer = translate(exc)
    if answer is None:
        raise exc
    return answer


_DESCRIPTIONS = {
    400: "Invalid request parameters",
    401: "Missing or invalid API key",
    403: "Insufficient permissions",
    404: "Not found",
    409: "Conflict with the current state",
    429: "Rate limit exceeded",
}
_RATE_HEADERS = {
    "X-RateLimit-Limit": ("Request limit per minute", "integer"),
    "X-RateLimit-Remaining": ("Remaining requests in current window", "integer"),
    "X-RateLimit-Reset": ("Unix timestamp when the rate limit resets", "integer"),
}


def micro_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries in the Micro CRM format (409 carries ``existingId``)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {
            "model": ConflictError if code == 409 else Error,
            "description": _DESCRIPTIONS.get(code, "Error"),
        }
        if code == 429:
            entry["headers"] = {
                name: {"description": text, "schema": {"type": kind}}
                for name, (text, kind) in _RATE_HEADERS.items()
            }
        out[code] = entry
    return out


class MicroCrmRoute(APIRoute):
    """A route whose failures answer in the Micro CRM error format.

    It is marked in the OpenAPI operation (``x-micro-crm``) so the document shows
    its 400 instead of the 422 FastAPI would add (``server.openapi``).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["openapi_extra"] = {**(kwargs.get("openapi_extra") or {}), MARKER: True}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                # A read's caller comes before its query string (deps.Reads).
                first = request.scope.get(CALLER_FIRST)
                if first is not None:
                    try:
                        await first()
                    except Exception as refused:
                        return _translated(refused)
                return _translated(exc)
            except Exception as exc:
                return _translated(exc)

        return route
