"""OpenAPI at /swagger/doc.json, Swagger UI at /swagger/index.html; every response modelled."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from tests.conftest import Api


def test_swagger_ui_and_document(api: Api) -> None:
    ui = api.get("/swagger/index.html")
    assert ui.status_code == 200 and "swagger-ui" in ui.text
    doc = api.get("/swagger/doc.json").json()
    assert doc["info"]["version"] == "0.1.0"
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/register",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/users/{user_id}/roles",
        "/api/v1/users/{user_id}/activate",
        "/api/v1/users/{user_id}/deactivate",
        "/api/v1/roles",
        "/api/v1/audit",
        "/health",
    ]:
        assert path in doc["paths"], path


class _Links(HTMLParser):
    """Every URL a page makes the browser load: src and href attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


ASSET_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


def test_swagger_ui_is_served_by_the_server_itself(api: Api) -> None:
    # The server's address leads to Swagger UI.
    root = api.get("/", follow_redirects=False)
    assert root.status_code in (302, 307) and root.headers["location"] == "/swagger/index.html"
    page = api.get("/", follow_redirects=True)
    assert page.status_code == 200 and page.url.path == "/swagger/index.html"

    # Every asset the page loads is on this server, and each is served with its type.
    links = _Links()
    links.feed(page.text)
    assets = [u for u in links.urls if u.rsplit(".", 1)[-1] in ("js", "css", "png")]
    assert {u.rsplit(".", 1)[-1] for u in assets} == {"js", "css", "png"}, links.urls
    for url in links.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url
    assert not re.search(r"https?://", page.text), "the page names another origin"
    for url in assets:
        r = api.get(url)
        assert r.status_code == 200, url
        want = ASSET_TYPES["." + url.rsplit(".", 1)[-1]]
        assert want in r.headers["content-type"], (url, r.headers["content-type"])
        assert len(r.content) > 1000, url
    script = next(u for u in assets if u.endswith("swagger-ui-bundle.js"))
    assert "SwaggerUIBundle" in api.get(script).text
    # The document the page loads, and no call to the online validator.
    assert "url: '/swagger/doc.json'" in page.text and '"validatorUrl": null' in page.text
    assert api.get("/swagger/doc.json").json()["openapi"].startswith("3.")
    assert api.get("/swagger/oauth2-redirect.html").status_code == 200
    missing = api.get("/swagger/assets/nothing.js")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}/{i}")


def test_every_response_is_modelled(api: Api) -> None:
    doc = api.get("/swagger/doc.json").json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            success = [c for c in responses if c.startswith("2")]
            assert success, f"{method} {path}"
            for code, resp in responses.items():
                content = resp.get("content", {})
                media = (
                    content.get("application/json")
                    or content.get("text/event-stream")
                    or content.get("application/pdf")
                    or content.get("application/octet-stream")
                    or {}
                )
                schema = media.get("schema")
                assert schema, f"{method} {path} {code} has no schema"
                assert schema != {}, f"{method} {path} {code} is untyped"
            if "security" in op or path.startswith("/api/v1/users"):
                assert "401" in responses, f"{method} {path} does not declare 401"
            if "401" in responses:
                assert "429" in responses, f"{method} {path} does not declare its rate limit"
            if op.get("requestBody") or op.get("parameters"):
                # Micro CRM operations answer bad input with 400, as their document says.
                micro = path.startswith(("/api/v1/clients", "/api/v1/deals"))
                bad_input = "400" if micro else "422"
                assert bad_input in responses, f"{method} {path} does not declare {bad_input}"
                if micro:
                    assert "422" not in responses, f"{method} {path} documents a 422"
    # No schema anywhere is an untyped "any".
    for where, node in _walk(doc["components"]["schemas"]):
        if "properties" in node:
            for name, prop in node["properties"].items():
                assert prop != {}, f"{where}.{name} is untyped"
    assert doc["components"]["schemas"]["ErrorBody"]["required"] == ["error", "message"]
