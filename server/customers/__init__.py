"""Customers and their addresses: the pattern every party-like module copies."""
