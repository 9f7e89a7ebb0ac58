"""The email normal form: NFKC + case folding, then email-validator's normalisation."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.validation import normalize_email
from server.users.lookalike import lookalike_key

_addresses = st.builds(
    lambda local, domain: f"{local}@{domain}.example",
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=20),
    st.sampled_from(["mail", "MAIL", "M\uff41il", "b\u00fccher", "xn--bcher-kva"]),
)


@given(_addresses)
def test_the_normal_form_is_a_fixed_point(address: str) -> None:
    try:
        normal = normalize_email(address)
    except ValueError:
        return
    assert normalize_email(normal) == normal
    assert normal == unicodedata.normalize("NFKC", normal.casefold())
    assert lookalike_key(normal).isascii() or not normal.isascii()


@pytest.mark.parametrize(
    ("spelling", "normal"),
    [
        ("\uff21dmin@Example.COM", "admin@example.com"),  # fullwidth A
        ("admin\uff20example.com", "admin@example.com"),  # fullwidth @
        ("Stra\u00dfe@example.com", "strasse@example.com"),
        ("user@xn--bcher-kva.example", "user@b\u00fccher.example"),
        ("user@B\u00dcCHER.example", "user@b\u00fccher.example"),
    ],
)
def test_spellings_of_one_address_have_one_normal_form(spelling: str, normal: str) -> None:
    assert normalize_email(spelling) == normal


@pytest.mark.parametrize(
    "twin",
    [
        "adm\u0131n@example.com",  # dotless i
        "\u0430dmin@example.com",  # Cyrillic a
        "adm\u0456n@example.com",  # Cyrillic i
        "adm\u0130n@example.com",  # capital I with dot above, case-folded to i + U+0307
        "\u0430dm\u0131n@example.com",
    ],
)
def test_look_alikes_share_the_key(twin: str) -> None:
    assert normalize_email(twin) != "admin@example.com"
    assert lookalike_key(normalize_email(twin)) == "admin@example.com"


@pytest.mark.parametrize(
    ("a", "b"), [("rn@example.com", "m@example.com"), ("bill1@example.com", "billl@example.com")]
)
def test_plain_ascii_addresses_keep_their_own_key(a: str, b: str) -> None:
    assert lookalike_key(a) == a
    assert lookalike_key(b) == b
