"""Analysing answers."""
from __future__ import annotations

from celery import shared_task

from app.queue import ANALYZE_RESPONSE
from app.services.analysis import analyze_responses


@shared_task(name=ANALYZE_RESPONSE, acks_late=True)
def analyze_response(response_id: int) -> int:
    """Score one answer's comment; a second run finds it current and writes nothing."""
    return analyze_responses([response_id])
