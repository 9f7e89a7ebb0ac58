"""Employees: rows of the parties table with kind 'employee'."""

from __future__ import annotations

from server.parties.models import Party


class Employee(Party):
    __entity__ = "employee"
    __mapper_args__ = {"polymorphic_identity": "employee"}
