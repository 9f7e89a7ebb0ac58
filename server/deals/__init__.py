"""Deals in the sales pipeline (Micro CRM ``/deals``), synced like every business entity."""
