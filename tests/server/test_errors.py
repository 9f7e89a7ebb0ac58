"""Every failure class answers with the documented error body, never a stack trace."""

from __future__ import annotations

import contextlib
import socket
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from tests.conftest import Api, LiveServer, start_server
from tests.factories import user_with_role

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def _body(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["error"] == code
    assert body["message"]
    assert "Traceback" not in r.text
    return body


def test_unknown_route_is_404(api: Api) -> None:
    _body(api.get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_405(api: Api) -> None:
    _body(api.delete("/api/v1/auth/login"), 405, "method_not_allowed")


def test_malformed_json_is_400(api: Api) -> None:
    r = api.post(
        "/api/v1/auth/login", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    _body(r, 400, "bad_request")


def test_missing_body_is_400(api: Api) -> None:
    _body(api.post("/api/v1/auth/login"), 400, "bad_request")


def test_validation_is_422_with_details_per_field(api: Api) -> None:
    body = _body(
        api.post("/api/v1/auth/login", json={"email": 5, "pasword": "x"}), 422, "validation_error"
    )
    assert set(body["details"]) == {"email", "password", "pasword"}
    assert body["details"]["pasword"] == "Unknown field"


def test_query_validation_is_422(admin: Api) -> None:
    body = _body(admin.get("/api/v1/users?limit=1000"), 422, "validation_error")
    assert "limit" in body["details"]
    body = _body(admin.get("/api/v1/users?page=0&sort_by=password_hash"), 422, "validation_error")
    assert "page" in body["details"]
    body = _body(admin.get("/api/v1/users?sort_by=password_hash"), 422, "validation_error")
    assert "sort_by" in body["details"]


def test_unauthenticated_is_401_and_forbidden_is_403(api: Api, admin: Api) -> None:
    r = api.get("/api/v1/users")
    _body(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    viewer, _ = user_with_role(admin, "viewer")
    _body(
        viewer.patch(
            f"/api/v1/users/{admin.get('/api/v1/auth/me').json()['id']}", json={"name": "x"}
        ),
        403,
        "forbidden",
    )


def test_missing_record_is_404(admin: Api) -> None:
    _body(admin.get("/api/v1/users/01900000-0000-7000-8000-000000000000"), 404, "not_found")


def test_conflict_is_409(admin: Api) -> None:
    me = admin.get("/api/v1/auth/me").json()
    _body(admin.patch(f"/api/v1/users/{me['id']}/activate"), 409, "conflict")


def test_oversize_body_is_413_even_when_chunked(server: LiveServer, api: Api) -> None:
    big = b'{"email": "' + b"a" * 2_000_000 + b'"}'
    _body(
        api.post("/api/v1/auth/login", content=big, headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )

    # Chunked transfer encoding: no Content-Length to check, so the bytes must be counted.
    def chunks():
        for _ in range(40):
            yield b"a" * 65536

    r = api.post(
        "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    _body(r, 413, "payload_too_large")
    # The server is still fine afterwards.
    assert api.get("/health").status_code == 200


def test_raw_chunked_request_is_refused(server: LiveServer) -> None:
    # Hand-written HTTP, so nothing on the client side can add a Content-Length.
    url = urlsplit(server.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        s.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"a" * 100_000
        try:
            for _ in range(20):
                s.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before we finished: fine
        # Read to the end: head and body may arrive in separate segments, and the
        # close of a connection with unread bytes ends in a reset.
        data = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := s.recv(65536):
                data += chunk
    assert data.startswith(b"HTTP/1.1 413"), data[:100]
    assert b'"payload_too_large"' in data


def test_unexpected_error_is_500_without_details(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> dict[str, str]:
        raise RuntimeError("secret internals")

    live = start_server(app)
    try:
        with Api(base_url=live.url, timeout=30) as client:
            r = client.get("/boom")
        body = _body(r, 500, "internal_error")
        assert "secret" not in r.text
        assert body == {"error": "internal_error", "message": "Internal server error"}
    finally:
        live.stop()


def test_health(api: Api) -> None:
    r = api.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_nul_characters_are_refused_not_crashed(admin: Api) -> None:
    r = admin.patch(
        f"/api/v1/users/{admin.get('/api/v1/auth/me').json()['id']}", json={"name": "bad\u0000name"}
    )
    body = _body(r, 422, "validation_error")
    assert "name" in body["details"]
    r = admin.get("/api/v1/users", params={"search": "x\u0000y"})
    assert r.status_code in (200, 422) and r.status_code != 500
    r = admin.get("/api/v1/users/a%00b")
    assert r.status_code in (404, 422)


def test_huge_page_numbers_are_422(admin: Api) -> None:
    for page in ("99999999999999999999", str(2**62)):
        body = _body(admin.get("/api/v1/users", params={"page": page}), 422, "validation_error")
        assert "page" in body["details"]


def test_the_connection_survives_a_500(app: FastAPI) -> None:
    @app.get("/boom2")
    def boom() -> dict[str, str]:
        raise RuntimeError("x")

    live = start_server(app)
    try:
        with Api(base_url=live.url, timeout=30) as client:
            assert client.get("/boom2").status_code == 500
            assert client.get("/health").status_code == 200  # same kept-alive connection
    finally:
        live.stop()


def test_very_long_email_login_is_a_plain_401(api: Api) -> None:
    email = "a" * 240 + "@example.com"
    _body(
        api.post("/api/v1/auth/login", json={"email": email, "password": "whatever-1"}),
        401,
        "unauthorized",
    )
