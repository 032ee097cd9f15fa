"""Sending invite emails and reminders exactly once."""
