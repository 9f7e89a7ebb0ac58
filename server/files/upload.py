"""Receiving ``multipart/form-data`` uploads as they arrive: to a staged file, never whole in memory.

Starlette's ``request.form()`` spools each file (to memory, then to disk) with no
limit of its own and only then hands it over. Here python-multipart's push parser
is fed the body as it arrives: the ``file`` part is hashed and written to a staged
file piece by piece, and the upload is refused (413) as soon as it passes the limit,
without reading the rest. A name that is a path is refused as soon as its part's
headers arrive.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from common.files import file_name_problem
from server.errors import BadRequest, PayloadTooLarge, ValidationFailed
from server.files.storage import BlobStore, discard, staged_file

FILE_PART = "file"
TEXT_PARTS = frozenset({"entity", "entity_id"})
MAX_TEXT_PART = 200


@dataclass
class Upload:
    """A received file, staged on disk: its original name, size and SHA-256."""

    path: Path
    name: str
    size: int
    digest: str
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        discard(self.path)


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body exceeds {max_bytes} bytes: the file is too large")


def _text(raw: bytes) -> str:
    # Browsers send a non-ASCII file name as raw UTF-8 inside the quotes; old clients Latin-1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _disposition(raw: bytes) -> tuple[str | None, str | None]:
    """The part's form name and file name, ``filename*`` (RFC 5987/2231) included."""
    message = Message()
    message["content-disposition"] = _text(raw)
    name = message.get_param("name", header="content-disposition")
    filename = message.get_filename()
    if filename is not None:
        # Browsers (WHATWG's multipart encoding) and httpx escape these three in a file name.
        for escaped, char in _WHATWG_ESCAPES:
            filename = filename.replace(escaped, char)
    return (name if isinstance(name, str) else None), filename


_WHATWG_ESCAPES = (("%22", '"'), ("%0D", "\r"), ("%0A", "\n"))


class _Receiver:
    """python-multipart's callbacks: one part at a time, the file part straight to disk."""

    def __init__(self, store: BlobStore, max_bytes: int) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.headers: dict[str, bytes] = {}
        self._field = b""
        self._value = b""
        self.part: str | None = None
        self.text = bytearray()
        self.fields: dict[str, str] = {}
        self.fd: int | None = None
        self.path: Path | None = None
        self.name: str | None = None
        self.size = 0
        self.hasher = hashlib.sha256()

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.headers = {}
        self.part = None
        self.text = bytearray()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def header_end(self) -> None:
        self.headers[self._field.decode("latin-1").lower()] = self._value
        self._field = self._value = b""

    def headers_finished(self) -> None:
        name, filename = _disposition(self.headers.get("content-disposition", b""))
        if name == FILE_PART:
            if self.path is not None:
                raise ValidationFailed({FILE_PART: "Send one file per request"})
            if filename is None:
                raise ValidationFailed({FILE_PART: "The file part needs a file name"})
            problem = file_name_problem(filename)
            if problem:
                raise ValidationFailed({FILE_PART: problem})
            self.name = filename
            self.fd, self.path = staged_file(self.store)
        elif name in TEXT_PARTS:
            if name in self.fields:
                raise ValidationFailed({name: "Given twice"})
        else:
            raise ValidationFailed({name or "body": "Unknown field"})
        self.part = name

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part == FILE_PART:
            assert self.fd is not None
            self.size += end - start
            if self.size > self.max_bytes:
                raise too_large(self.max_bytes)
            piece = data[start:end]
            self.hasher.update(piece)
            view = memoryview(piece)
            while view:
                view = view[os.write(self.fd, view) :]
        else:
            self.text += data[start:end]
            if len(self.text) > MAX_TEXT_PART:
                raise ValidationFailed({self.part or "body": "Too long"})

    def part_end(self) -> None:
        if self.part == FILE_PART and self.fd is not None:
            os.close(self.fd)
            self.fd = None
        elif self.part in TEXT_PARTS:
            value = _text(bytes(self.text)).strip()
            if value:
                self.fields[self.part] = value

    def discard(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.path is not None:
            discard(self.path)


async def receive_upload(request: Request, store: BlobStore, max_bytes: int) -> Upload:
    """Read the request's multipart body into a staged file; refuse it as soon as it is wrong."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise BadRequest("Send the file as multipart/form-data with a 'file' part")
    receiver = _Receiver(store, max_bytes)
    parser = MultipartParser(boundary, callbacks=receiver.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError:
        receiver.discard()
        raise BadRequest("The multipart body is malformed") from None
    except BaseException:
        receiver.discard()
        raise
    if receiver.path is None or receiver.name is None or receiver.fd is not None:
        receiver.discard()
        raise ValidationFailed({FILE_PART: "Field required"})
    return Upload(
        path=receiver.path,
        name=receiver.name,
        size=receiver.size,
        digest=receiver.hasher.hexdigest(),
        fields=receiver.fields,
    )
