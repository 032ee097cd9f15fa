"""Privacy: the periodic retention purge."""

from __future__ import annotations

from celery import shared_task

from app.platform.queue import PURGE_EXPIRED_DATA
from app.services.privacy.retention import purge_all


@shared_task(name=PURGE_EXPIRED_DATA)
def purge_expired_data() -> int:
    """Remove every workspace's data past its retention windows, in batches; a rerun finds less or nothing."""
    return sum(sum(kinds.values()) for kinds in purge_all().values())
