"""Countries: the ISO 3166 reference list addresses point at."""
