"""``/api/v1/countries``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from common.api import DataList
from common.countries import CountryCreate, CountryRead, CountryUpdate
from server.countries import service
from server.countries.reads import country_read
from server.deps import Principal, Require, SessionDep
from server.openapi import errors

router = APIRouter(prefix="/api/v1/countries", tags=["countries"])

Reader = Annotated[Principal, Require("countries:read")]
Writer = Annotated[Principal, Require("countries:write")]


@router.get("", response_model=DataList[CountryRead], responses=errors(401, 403, 422))
def list_countries(
    _: Reader,
    session: SessionDep,
    active: Annotated[bool | None, Query()] = None,
    search: Annotated[str | None, Query(max_length=100)] = None,
) -> DataList[CountryRead]:
    """All countries as a flat list (not paginated); optional active filter and search."""
    countries = service.list_countries(session=session, active=active, search=search)
    return DataList[CountryRead](data=[country_read(c) for c in countries])


@router.get("/{country_id}", response_model=CountryRead, responses=errors(401, 403, 404))
def get_country(country_id: str, _: Reader, session: SessionDep) -> CountryRead:
    """One country."""
    return country_read(service.get_country(session=session, country_id=country_id))


@router.post(
    "", response_model=CountryRead, status_code=201, responses=errors(400, 401, 403, 409, 422)
)
def create_country(data: CountryCreate, _: Writer, session: SessionDep) -> CountryRead:
    """Add a country; 409 if the code exists."""
    return country_read(service.create_country(session=session, data=data))


@router.put(
    "/{country_id}", response_model=CountryRead, responses=errors(400, 401, 403, 404, 409, 422)
)
def update_country(
    country_id: str, data: CountryUpdate, _: Writer, session: SessionDep
) -> CountryRead:
    """Partial update: null = unchanged, "" = clear; name merged per language."""
    return country_read(service.update_country(session=session, country_id=country_id, data=data))


@router.patch(
    "/{country_id}/activate", response_model=CountryRead, responses=errors(401, 403, 404, 409)
)
def activate_country(country_id: str, _: Writer, session: SessionDep) -> CountryRead:
    """Activate; 409 if already active."""
    return country_read(service.set_active(session=session, country_id=country_id, active=True))


@router.patch(
    "/{country_id}/deactivate", response_model=CountryRead, responses=errors(401, 403, 404, 409)
)
def deactivate_country(country_id: str, _: Writer, session: SessionDep) -> CountryRead:
    """Deactivate (hidden from pickers; existing addresses keep it); 409 if already inactive."""
    return country_read(service.set_active(session=session, country_id=country_id, active=False))
