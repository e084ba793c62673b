"""Co-selling selectors (reads): opportunities.py, leads.py."""
