"""Rate limits whose counters live in the database, so every server process agrees."""
