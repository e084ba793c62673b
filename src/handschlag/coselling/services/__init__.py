"""Co-selling services (writes): opportunities.py, incentives.py, leads.py, registrations.py."""
