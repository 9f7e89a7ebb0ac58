"""Countries: list, create, update, activation, and the lookup addresses use."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.countries import CountryCreate, CountryUpdate
from common.validation import normalize_country_ref
from server.countries.models import Country
from server.errors import Conflict, NotFound
from server.unit_of_work import note


def get_country(*, session: Session, country_id: str) -> Country:
    country = session.get(Country, country_id)
    if country is None:
        raise NotFound("Country not found")
    return country


def find_country(*, session: Session, ref: str) -> Country | None:
    """A country by alpha-2 code (any case) or by id; None if there is none."""
    ref = normalize_country_ref(ref)
    if len(ref) == 2 and ref.isalpha():
        return session.scalar(sa.select(Country).where(Country.code == ref))
    return session.get(Country, ref)


def address_country(session: Session, ref: str | None) -> Country | None:
    """The country a code or id names; ``ValueError`` if there is none or it is inactive."""
    if ref is None:
        return None
    country = find_country(session=session, ref=ref)
    if country is None:
        raise ValueError(f"Unknown country: {ref!r} (ISO 3166-1 alpha-2 code or country id)")
    if not country.is_active:
        raise ValueError(f"Country {country.code} is not active")
    return country


def list_countries(
    *, session: Session, active: bool | None = None, search: str | None = None
) -> list[Country]:
    """Every country (about 250: the list is not paginated), ordered by code.

    ``search`` matches the code, alpha3 or the name in any language, case-insensitively.
    It runs in Python: the JSON name column is stored differently on each backend,
    and the whole table is small.
    """
    stmt = sa.select(Country).order_by(Country.code)
    if active is not None:
        stmt = stmt.where(Country.is_active.is_(active))
    countries = list(session.scalars(stmt))
    needle = (search or "").strip().casefold()
    if not needle:
        return countries
    return [
        c
        for c in countries
        if needle in c.code.casefold()
        or (c.alpha3 and needle in c.alpha3.casefold())
        or any(needle in n.casefold() for n in c.name.values())
    ]


def _ensure_code_free(session: Session, code: str, except_id: str | None = None) -> None:
    stmt = sa.select(Country.id).where(Country.code == code)
    if except_id is not None:
        stmt = stmt.where(Country.id != except_id)
    if session.scalar(stmt) is not None:
        raise Conflict(
            f"A country with code {code} already exists", details={"code": "Already in use"}
        )


def create_country(*, session: Session, data: CountryCreate) -> Country:
    _ensure_code_free(session, data.code)
    country = Country(**data.model_dump())
    session.add(country)
    session.flush()
    return country


def update_country(*, session: Session, country_id: str, data: CountryUpdate) -> Country:
    country = get_country(session=session, country_id=country_id)
    changes = data.changes()
    code = changes.pop("code", None)
    if isinstance(code, str) and code != country.code:
        _ensure_code_free(session, code, except_id=country.id)
        country.code = code
    names = changes.pop("name", None)
    if isinstance(names, dict):
        merged = dict(country.name)
        for lang, text in names.items():
            if text:
                merged[lang] = text
            else:
                merged.pop(lang, None)
        if merged != country.name:
            country.name = merged  # a new dict, so the JSON column sees the change
    for key, value in changes.items():
        setattr(country, key, value)
    session.flush()
    return country


def set_active(*, session: Session, country_id: str, active: bool) -> Country:
    country = get_country(session=session, country_id=country_id)
    if country.is_active == active:
        raise Conflict("Country is already active" if active else "Country is already inactive")
    country.is_active = active
    session.flush()
    note(session, country, action="activate" if active else "deactivate")
    return country
