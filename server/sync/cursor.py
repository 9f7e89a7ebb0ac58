"""The opaque pull cursor: base64url JSON the client stores and sends back unread."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Cursor:
    epoch: str
    fingerprint: str  # what the caller could read when the cursor was made
    mode: str  # "s" snapshot, "i" incremental
    version: int  # snapshot: the version the snapshot starts from; incremental: last version seen
    entity_index: int = 0  # snapshot: which entity is being copied
    after_id: str = ""  # snapshot: last id copied of that entity

    def encode(self) -> str:
        raw = json.dumps(
            [
                self.epoch,
                self.fingerprint,
                self.mode,
                self.version,
                self.entity_index,
                self.after_id,
            ],
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """The cursor, or None if it is not one of ours."""
        try:
            padded = text + "=" * (-len(text) % 4)
            epoch, fp, mode, version, index, after = json.loads(base64.urlsafe_b64decode(padded))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            return None
        if not (isinstance(epoch, str) and isinstance(fp, str) and mode in ("s", "i")):
            return None
        if not (isinstance(version, int) and isinstance(index, int) and isinstance(after, str)):
            return None
        if version < 0 or index < 0:
            return None
        return cls(epoch, fp, mode, version, index, after)


def fingerprint(user_id: str, permissions: list[str]) -> str:
    """Changes whenever what the user may read could have changed."""
    raw = user_id + "|" + ",".join(sorted(set(permissions)))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
