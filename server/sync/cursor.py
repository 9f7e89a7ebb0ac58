"""The opaque pull cursor: signed base64url JSON the client stores and sends back unread.

A cursor is ``<payload>.<mac>``: the payload is base64url JSON, the mac an
HMAC-SHA256 of it under a key derived from the server secret. Only a cursor
whose mac verifies is read at all, and then strictly: a forged position can
never reach the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

MAX_VERSION = 2**63 - 1  # a signed 64-bit column on both engines
MAX_ENTITY_INDEX = 10_000
MAX_TEXT = 100  # epoch, fingerprint and record ids are far shorter
# Every cursor ever issued (signed or, before that, unsigned) is base64url with dots.
_ALPHABET = re.compile(r"[A-Za-z0-9_\-.]+")


@dataclass(frozen=True)
class Cursor:
    epoch: str
    fingerprint: str  # what the caller could read when the cursor was made
    mode: str  # "s" snapshot, "i" incremental
    version: int  # snapshot: the version the snapshot starts from; incremental: last version seen
    entity_index: int = 0  # snapshot: which entity is being copied
    after_id: str = ""  # snapshot: last id copied of that entity


class MalformedCursor(ValueError):
    """The text cannot be a cursor of any server."""


class UnknownCursor(ValueError):
    """Shaped like a cursor, but not one this server can vouch for: another key, altered, or older."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _is_int(value: Any, high: int) -> bool:
    # bool is an int subclass: ``true`` must not pass for version 1.
    return type(value) is int and 0 <= value <= high


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_TEXT


class CursorCodec:
    """Signs cursors with a key derived from the server secret and reads back only its own."""

    def __init__(self, secret: str) -> None:
        # A key of its own: a cursor mac can never double as a token signature, or the reverse.
        self._key = hmac.new(secret.encode(), b"skeleton-crm sync cursor", hashlib.sha256).digest()

    def _mac(self, payload: str) -> str:
        return _b64encode(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def encode(self, cursor: Cursor) -> str:
        raw = json.dumps(
            [
                cursor.epoch,
                cursor.fingerprint,
                cursor.mode,
                cursor.version,
                cursor.entity_index,
                cursor.after_id,
            ],
            separators=(",", ":"),
        )
        payload = _b64encode(raw.encode())
        return f"{payload}.{self._mac(payload)}"

    def decode(self, text: str) -> Cursor:
        """The cursor; ``MalformedCursor`` or ``UnknownCursor`` for anything this server did not issue."""
        if not _ALPHABET.fullmatch(text):
            raise MalformedCursor("not a cursor")
        payload, dot, mac = text.partition(".")
        if not dot or not hmac.compare_digest(mac, self._mac(payload)):
            raise UnknownCursor("not signed with this server's key")
        try:
            fields = json.loads(_b64decode(payload))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise MalformedCursor("unreadable payload") from None
        if not (isinstance(fields, list) and len(fields) == 6):
            raise MalformedCursor("wrong shape")
        epoch, fp, mode, version, index, after = fields
        if not (_is_text(epoch) and _is_text(fp) and _is_text(after) and mode in ("s", "i")):
            raise MalformedCursor("wrong field types")
        if not (_is_int(version, MAX_VERSION) and _is_int(index, MAX_ENTITY_INDEX)):
            raise MalformedCursor("position out of range")
        return Cursor(epoch, fp, mode, version, index, after)


def fingerprint(user_id: str, permissions: list[str]) -> str:
    """Changes whenever what the user may read could have changed."""
    raw = user_id + "|" + ",".join(sorted(set(permissions)))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
