"""Domain errors and the one place that turns every failure into the documented error body."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("crm.errors")


class DomainError(Exception):
    """An expected failure; carries its status, code and message."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        details: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details) if details else None
        self.headers = dict(headers) if headers else None


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"

    def __init__(self, message: str = "Authentication required", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kw)


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class InvalidTransition(Conflict):
    """A status change the transition table does not allow, or a rule of the state refuses."""


class PayloadTooLarge(DomainError):
    status, code = 413, "payload_too_large"


class ValidationFailed(DomainError):
    status, code = 422, "validation_error"

    def __init__(self, details: Mapping[str, str], message: str = "Invalid input") -> None:
        super().__init__(message, details=details)


class RateLimited(DomainError):
    status, code = 429, "rate_limited"


class ServiceUnavailable(DomainError):
    status, code = 503, "service_unavailable"


def error_body(code: str, message: str, details: Mapping[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if details:
        body["details"] = dict(details)
    return body


def error_response(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _field_name(loc: Sequence[int | str]) -> str:
    # Drop the "body"/"query"/"path" prefix; keep nested names as a.b.c.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", "Invalid value"))
    # pydantic prefixes messages raised by our validators with "Value error, ".
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def validation_details(errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """One readable message per bad field."""
    details: dict[str, str] = {}
    for err in errors:
        if err.get("type") == "extra_forbidden":
            details.setdefault(_field_name(err["loc"]), "Unknown field")
            continue
        details.setdefault(_field_name(err["loc"]), _message(err))
    return details


# SQLite primary result codes that mean the database cannot serve anyone right now:
# BUSY, LOCKED (past the busy timeout), NOMEM, READONLY, IOERR, CORRUPT, FULL,
# CANTOPEN, PROTOCOL, NOTADB. Everything else (SQLITE_ERROR: a bad statement, an
# FTS5 query it cannot parse) is a bug or an input that should have been refused.
_SQLITE_OUTAGES = frozenset({5, 6, 7, 8, 10, 11, 13, 14, 15, 26})
# PostgreSQL SQLSTATE classes: connection exception, transaction rollback
# (serialization failure, deadlock: try again), insufficient resources,
# operator intervention (shutdown, statement timeout); 55P03 lock not available.
_PG_OUTAGE_CLASSES = frozenset({"08", "40", "53", "57"})


def is_outage(exc: OperationalError) -> bool:
    """True only when the database itself is unreachable, overloaded or locked past the timeout."""
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_OUTAGES
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:
        # psycopg: a failed or lost connection carries no SQLSTATE (the server never answered).
        return True
    return sqlstate[:2] in _PG_OUTAGE_CLASSES or sqlstate == "55P03"


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure class to the error body; nothing ever shows a stack trace."""

    @app.exception_handler(DomainError)
    async def _domain(_req: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "bad_request", "Malformed JSON in request body")
        missing_body = [
            e for e in errors if e.get("type") == "missing" and tuple(e["loc"]) == ("body",)
        ]
        if missing_body:
            return error_response(400, "bad_request", "A JSON request body is required")
        return error_response(422, "validation_error", "Invalid input", validation_details(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(
            exc.status_code, "bad_request" if exc.status_code < 500 else "internal_error"
        )
        message = {404: "Resource not found", 405: "Method not allowed"}.get(
            exc.status_code, str(exc.detail)
        )
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(_req: Request, exc: IntegrityError) -> JSONResponse:
        # A unique key a race got past the service's own check (two requests creating
        # the same email at once) is the client's conflict; any other violation is our bug.
        orig = exc.orig
        unique = getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(
            orig
        )
        if unique:
            log.info("unique violation mapped to 409: %s", orig)
            return error_response(409, "conflict", "The change conflicts with existing data")
        log.error("integrity error", exc_info=exc)
        return error_response(500, "internal_error", "Internal server error")

    @app.exception_handler(DataError)
    async def _data(_req: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses (NUL in a query string, out of range): the input's fault.
        log.info("data error mapped to 422: %s", exc.orig)
        return error_response(
            422, "validation_error", "A value in the request cannot be stored or searched"
        )

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, _exc: Exception) -> JSONResponse:
        # Reached only from outside CatchAll (an outer middleware failed): Starlette's
        # outermost layer answers with this, logs and closes the connection.
        return error_response(500, "internal_error", "Internal server error")

    @app.exception_handler(OperationalError)
    async def _operational(_req: Request, exc: OperationalError) -> JSONResponse:
        if is_outage(exc):
            log.error("database unavailable: %s", exc.orig)
            return unavailable()
        log.error("database error", exc_info=exc)
        return error_response(500, "internal_error", "Internal server error")

    @app.exception_handler(PoolTimeout)
    async def _pool(_req: Request, exc: PoolTimeout) -> JSONResponse:
        log.error("database unavailable: %s", exc)  # every connection busy past the pool timeout
        return unavailable()


def unavailable() -> JSONResponse:
    """503 for a real database outage."""
    return error_response(503, "service_unavailable", "The database is unavailable, try again")
