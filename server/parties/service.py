"""The rules every party module shares (suppliers, partners, employees): one service class.

Email unique per kind; phone kept as E.164 with a display form; the address's
country resolved from a code or an id; status changes only through the
commands and ``common.parties.TRANSITIONS``; a blacklisted party is neither
activated nor edited.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from common.kit import NoArgs, phone_pair
from common.parties import COMMANDS, TRANSITIONS, PartyCreate, PartyStatus, PartyUpdate
from server.auth.principal import Principal
from server.countries.service import address_country
from server.errors import Conflict, NotFound, ValidationFailed
from server.listing import substring_filter
from server.parties.models import Party
from server.unit_of_work import note

P = TypeVar("P", bound=Party)
ADDRESS = ("street", "city", "region", "postal_code")


class PartyService(Generic[P]):
    """get / create / update / delete and the status commands of one kind of party."""

    def __init__(self, model: type[P], noun: str) -> None:
        self.model = model
        self.noun = noun  # "Supplier": the start of every message
        self.load = joinedload(model.country)
        self.sorts = {"name": model.name, "email": model.email, "created_at": model.created_at}

    def search(self, session: Session, text: str) -> sa.ColumnElement[bool]:
        """Case-insensitive substring of name, email, phone or tax id."""
        m = self.model
        return substring_filter(session, (m.name, m.email, m.phone, m.tax_id), text)

    def get(self, *, session: Session, actor: Principal | None, id: str) -> P:  # noqa: ARG002
        party = session.get(self.model, id, options=[self.load])
        if party is None:
            raise NotFound(f"{self.noun} not found")
        return party

    def create(
        self,
        *,
        session: Session,
        actor: Principal | None,  # noqa: ARG002 - the one signature of every module
        data: PartyCreate,
        id: str | None = None,
    ) -> P:
        self._ensure_email_free(session, data.email)
        fields = data.model_dump(exclude={"address"})
        party = self.model(**({"id": id} if id else {}), **fields, status="active")
        party.phone, party.phone_display = phone_pair(data.phone)
        self._set_address(session, party, data.address.model_dump(exclude={"state"}))
        session.add(party)
        session.flush()
        return party

    def update(self, *, session: Session, actor: Principal | None, id: str, data: PartyUpdate) -> P:
        party = self.get(session=session, actor=actor, id=id)
        if party.status == "blacklisted":
            raise Conflict(f"A blacklisted {self.noun.lower()} cannot be edited")
        changes = data.changes()
        if "address" in changes:
            address = changes.pop("address")
            self._set_address(session, party, address or dict.fromkeys((*ADDRESS, "country")))
        email = changes.get("email")
        if email is not None and email != party.email:
            self._ensure_email_free(session, email, except_id=party.id)
        if "phone" in changes:
            party.phone, party.phone_display = phone_pair(changes.pop("phone"))
        for key, value in changes.items():
            setattr(party, key, value)
        session.flush()
        return party

    def delete(self, *, session: Session, actor: Principal | None, id: str) -> None:
        session.delete(self.get(session=session, actor=actor, id=id))
        session.flush()

    def activate(self, *, session: Session, actor: Principal | None, id: str, args: NoArgs) -> P:  # noqa: ARG002
        return self._move(session, actor, id, "activate")

    def deactivate(self, *, session: Session, actor: Principal | None, id: str, args: NoArgs) -> P:  # noqa: ARG002
        return self._move(session, actor, id, "deactivate")

    def blacklist(self, *, session: Session, actor: Principal | None, id: str, args: NoArgs) -> P:  # noqa: ARG002
        return self._move(session, actor, id, "blacklist")

    def _move(self, session: Session, actor: Principal | None, id: str, command: str) -> P:
        """A status command, checked against the transition table."""
        party = self.get(session=session, actor=actor, id=id)
        current: PartyStatus = party.status  # type: ignore[assignment]
        target = COMMANDS[command]
        if current == target:
            raise Conflict(f"{self.noun} is already {target}")
        if target not in TRANSITIONS[current]:
            raise Conflict(
                f"A {current} {self.noun.lower()} cannot be {command}d",
                details={"status": f"Not allowed from {current}"},
            )
        party.status = target
        session.flush()
        note(session, party, action=command)
        return party

    def _ensure_email_free(
        self, session: Session, email: str, except_id: str | None = None
    ) -> None:
        stmt = sa.select(self.model.id).where(self.model.email == email)
        if except_id is not None:
            stmt = stmt.where(self.model.id != except_id)
        if session.scalar(stmt) is not None:
            raise Conflict(
                f"Another {self.noun.lower()} already has this email",
                details={"email": "Already in use"},
            )

    def _set_address(self, session: Session, party: Party, address: dict[str, Any]) -> None:
        """Apply the sent address fields (``country`` as a code or id) to the party's columns."""
        if "country" in address:
            try:
                country = address_country(session, address.pop("country"))
            except ValueError as exc:
                raise ValidationFailed({"address.country": str(exc)}) from None
            party.country_id, party.country = (country.id, country) if country else (None, None)
        for key, value in address.items():
            setattr(party, key, value)
