"""Concessions (DESIGN §4: one Django app per module)."""
