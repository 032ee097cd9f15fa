"""Outbound webhooks: endpoints (endpoints.py), the outbox written beside each fact (events.py),
delivery with retries (delivery.py), and the attempt log and replays (log.py)."""
