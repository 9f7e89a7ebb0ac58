"""Micro CRM clients: the integration view of customers."""
