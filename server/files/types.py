"""A file's type, read from its content (libmagic), and whether its name tells the same story."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import magic

OCTET_STREAM = "application/octet-stream"

# What a browser or viewer would run, not just show: served only under a name that says so.
ACTIVE = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
    }
)
TEXT_APPLICATIONS = frozenset(
    {"application/json", "application/xml", "application/csv", "application/x-ndjson"}
)
# Containers libmagic may name by their wrapping rather than by what the name says they hold.
_ZIP = frozenset({"application/zip", "application/x-zip-compressed"})
_OLE = frozenset({"application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office"})
CONTAINERS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _ZIP,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _ZIP,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _ZIP,
    "application/vnd.oasis.opendocument.text": _ZIP,
    "application/vnd.oasis.opendocument.spreadsheet": _ZIP,
    "application/epub+zip": _ZIP,
    "application/msword": _OLE,
    "application/vnd.ms-excel": _OLE,
    "application/vnd.ms-powerpoint": _OLE,
    "application/vnd.ms-outlook": _OLE,
}


def detect(path: Path) -> str:
    """The content's MIME type as libmagic reads it (it reads only what it needs)."""
    found = magic.from_file(str(path), mime=True) or OCTET_STREAM
    return "application/octet-stream" if found == "inode/x-empty" else found


def is_text(mime: str) -> bool:
    return mime.startswith("text/") or mime in TEXT_APPLICATIONS or mime.endswith(("+json", "+xml"))


def claimed_type(name: str) -> str | None:
    """What the name's extension says the file is; None for a name that says nothing."""
    return mimetypes.guess_type(name, strict=False)[0]


def served_type(name: str, detected: str) -> str | None:
    """The type to store and serve, or None when the content is not what the name says.

    Same type: fine. A container the name narrows (a .docx is a zip): the name's.
    Text under a text name (.csv read as text/plain): the name's, unless the content
    is something a browser would run (HTML, SVG, script), which only its own name
    may carry. An image, sound or video under another name of its kind: the
    content's. A name that says nothing (or only "binary": .bin) takes the content's type. Anything else (an
    HTML page named .pdf, text named .png) is refused.
    """
    claimed = claimed_type(name)
    if claimed in (None, OCTET_STREAM) or claimed == detected:
        return detected
    if detected in CONTAINERS.get(claimed, ()):
        return claimed
    if detected in ACTIVE:
        return None
    if claimed in ACTIVE:  # an .html that is plain text is served as the text it is
        return detected if is_text(detected) else None
    if is_text(claimed) and is_text(detected):
        return claimed
    media = claimed.partition("/")[0]
    if media in ("image", "audio", "video") and detected.partition("/")[0] == media:
        return detected  # a PNG named .jpg, a BMP by another name: shown as what it is
    return None
