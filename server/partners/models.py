"""Partners: rows of the parties table with kind 'partner'."""

from __future__ import annotations

from server.parties.models import Party


class Partner(Party):
    __entity__ = "partner"
    __mapper_args__ = {"polymorphic_identity": "partner"}
