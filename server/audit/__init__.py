"""Who changed what, when, with before/after of every changed field."""
