"""The look-alike key of an account email: two addresses that look the same share it.

The normal form (``common.validation.normalize_email``: NFKC + case folding)
already makes ``admin@`` with a fullwidth a (U+FF41) equal to ``admin@``. It
cannot catch ``admin@`` with a dotless i (U+0131): that letter is its own case
fold. The key catches it: accents and other combining marks are dropped, and
every non-ASCII character is replaced by the ASCII character Unicode's
confusables data (UTS #39, as shipped by ``confusable_homoglyphs``) says it is
confusable with: Cyrillic a (U+0430), dotless i, Greek omicron (U+03BF) become
a, i, o. ASCII characters stay as they are, so plain addresses that merely
resemble each other (``rn``/``m``, ``l``/``1``) remain distinct.

``users.email_key`` holds the key under a unique index: an account cannot be
created or renamed to an address that looks like another account's.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from common.validation import fold

# Marks some fonts and platforms insert in right-to-left entries of the data.
_BIDI_MARKS = str.maketrans("", "", "\u200e\u200f")


@cache
def _ascii_twins() -> dict[str, str]:
    """Each non-ASCII character confusable with ASCII text, and that text (case-folded)."""
    from confusable_homoglyphs.confusables import confusables_data  # 1 MB of JSON: load on use

    twins: dict[str, str] = {}
    for char, homoglyphs in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in homoglyphs:
            text = glyph["c"].translate(_BIDI_MARKS)
            if text.isascii():
                twins[char] = text.casefold()
                break
    return twins


def _map_once(text: str) -> str:
    twins = _ascii_twins()
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn":
            continue  # combining marks: é, i̇ (from İ) look like e, i
        out.append(ch if ch.isascii() else twins.get(ch, ch))
    return "".join(out)


def lookalike_key(email: str) -> str:
    """The key of an address already in normal form; equal keys look the same to a person."""
    key = _map_once(fold(email))
    return unicodedata.normalize("NFC", key)
