"""Alert rules: weighing debounced answers, sending alerts."""

from __future__ import annotations

from celery import shared_task

from app.platform.queue import RUN_ALERTS
from app.services.alerts.sweep import run_alerts


@shared_task(name=RUN_ALERTS)
def run_alerts_task() -> int:
    """Weigh the answers whose debounce is over and send what may be sent; safe to run twice at
    once (due rows are locked, skipping those another run holds; messages are claimed)."""
    return run_alerts()
