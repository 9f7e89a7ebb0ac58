"""Partners (spec section Partners): the module's declaration."""

from __future__ import annotations

from common.parties import PartnerCreate, PartnerRead, PartnerUpdate
from server.parties.module import party_resource
from server.partners.models import Partner

RESOURCE = party_resource(Partner, PartnerCreate, PartnerUpdate, PartnerRead)
