"""Co-selling (DESIGN §4: one Django app per module)."""
