"""Notifications (spec: Notifications): per user, produced by events, emailed by a worker."""
