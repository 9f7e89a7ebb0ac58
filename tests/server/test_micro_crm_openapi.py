"""``/swagger/doc.json`` describes the Micro CRM endpoints with that document's schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Api

SPEC = json.loads((Path(__file__).parents[1] / "fixtures" / "micro-crm-openapi.json").read_text())
SHARED = ["Client", "CreateClientRequest", "Deal", "CreateDealRequest", "Pagination", "Error"]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {
            **doc["components"]["schemas"][name],
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
    return schema


def _shape(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    """What a value must look like: type, format, enum, range and nested properties; null aside."""
    schema = _resolve(doc, schema)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        assert len(options) == 1, schema
        schema = {**_resolve(doc, options[0]), **{k: v for k, v in schema.items() if k != "anyOf"}}
    shape: dict[str, Any] = {"type": schema.get("type")}
    for key in ("format", "enum", "minimum", "maximum"):
        if key in schema:
            shape[key] = sorted(schema[key]) if key == "enum" else schema[key]
    if schema.get("type") == "object" and "properties" in schema:
        shape["properties"] = {k: _shape(doc, v) for k, v in schema["properties"].items()}
    if schema.get("type") == "array":
        shape["items"] = _shape(doc, schema["items"])
    return shape


def _stated(ours: Any, theirs: Any) -> bool:
    """Ours says all that the document says, alike; it may add a bound the server enforces."""
    if not isinstance(theirs, dict):
        return bool(ours == theirs)
    if not isinstance(ours, dict) or ("properties" in theirs and ours.keys() < {"properties"}):
        return False
    if "properties" in theirs and set(ours["properties"]) != set(theirs["properties"]):
        return False
    return all(k in ours and _stated(ours[k], v) for k, v in theirs.items())


def test_components_have_the_documents_names_and_shapes(api: Api) -> None:
    doc = api.get("/swagger/doc.json").json()
    for name in SHARED:
        ours, theirs = doc["components"]["schemas"][name], SPEC["components"]["schemas"][name]
        assert _stated(_shape(doc, ours), _shape(SPEC, theirs)), name
        required = set(ours.get("required", []))
        if name.startswith("Create"):
            assert required == set(theirs["required"]), name  # a request needs exactly these
        else:
            assert required >= set(theirs.get("required", [])), (
                name
            )  # a response has at least these


def test_operations_match_the_document(api: Api) -> None:
    doc = api.get("/swagger/doc.json").json()
    for path, ops in SPEC["paths"].items():
        for method, theirs in ops.items():
            ours = doc["paths"][f"/api/v1{path}"][method]
            assert ours["operationId"] == theirs["operationId"]
            assert {p["name"]: _shape(doc, p["schema"]) for p in ours.get("parameters", [])} == {
                p["name"]: _shape(SPEC, p["schema"]) for p in theirs.get("parameters", [])
            }
            for param in theirs.get("parameters", []):
                default = param["schema"].get("default")
                mine = next(p for p in ours["parameters"] if p["name"] == param["name"])
                assert mine["schema"].get("default") == default, param["name"]
            assert set(theirs["responses"]) <= set(ours["responses"]), (method, path)
            for code, response in theirs["responses"].items():
                if "$ref" in response:
                    response = SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
                expected = _shape(SPEC, response["content"]["application/json"]["schema"])
                got = _shape(doc, ours["responses"][code]["content"]["application/json"]["schema"])
                if code == "409":
                    got["properties"] = {k: got["properties"][k] for k in expected["properties"]}
                assert got == expected, (method, path, code)
            body = theirs.get("requestBody")
            if body:
                expected = _shape(SPEC, body["content"]["application/json"]["schema"])
                got = _shape(doc, ours["requestBody"]["content"]["application/json"]["schema"])
                assert _stated(got, expected)
