"""``/api/v1/files``: upload (streamed), list, metadata, download (ranges) and delete."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from common.api import Message, Page
from common.files import FileRead
from server.deps import CallerBeforeBody, CtxDep, Principal, Require, SessionDep
from server.errors import DomainError, Forbidden
from server.files import service
from server.files.models import StoredFile
from server.files.storage import collect
from server.files.targets import ENTITIES
from server.files.types import detect, served_type
from server.files.upload import Upload, receive_upload
from server.listing import MAX_LIMIT, PageNumber, PageRequest
from server.openapi import errors
from server.unit_of_work import set_actor

router = APIRouter(prefix="/api/v1/files", tags=["files"])
PATH = router.prefix

Reader = Annotated[Principal, Require("files:read")]
Writer = Annotated[Principal, Require("files:write")]

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "additionalProperties": False,
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "entity": {
                            "type": "string",
                            "enum": ENTITIES,  # filled as server.modules registers them
                            "description": "The kind of record the file belongs to; with entity_id",
                        },
                        "entity_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 36,
                            "description": "That record's id; with entity",
                        },
                    },
                }
            }
        },
    }
}


BINARY = {"schema": {"type": "string", "format": "binary"}}


class RangeNotSatisfiable(DomainError):
    status, code = 416, "range_not_satisfiable"


def file_read(row: StoredFile) -> FileRead:
    return FileRead(
        id=row.id,
        name=row.name,
        mime_type=row.mime_type,
        size=row.size,
        url=f"{PATH}/{row.id}/download",
        entity=row.entity,
        entity_id=row.entity_id,
        sha256=row.digest,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _store_upload(ctx: CtxDep, principal: Principal, upload: Upload) -> FileRead:
    """Detect the type, then write the file in a unit of work of its own (blocking: a worker thread)."""
    detected = detect(upload.path)
    mime_type = served_type(upload.name, detected)
    if mime_type is None:
        raise service.refuse_type(upload.name, detected)
    with ctx.unit_of_work() as session:
        set_actor(session, principal.id)
        row = service.create(
            session=session, store=ctx.files, actor=principal, upload=upload, mime_type=mime_type
        )
        return file_read(row)


@router.post(
    "",
    response_model=FileRead,
    status_code=201,
    responses=errors(400, 401, 403, 413, 422),
    openapi_extra=UPLOAD_BODY,
)
async def upload_file(request: Request, principal: CallerBeforeBody, ctx: CtxDep) -> FileRead:
    """Upload a file (``multipart/form-data``: ``file``, optionally ``entity`` and ``entity_id``).

    The body is streamed to storage and refused with 413 past ``CRM_FILE_MAX_BYTES``;
    the type is read from the content, and a name that says otherwise (an HTML page
    named ``.pdf``) or is a path is refused with 422.
    """
    if not principal.can("files:write"):
        raise Forbidden("Missing permission: files:write")
    upload = await receive_upload(request, ctx.files, ctx.settings.file_max_bytes)
    try:
        return await run_in_threadpool(_store_upload, ctx, principal, upload)
    finally:
        upload.discard()  # placed (moved or copied) by now, or refused


@router.get("", response_model=Page[FileRead], responses=errors(401, 403, 422))
def list_files(
    principal: Reader,
    session: SessionDep,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    sort_by: Annotated[Literal["created_at", "name", "size"], Query()] = "created_at",
    sort_order: Annotated[Literal["asc", "desc"], Query()] = "desc",
    search: Annotated[str | None, Query(max_length=200)] = None,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[FileRead]:
    """The files you may read, newest first; ``entity`` and ``entity_id`` give one record's."""
    result = service.list_files(
        session=session,
        actor=principal,
        page=PageRequest(
            page=page, limit=limit, sort_by=sort_by, sort_order=sort_order, search=search
        ),
        entity=entity,
        entity_id=entity_id,
    )
    return Page[FileRead](
        items=[file_read(r) for r in result.items],
        total=result.total,
        page=result.page,
        limit=result.limit,
        has_more=result.has_more,
    )


@router.get("/{file_id}", response_model=FileRead, responses=errors(401, 403, 404))
def get_file(file_id: str, principal: Reader, session: SessionDep) -> FileRead:
    """One file's metadata."""
    return file_read(service.get(session=session, actor=principal, id=file_id))


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range ``header`` asks for as (start, stop), or None for the whole file.

    Several ranges, or a header that is not a byte range, get the whole file (RFC 9110
    lets a server ignore Range); a range that starts past the end is refused (416).
    """
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or (not match[1] and not match[2]):
        return None
    first, last = match[1], match[2]
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            raise RangeNotSatisfiable(
                f"The file has {size} bytes", headers={"Content-Range": f"bytes */{size}"}
            )
        return max(size - length, 0), size
    start = int(first)
    stop = min(int(last) + 1, size) if last else size
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(
            f"The file has {size} bytes", headers={"Content-Range": f"bytes */{size}"}
        )
    return start, stop


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact one as RFC 5987 UTF-8."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\%;]', "_", ascii_name).strip() or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get(
    "/{file_id}/download",
    response_class=StreamingResponse,
    responses={
        **errors(401, 403, 404, 416),
        200: {"content": {"application/octet-stream": BINARY}, "description": "The file's bytes"},
        206: {
            "content": {"application/octet-stream": BINARY},
            "description": "The range asked for",
        },
    },
)
def download_file(
    file_id: str, request: Request, principal: Reader, session: SessionDep, ctx: CtxDep
) -> StreamingResponse:
    """The file's bytes as uploaded, with its detected type; ``Range: bytes=...`` gives a part."""
    row = service.get(session=session, actor=principal, id=file_id)
    etag = f'"{row.digest}"'
    headers = {
        "Content-Disposition": content_disposition(row.name),
        "X-Content-Type-Options": "nosniff",
        # Even if someone opened it in a browser, an uploaded page runs nothing.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Cache-Control": "private, no-cache",
    }
    wanted = request.headers.get("if-range")
    span = byte_range(request.headers.get("range"), row.size)
    if wanted is not None and wanted != etag:
        span = None  # the client's copy is of other content: the whole file
    start, stop = span or (0, row.size)
    status = 200
    if span is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{row.size}"
    headers["Content-Length"] = str(stop - start)
    return StreamingResponse(
        ctx.files.read(row.digest, start, stop),
        status_code=status,
        media_type=row.mime_type,
        headers=headers,
    )


@router.delete("/{file_id}", response_model=Message, responses=errors(401, 403, 404))
def delete_file(
    file_id: str,
    principal: Writer,
    session: SessionDep,
    ctx: CtxDep,
    background: BackgroundTasks,
) -> Message:
    """Delete a file (its uploader, or whoever may change its record); its bytes go with its last file."""
    digest = service.delete(session=session, actor=principal, id=file_id)
    # After the commit and the answer: the content goes if no other file names it.
    background.add_task(collect, ctx.db, ctx.files, digest)
    return Message(message="File deleted")
