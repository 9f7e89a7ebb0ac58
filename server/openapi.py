"""OpenAPI helpers: every route declares the error bodies it can answer with."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from common.api import ErrorBody
from common.rules import NO_CONTROL

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
        micro: set[int] = set()
        for ops in doc.get("paths", {}).values():
            for op in ops.values():
                responses = op.get("responses", {})
                if op.pop("x-micro-crm", False):
                    micro.add(id(op))
                    responses.pop("422", None)  # Micro CRM routes answer bad input with 400
                elif "422" in responses:
                    responses["422"] = _error_response(422, ref)
                if "401" in responses:
                    # Every authenticated request counts against its user's or key's rate limit.
                    responses.setdefault("429", _error_response(429, ref))
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components.setdefault("ErrorBody", ErrorBody.model_json_schema())
        state_input_rules(doc, micro_crm=micro)
        app.openapi_schema = doc
        return doc

    app.openapi = schema  # type: ignore[method-assign]


def _error_response(code: int, ref: dict[str, str]) -> dict[str, Any]:
    return {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}}


def state_input_rules(doc: dict[str, Any], *, micro_crm: Collection[int] = ()) -> None:
    """Make the document say what every request's input must be, as the server checks it.

    Two rules hold for every operation, so they are stated here once rather
    than on each field: a query, path or header parameter is absent or has a
    value (never JSON ``null``, which FastAPI writes for optional ones), and
    no text may contain a control character other than tab and line breaks
    (``Strict`` and ``MicroRequest`` refuse them in bodies, ``deps.plain_text_parameters``
    in query and path parameters; Micro CRM lists take such a query filter as
    matching nothing, so their query parameters state no such rule).
    """
    components = doc.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            for param in op.get("parameters", []):
                if "schema" in param:
                    param["schema"] = _without_null(param["schema"])
                    where = param.get("in")
                    if where == "path" or (where == "query" and id(op) not in micro_crm):
                        _forbid_control(param["schema"], components, set())
            for media in op.get("requestBody", {}).get("content", {}).values():
                _forbid_control(media.get("schema", {}), components, seen)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    branches = schema.get("anyOf")
    if not isinstance(branches, list):
        return schema
    kept = [b for b in branches if b != {"type": "null"}]
    if len(kept) != 1 or len(kept) == len(branches):
        return schema
    merged = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    if schema.get("default") is not None:
        merged["default"] = schema["default"]
    return {**kept[0], **merged}


def _forbid_control(node: Any, components: dict[str, Any], seen: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _forbid_control(item, components, seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _forbid_control(components.get(name), components, seen)
        return
    if node.get("type") == "string" and not {"pattern", "enum", "const", "format"} & node.keys():
        node["pattern"] = NO_CONTROL
    if isinstance(node.get("additionalProperties"), dict):
        node.setdefault("propertyNames", {"pattern": NO_CONTROL})
    for key in ("properties", "$defs"):
        if isinstance(node.get(key), dict):
            _forbid_control(list(node[key].values()), components, seen)
    for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"):
        _forbid_control(node.get(key), components, seen)
