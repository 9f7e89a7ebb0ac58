"""The sync change log (this issue) and, later, pull/push."""
