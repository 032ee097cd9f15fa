"""The widget's JSON: scoped by the invite token (or a host-signed payload), no API key."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale

from app.errors import APIError
from app.extensions import csrf, db, limiter
from app.models import Workspace
from app.models.invite import InviteStatus
from app.platform.contract import responds, takes
from app.platform.i18n import gettext, use_locale
from app.platform.strict_json import request_json
from app.respondent.blueprint import bp
from app.schemas.respondent import RecordedAnswerSchema, SignedEmbedInSchema, WidgetAnswerInSchema, WidgetSchema
from app.scoring.kinds import band_limits
from app.services.answers import wording
from app.services.answers.record import AnswerRefused, InviteState, load_invite_state, record_answer
from app.services.branding import branding
from app.services.invites.embeds import open_signed_invite


def _public_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


def _state(token: str) -> InviteState:
    state = load_invite_state(token) if len(token) <= 64 else None
    if state is None:
        raise APIError(404, "not_found", "Unknown survey token.")
    return state


def _choose_locale(state: InviteState, asked) -> None:
    """The host page's explicit choice, else the invite's locale, else Accept-Language."""
    use_locale(state.invite.locale)
    if isinstance(asked, str):
        use_locale(asked.replace("_", "-").split("-")[0].lower())


def _widget_view(state: InviteState) -> dict:
    survey = state.survey
    workspace = db.session.get(Workspace, state.invite.workspace_id)
    brand = branding(workspace)
    return {
        "token": state.invite.token,
        "status": "open" if state.editable else "closed" if state.expired else "answered",
        "kind": survey.kind,
        "question": wording.question(survey),
        "scale": [survey.scale_min, survey.scale_max],
        "follow_up": wording.follow_ups(survey),
        "bands": band_limits(survey.kind, survey.scale_min, survey.scale_max),
        "locale": str(get_locale()),
        "expired": state.expired,
        "editable": state.editable,
        "answer": state.response,
        "thank_you": survey.thank_you_message,
        "branding": brand,
        "strings": wording.widget_strings(survey, brand["name"]),
    }


@bp.get("/api/v1/public/invites/<token>")
@limiter.limit(_public_limit)
@responds(200, WidgetSchema)
def public_invite(token: str):
    """The survey as the widget needs it; `?locale=xx` picks the language."""
    state = _state(token)
    _choose_locale(state, request.args.get("locale"))
    return _widget_view(state)


@bp.post("/api/v1/public/embed")
@limiter.limit(_public_limit)
@csrf.exempt
@takes(SignedEmbedInSchema)
@responds(200, WidgetSchema, description="The survey; only `status: skipped` when the fatigue rules said no")
def public_embed():
    """Open the widget from a payload signed by the host's server; the invite is made on first display."""
    payload = request_json()
    if not isinstance(payload, dict):
        raise APIError(400, "invalid_json", 'Send {"signed": "..."} as JSON.')
    unknown = set(payload) - {"signed", "locale"}
    if unknown:
        raise APIError(422, "validation_error", "Unknown fields.", {k: ["Unknown field."] for k in sorted(unknown)})
    try:
        invite = open_signed_invite(payload.get("signed"))
    except APIError as refusal:
        if refusal.code != "expired":
            raise
        # The widget shows this message to the customer as it is.
        if isinstance(payload.get("locale"), str):
            use_locale(payload["locale"].replace("_", "-").split("-")[0].lower())
        raise APIError(410, "expired", gettext("This survey has closed")) from None
    if invite.status in (InviteStatus.SKIPPED, InviteStatus.CANCELLED, InviteStatus.FAILED):
        # The fatigue rules said no: the host page shows nothing, and learns nothing more.
        return {"status": "skipped"}
    state = load_invite_state(invite.token)
    _choose_locale(state, payload.get("locale"))
    return _widget_view(state)


@bp.post("/api/v1/public/invites/<token>/response")
@limiter.limit(_public_limit)
@csrf.exempt
@takes(WidgetAnswerInSchema)
@responds(201, RecordedAnswerSchema, description="The first answer, recorded")
@responds(200, RecordedAnswerSchema, description="The answer, changed within the edit window")
def public_answer(token: str):
    """Record an answer from the widget."""
    state = _state(token)
    payload = request_json()
    if not isinstance(payload, dict):
        raise APIError(400, "invalid_json", 'Send {"score": N, "comment": "..."} as JSON.')
    unknown = set(payload) - {"score", "comment"}
    if unknown:
        raise APIError(422, "validation_error", "Unknown fields.", {k: ["Unknown field."] for k in sorted(unknown)})
    try:
        response = record_answer(state, payload.get("score"), payload.get("comment"))
    except AnswerRefused as refusal:
        status = {"expired": 410, "locked": 409, "conflict": 409}.get(refusal.code, 422)
        field = "comment" if refusal.code == "invalid_comment" else "score"
        raise APIError(
            status, refusal.code, refusal.message, {field: [refusal.message]} if status == 422 else {}
        ) from None
    # 201 for the first answer, 200 for a change within the edit window: a client can tell them apart.
    return response, 201 if state.response is None else 200
