"""OpenAPI helpers: every route declares the error bodies it can answer with."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

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


def use_error_body_for_422(app: FastAPI) -> None:
    """Document the 422 the server really sends (ErrorBody), not FastAPI's default shape."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        ref = {"$ref": "#/components/schemas/ErrorBody"}
        for ops in doc.get("paths", {}).values():
            for op in ops.values():
                responses = op.get("responses", {})
                if op.pop("x-micro-crm", False):
                    responses.pop("422", None)  # Micro CRM routes answer bad input with 400
                elif "422" in responses:
                    responses["422"] = {
                        "description": _DESCRIPTIONS[422],
                        "content": {"application/json": {"schema": ref}},
                    }
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components.setdefault("ErrorBody", ErrorBody.model_json_schema())
        app.openapi_schema = doc
        return doc

    app.openapi = schema  # type: ignore[method-assign]
