"""The score back in the helpdesk: settings.py (per integration), notes.py (queue and write)."""
