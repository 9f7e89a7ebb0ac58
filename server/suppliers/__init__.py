"""Suppliers (spec section Suppliers): the module's declaration."""

from __future__ import annotations

from common.parties import SupplierCreate, SupplierRead, SupplierUpdate
from server.parties.module import party_resource
from server.suppliers.models import Supplier

RESOURCE = party_resource(Supplier, SupplierCreate, SupplierUpdate, SupplierRead)
