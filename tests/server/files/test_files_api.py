"""Files over HTTP: streamed uploads, types from the content, downloads with ranges, deletes."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from server.context import AppContext
from server.files.storage import DirectoryStore
from tests.conftest import Api
from tests.factories import create_customer, expect_error, user_with_role
from tests.micro_factories import key_client, make_key

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n"


def upload(client: Api, name: str, content: bytes, **record: str) -> Any:  # httpx.Response
    return client.post("/api/v1/files", files={"file": (name, content)}, data=record)


def blob_rows(ctx: AppContext, digest: str) -> tuple[int, int]:
    with ctx.db.engine.connect() as conn:
        blobs = conn.scalar(
            sa.text("SELECT count(*) FROM file_blobs WHERE digest = :d"), {"d": digest}
        )
        chunks = conn.scalar(
            sa.text("SELECT count(*) FROM file_chunks WHERE digest = :d"), {"d": digest}
        )
    return int(blobs or 0), int(chunks or 0)


def stored(ctx: AppContext, digest: str) -> bool:
    """The content's bytes are in the store (a file in the directory, or chunks in the database)."""
    if isinstance(ctx.files, DirectoryStore):
        return ctx.files.path(digest).exists()
    return blob_rows(ctx, digest)[1] > 0


def wait_for(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# The store differs by engine (a directory on SQLite, the database on PostgreSQL): engines.
@pytest.mark.engines
def test_upload_read_download_and_delete(admin: Api, ctx: AppContext, backend: str) -> None:
    assert ctx.files.kind == ("database" if backend == "postgresql" else "directory")
    customer = create_customer(admin)
    name = 'Рахунок №1 "final";.pdf'
    r = upload(admin, name, PDF, entity="customer", entity_id=customer["id"])
    assert r.status_code == 201, r.text
    body = r.json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert body["name"] == name
    assert body["mime_type"] == "application/pdf"
    assert body["size"] == len(PDF)
    assert body["sha256"] == digest
    assert (body["entity"], body["entity_id"]) == ("customer", customer["id"])
    assert body["url"] == f"/api/v1/files/{body['id']}/download"
    assert stored(ctx, digest)

    assert admin.get(f"/api/v1/files/{body['id']}").json() == body
    listed = admin.get("/api/v1/files", params={"entity": "customer", "entity_id": customer["id"]})
    assert listed.status_code == 200
    assert listed.json()["items"] == [body]
    assert listed.json()["total"] == 1

    r = admin.get(body["url"])
    assert r.status_code == 200
    assert r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["accept-ranges"] == "bytes"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert '"final"' not in disposition.split("filename*")[0]  # quotes never end the fallback

    r = admin.get(body["url"], headers={"Range": "bytes=5-9"})
    assert r.status_code == 206
    assert r.content == PDF[5:10]
    assert r.headers["content-range"] == f"bytes 5-9/{len(PDF)}"
    r = admin.get(body["url"], headers={"Range": "bytes=-6"})
    assert (r.status_code, r.content) == (206, PDF[-6:])
    r = admin.get(body["url"], headers={"Range": f"bytes={len(PDF)}-"})
    expect_error(r, 416, "range_not_satisfiable")
    assert r.headers["content-range"] == f"bytes */{len(PDF)}"
    r = admin.get(body["url"], headers={"Range": "bytes=0-1", "If-Range": '"other"'})
    assert (r.status_code, r.content) == (200, PDF)

    # The same content again is stored once; it goes only with the last file naming it.
    second = upload(admin, "copy.pdf", PDF).json()
    assert blob_rows(ctx, digest)[0] == 1
    assert admin.delete(f"/api/v1/files/{body['id']}").status_code == 200
    expect_error(admin.get(f"/api/v1/files/{body['id']}"), 404, "not_found")
    assert admin.get(second["url"]).content == PDF
    assert admin.delete(f"/api/v1/files/{second['id']}").status_code == 200
    wait_for(lambda: blob_rows(ctx, digest) == (0, 0) and not stored(ctx, digest))


@pytest.mark.engines
def test_bad_uploads_are_refused_and_store_nothing(admin: Api, ctx: AppContext) -> None:
    big = b"\0" * (26 * 1024 * 1024)
    body = expect_error(upload(admin, "big.bin", big), 413, "payload_too_large")
    assert str(25 * 1024 * 1024) in body["message"]
    # Chunked, with no length announced: counted as it streams, refused at the limit.
    r = admin.post(
        "/api/v1/files",
        content=multipart("b0undary", "big.bin", (b"\0" * (1024 * 1024) for _ in range(26))),
        headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    body = expect_error(r, 413, "payload_too_large")
    assert str(25 * 1024 * 1024) in body["message"]
    body = expect_error(upload(admin, "../../etc/passwd", b"root:x:0:0\n"), 422, "validation_error")
    assert "folders" in body["details"]["file"]
    body = expect_error(upload(admin, "invoice.pdf", HTML), 422, "validation_error")
    assert "text/html" in body["details"]["file"]
    body = expect_error(upload(admin, "photo.png", b"just text\n"), 422, "validation_error")
    expect_error(
        admin.post("/api/v1/files", data={"entity": "customer"}, files={"other": ("a.txt", b"x")}),
        422,
        "validation_error",
    )
    r = admin.post("/api/v1/files", content=b"plain", headers={"Content-Type": "text/plain"})
    expect_error(r, 400, "bad_request")
    body = expect_error(
        upload(admin, "a.txt", b"hello\n", entity="spaceship", entity_id="1"),
        422,
        "validation_error",
    )
    assert "entity" in body["details"]
    body = expect_error(
        upload(admin, "a.txt", b"hello\n", entity="customer", entity_id="0190-none"),
        422,
        "validation_error",
    )
    assert "entity_id" in body["details"]
    # Nothing was kept: no file, no content, no staged upload left behind.
    with ctx.db.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM files")) == 0
        assert conn.scalar(sa.text("SELECT count(*) FROM file_blobs")) == 0
    assert list(ctx.files.staging.iterdir()) == []


def test_whoever_may_read_the_record_may_read_its_files(admin: Api) -> None:
    customer = create_customer(admin)
    notes = b"call back on monday\n"
    attached = upload(admin, "notes.txt", notes, entity="customer", entity_id=customer["id"]).json()
    loose = upload(admin, "draft.txt", b"the admin's own draft\n").json()
    assert attached["mime_type"] == "text/plain"

    viewer, _ = user_with_role(admin, "viewer")  # files:read, not files:write
    clerk, _ = user_with_role(admin, "admin")  # customers and files, read and write
    nobody, _ = user_with_role(admin, None)
    expect_error(upload(viewer, "a.txt", b"hello\n"), 403, "forbidden")
    expect_error(nobody.get("/api/v1/files"), 403, "forbidden")
    # A key of the admin's that holds files:* but not customers:read reads no customer's files.
    key = make_key(admin, ["files:read", "files:write"])["key"]
    files_only = key_client(admin, key)
    assert files_only.get("/api/v1/files").json()["items"] == [loose]
    expect_error(files_only.get(f"/api/v1/files/{attached['id']}"), 404, "not_found")
    expect_error(files_only.get(attached["url"]), 404, "not_found")
    expect_error(
        upload(files_only, "a.txt", b"hello\n", entity="customer", entity_id=customer["id"]),
        403,
        "forbidden",
    )
    assert [f["id"] for f in clerk.get("/api/v1/files").json()["items"]] == [attached["id"]]
    assert clerk.get(attached["url"]).content == notes
    expect_error(clerk.get(loose["url"]), 404, "not_found")
    expect_error(clerk.delete(f"/api/v1/files/{loose['id']}"), 404, "not_found")
    # Whoever may change the record may delete its files.
    assert clerk.delete(f"/api/v1/files/{attached['id']}").status_code == 200


def multipart(boundary: str, name: str, pieces: Iterator[bytes]) -> Iterator[bytes]:
    """A multipart body with one file part, produced a piece at a time (sent chunked)."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    yield from pieces
    yield f"\r\n--{boundary}--\r\n".encode()


def test_an_upload_is_never_held_whole_in_memory(admin: Api) -> None:
    import tracemalloc

    piece = os.urandom(1024 * 1024)
    size = 20 * len(piece)
    headers = {"Content-Type": "multipart/form-data; boundary=b0undary"}
    # Warm up: first-use allocations are not the upload's.
    admin.post(
        "/api/v1/files",
        content=multipart("b0undary", "warm.bin", iter([b"warm up"])),
        headers=headers,
    )
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        r = admin.post(
            "/api/v1/files",
            content=multipart("b0undary", "big.bin", (piece for _ in range(20))),
            headers=headers,
        )
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert r.status_code == 201, r.text
    assert r.json()["size"] == size
    # Client and server share this process: the client holds a piece, the server a few more.
    assert peak < 6 * len(piece), f"peak {peak} bytes while uploading {size}"
