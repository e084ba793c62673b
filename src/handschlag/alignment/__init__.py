"""Marketing and sales (DESIGN §4: one Django app per module)."""
