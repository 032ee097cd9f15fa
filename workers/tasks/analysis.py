"""Analysing answers."""

from __future__ import annotations

from celery import shared_task

from app.platform.queue import ANALYZE_BATCH, ANALYZE_RESPONSE, REANALYZE_WORKSPACE, SWEEP_STALE_ANALYSIS, enqueue
from app.services.answers.analysis import analyze_responses, stale_batches


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


# Batches one sweep hands out at most; a large backlog (a new ANALYSIS_VERSION) is better run
# with `flask --app app analysis backfill`, and the next sweep picks up what is left.
SWEEP_MAX_BATCHES = 10


@shared_task(name=SWEEP_STALE_ANALYSIS)
def sweep_stale_analysis() -> int:
    """Enqueue batches of answers never scored or scored before their last edit."""
    batches = 0
    for ids in stale_batches():
        enqueue(ANALYZE_BATCH, ids)
        batches += 1
        if batches >= SWEEP_MAX_BATCHES:
            break
    return batches
