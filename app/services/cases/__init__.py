"""Follow-up cases: opening.py (by a rule or by hand, and who gets them), working.py (status,
owner, due time, notes, history), figures.py (opened, closed in time, time to close, recovery)."""
