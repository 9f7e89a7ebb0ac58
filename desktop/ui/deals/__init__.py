"""The deals page: pipeline, list and form over the replica."""
