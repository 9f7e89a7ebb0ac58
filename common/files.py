"""Files attached to records: what the server answers, and the rules a file name keeps."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from pydantic import BaseModel, Field

MAX_NAME = 255
# The record kinds a file can belong to are the synced entities (customer, deal, invoice...);
# the server's attach targets say which, and who may read them (server/files/targets.py).


class FileRead(BaseModel):
    """A stored file's metadata; its bytes are at ``url``."""

    id: str
    name: str = Field(description="The original file name, as uploaded (a plain name, no folders)")
    mime_type: str = Field(description="Detected from the content, not taken from the client")
    size: int = Field(description="Bytes")
    url: str = Field(examples=["/api/v1/files/0190.../download"])
    entity: str | None = Field(default=None, description="The kind of record it belongs to")
    entity_id: str | None = None
    sha256: str = Field(description="The content's SHA-256 (hex): also its stored name")
    created_by: str | None = None
    created_at: datetime


def file_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a stored file's name, or None: a plain name, never a path."""
    if not name.strip():
        return "The file needs a name"
    if len(name) > MAX_NAME:
        return f"The file name is longer than {MAX_NAME} characters"
    if "/" in name or "\\" in name or name.strip() in (".", ".."):
        return "The file name must be a plain name, without folders"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        return "The file name must not contain control characters"
    return None
