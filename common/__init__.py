"""Pure-Python code shared by the server and the desktop: schemas, rules, protocol types."""
