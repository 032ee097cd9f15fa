"""Analysing answers."""
from __future__ import annotations

from celery import shared_task

from app.queue import ANALYZE_BATCH, ANALYZE_RESPONSE, REANALYZE_WORKSPACE, enqueue
from app.services.analysis import analyze_responses, stale_batches


@shared_task(name=ANALYZE_RESPONSE, acks_late=True)
def analyze_response(response_id: int) -> int:
    """Score one answer's comment; a second run finds it current and writes nothing."""
    return analyze_responses([response_id])


@shared_task(name=ANALYZE_BATCH, acks_late=True)
def analyze_batch(response_ids: list[int]) -> int:
    """Score a batch of answers in one transaction; answers already current are skipped."""
    return analyze_responses(response_ids)


@shared_task(name=REANALYZE_WORKSPACE)
def reanalyze_workspace(workspace_id: int) -> int:
    """Fan a workspace's stale answers out as analyze_batch tasks (after its catalogue changed)."""
    batches = 0
    for ids in stale_batches(workspace_id):
        enqueue(ANALYZE_BATCH, ids)
        batches += 1
    return batches
