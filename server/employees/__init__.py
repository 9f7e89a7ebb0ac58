"""Employees (spec section Employees): the module's declaration."""

from __future__ import annotations

from common.parties import EmployeeCreate, EmployeeRead, EmployeeUpdate
from server.employees.models import Employee
from server.parties.module import party_resource

RESOURCE = party_resource(Employee, EmployeeCreate, EmployeeUpdate, EmployeeRead)
