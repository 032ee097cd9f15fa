"""Recording a customer's confirmed answer: one per invite, editable for a while."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Invite, InviteEvent, Response, Survey
from app.models.invite import InviteEventKind, InviteStatus
from app.models.outbound_webhook import EventType
from app.models.types import utcnow
from app.platform.queue import ANALYZE_RESPONSE, enqueue
from app.platform.strict_json import text_problem
from app.services.alerts.sweep import note_answer
from app.services.outbound.events import deliver_soon, emit, forget_pending
from app.services.outbound.payloads import response_data
from app.services.privacy.policy import clean_free_text
from app.services.writeback.notes import note_answer as queue_helpdesk_note

log = logging.getLogger(__name__)

MAX_COMMENT = 5000
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AnswerRefused(Exception):
    """The answer cannot be taken; `code` says why (expired, locked, conflict, invalid_score, invalid_comment)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class InviteState:
    invite: Invite
    survey: Survey
    response: Response | None
    expired: bool
    editable: bool
    # Until when the recorded answer may still change (None before an answer).
    edit_until: datetime | None = None


def load_invite_state(token: str) -> InviteState | None:
    """Everything the survey page and widget need about a token, or None if unknown."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None  # not one of ours; never let odd bytes reach the database
    invite = db.session.scalar(select(Invite).where(Invite.token == token))
    if invite is None:
        return None
    survey = db.session.get(Survey, invite.survey_id)
    response = db.session.scalar(select(Response).where(Response.invite_id == invite.id))
    now = utcnow()
    expired = response is None and (
        invite.status in (InviteStatus.CANCELLED, InviteStatus.SKIPPED, InviteStatus.FAILED)
        or bool(invite.expires_at and invite.expires_at <= now)
    )
    window = timedelta(hours=current_app.config["ANSWER_EDIT_WINDOW_HOURS"])
    editable = response is None or response.answered_at + window > now
    edit_until = response.answered_at + window if response is not None else None
    return InviteState(invite, survey, response, expired, editable and not expired, edit_until)


def validate_answer(survey: Survey, score, comment) -> tuple[int, str | None]:
    """Check a raw score and comment against the survey's scale; returns clean values."""
    try:
        value = int(score)
    except (TypeError, ValueError, OverflowError):
        raise AnswerRefused("invalid_score", "Choose a score.") from None
    if isinstance(score, (bool, float)) or not survey.scale_min <= value <= survey.scale_max:
        raise AnswerRefused("invalid_score", f"Choose a score from {survey.scale_min} to {survey.scale_max}.")
    if comment is not None and not isinstance(comment, str):
        raise AnswerRefused("invalid_comment", "The comment must be text.")
    # NUL bytes are never meaningful in a comment, and PostgreSQL text cannot store them.
    comment = (comment or "").replace("\x00", "").strip() or None
    if comment and text_problem(comment):  # a lone surrogate: no database can store it
        raise AnswerRefused("invalid_comment", text_problem(comment))
    if comment and len(comment) > MAX_COMMENT:
        raise AnswerRefused("invalid_comment", f"Keep the comment under {MAX_COMMENT} characters.")
    return value, comment


def record_answer(state: InviteState, score, comment) -> Response:
    """Store (or, inside the edit window, change) the answer; then queue its analysis."""
    if state.expired:
        raise AnswerRefused("expired", "This survey has closed.")
    if not state.editable:
        raise AnswerRefused("locked", "This answer can no longer be changed.")
    value, text = validate_answer(state.survey, score, comment)
    invite = state.invite
    text = clean_free_text(invite.workspace_id, text)
    now = utcnow()
    response = state.response
    try:
        # No flush until the commit: loading `invite.events` would otherwise flush the new row
        # early, and a concurrent first answer's IntegrityError would escape this guard.
        with db.session.no_autoflush:
            if response is None:
                response = Response(
                    workspace_id=invite.workspace_id,
                    survey_id=invite.survey_id,
                    invite_id=invite.id,
                    answered_at=now,
                    score=value,
                    comment=text,
                    updated_at=now,
                )
                db.session.add(response)
                invite.answered_at = now
                invite.events.append(InviteEvent(at=now, status=InviteEventKind.ANSWERED, detail=f"score {value}"))
            else:
                invite.events.append(
                    InviteEvent(at=now, status=InviteEventKind.ANSWER_CHANGED, detail=f"score {value}")
                )
            created = response.id is None
            response.score, response.comment, response.updated_at = value, text, now
            response.comment_removed_at = None  # a new text, to be analysed like any other
        db.session.flush()  # the new row's id, for its event
        kind = EventType.RESPONSE_CREATED if created else EventType.RESPONSE_UPDATED
        emit(invite.workspace_id, kind, response_data(response, invite))
        note_answer(response, created)
        queue_helpdesk_note(response, invite)
        db.session.commit()
    except IntegrityError:
        # Two first answers raced (a double click, two tabs): the unique invite_id let one in.
        # This one changes nothing; the customer can still edit the recorded answer.
        db.session.rollback()
        forget_pending()
        raise AnswerRefused("conflict", "An answer was just recorded for this survey; reload to see it.") from None
    deliver_soon()
    _enqueue_analysis(response.id)
    return response


def _enqueue_analysis(response_id: int) -> None:
    try:
        enqueue(ANALYZE_RESPONSE, response_id)
    except Exception:  # the analysis backfill picks up anything left unscored
        log.warning("could not enqueue analysis of response %s", response_id, exc_info=True)
