"""The score back in the helpdesk."""

from __future__ import annotations

from celery import shared_task

from app.platform.queue import WRITE_HELPDESK_NOTES
from app.services.writeback.notes import write_due_notes


@shared_task(name=WRITE_HELPDESK_NOTES)
def write_helpdesk_notes() -> int:
    """Write the notes due to their tickets; each is claimed first, so two runs never write one twice."""
    return write_due_notes()
