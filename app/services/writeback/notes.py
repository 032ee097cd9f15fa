"""Notes on the ticket: queued with each version of an answer (in its transaction), written once
the version has stood WRITEBACK_DELAY_MINUTES, one per version, retried when the helpdesk fails."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.integrations.notes import DEFAULT_BASE, Note, Settings, authorization, calls
from app.models import Integration, Invite, Response, Survey
from app.models.types import utcnow
from app.models.writeback import HelpdeskNote, HelpdeskWriteback, NoteStatus
from app.platform.crypto import decrypt_json, decrypt_text
from app.platform.links import public_url
from app.platform.outbound_http import UnsafeURL, send
from app.services.writeback.settings import CREDENTIALS_PURPOSE

RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)


def note_answer(response: Response, invite: Invite) -> None:
    """In the answer's transaction: queue a note for this version, superseding a queued older one."""
    if invite.integration_id is None or not invite.ticket_id:
        return
    enabled = db.session.scalar(
        select(HelpdeskWriteback.enabled).where(HelpdeskWriteback.integration_id == invite.integration_id)
    )
    if not enabled:
        return
    db.session.execute(
        update(HelpdeskNote)
        .where(HelpdeskNote.response_id == response.id, HelpdeskNote.status == NoteStatus.PENDING)
        .values(status=NoteStatus.SUPERSEDED, next_attempt_at=None)
    )
    delay = timedelta(minutes=current_app.config["WRITEBACK_DELAY_MINUTES"])
    db.session.add(
        HelpdeskNote(
            integration_id=invite.integration_id,
            workspace_id=response.workspace_id,
            response_id=response.id,
            ticket_id=invite.ticket_id,
            version=response.updated_at,
            status=NoteStatus.PENDING,
            steps_done=0,
            attempts=0,
            next_attempt_at=response.updated_at + delay,
        )
    )


def write_due_notes(now: datetime | None = None) -> int:
    """Write every note due; returns how many were completed."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(HelpdeskNote)
            .where(HelpdeskNote.status == NoteStatus.PENDING, HelpdeskNote.next_attempt_at <= now)
            .order_by(HelpdeskNote.id)
            .limit(200)
        )
    )
    for note in due:  # claimed (pushed ahead) before any call, so a concurrent sweep skips them
        note.next_attempt_at = now + RETRY_DELAYS[0]
    db.session.commit()
    return sum(1 for note in due if _write(note, now))


class _Failed(Exception):
    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


def _write(note: HelpdeskNote, now: datetime) -> bool:
    integration = db.session.get(Integration, note.integration_id)
    settings = db.session.scalar(select(HelpdeskWriteback).where(HelpdeskWriteback.integration_id == integration.id))
    response = db.session.get(Response, note.response_id)
    survey = db.session.get(Survey, response.survey_id)
    content = Note(
        response.score,
        survey.scale_max,
        survey.kind,
        response.comment,
        public_url(f"/w/{response.workspace_id}/responses/{response.id}"),
    )
    note.body = content.text
    note.attempts += 1
    try:
        if settings is None or not settings.enabled:
            raise _Failed("Write-back was turned off for this integration.", permanent=True)
        todo = calls(
            integration.provider,
            note.ticket_id,
            content,
            Settings(settings.tag, settings.field_id, settings.admin_id),
        )
        base, credentials = _endpoint(integration, settings)
        for call in todo[note.steps_done :]:
            _call(integration.provider, base, credentials, call.method, call.path, call.body)
            note.steps_done += 1
            db.session.commit()  # a retry resumes after the calls that succeeded (no second note)
    except _Failed as failed:
        note.error = str(failed)[:1000]
        if failed.permanent or note.attempts > len(RETRY_DELAYS):
            note.status, note.next_attempt_at = NoteStatus.FAILED, None
        else:
            note.next_attempt_at = now + RETRY_DELAYS[note.attempts - 1]
        db.session.commit()
        return False
    note.status, note.sent_at, note.next_attempt_at, note.error = NoteStatus.SENT, now, None, None
    db.session.commit()
    return True


def _endpoint(integration: Integration, settings: HelpdeskWriteback) -> tuple[str, dict]:
    base = settings.base_url or integration.api_base_url or DEFAULT_BASE.get(integration.provider)
    if not base:
        raise _Failed("Set the helpdesk's API address (base_url) for write-back.", permanent=True)
    stored = decrypt_text(settings.credentials, CREDENTIALS_PURPOSE)
    credentials = json.loads(stored) if stored else decrypt_json(integration.api_credentials)
    if not credentials:
        raise _Failed("Set an API token for write-back (the stored one cannot be read).", permanent=True)
    return base, credentials


def _call(provider: str, base: str, credentials: dict, method: str, path: str, body: dict) -> None:
    config = current_app.config
    headers = {
        "content-type": "application/json",
        "accept": "application/json",
        "authorization": authorization(provider, credentials),
        "user-agent": "Afterword",
    }
    try:
        reply = send(
            method,
            base + path,
            json.dumps(body).encode(),
            headers,
            timeout=config["OUTBOUND_TIMEOUT_SECONDS"],
            allow_local=config["OUTBOUND_ALLOW_LOCAL"],
        )
    except UnsafeURL as exc:
        raise _Failed(f"refused: {exc}", permanent=True) from None
    except OSError as exc:
        raise _Failed(f"{method} {path}: {exc or exc.__class__.__name__}", permanent=False) from None
    if not 200 <= reply.status < 300:
        head = reply.head.decode("utf-8", errors="replace")[:300]
        # 429 and 5xx pass; other 4xx (bad token, no such ticket) would fail the same way again.
        permanent = 400 <= reply.status < 500 and reply.status not in (408, 409, 429)
        raise _Failed(f"{method} {path} answered {reply.status}: {head}", permanent=permanent)
