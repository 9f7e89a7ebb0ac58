"""Suppliers: rows of the parties table with kind 'supplier'."""

from __future__ import annotations

from server.parties.models import Party


class Supplier(Party):
    __entity__ = "supplier"
    __mapper_args__ = {"polymorphic_identity": "supplier"}
