"""Digest emails: subscriptions.py (opt in, opt out, when next), content.py (what a digest says),
sending.py (rendering and sending the due ones)."""
