"""The widget's JSON: scoped by the invite token, no API key."""
from __future__ import annotations

from flask import current_app, jsonify, request

from app.errors import APIError
from app.extensions import csrf, db, limiter
from app.models import Workspace
from app.services.answers import AnswerRefused, load_invite_state, record_answer
from app.survey.blueprint import bp


def _public_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


def _state(token: str):
    state = load_invite_state(token) if len(token) <= 64 else None
    if state is None:
        raise APIError(404, "not_found", "Unknown survey token.")
    return state


@bp.get("/api/v1/public/invites/<token>")
@limiter.limit(_public_limit)
def public_invite(token: str):
    """The survey as the widget needs it."""
    state = _state(token)
    survey = state.survey
    workspace = db.session.get(Workspace, state.invite.workspace_id)
    return jsonify(
        {
            "token": token,
            "kind": survey.kind,
            "question": survey.question,
            "scale": [survey.scale_min, survey.scale_max],
            "follow_up": survey.follow_up,
            "locale": state.invite.locale,
            "expired": state.expired,
            "editable": state.editable,
            "answer": {"score": state.response.score, "comment": state.response.comment} if state.response else None,
            "branding": {"name": workspace.name, "colour": workspace.brand_colour, "logo_url": workspace.logo_url},
        }
    )


@bp.post("/api/v1/public/invites/<token>/response")
@limiter.limit(_public_limit)
@csrf.exempt
def public_answer(token: str):
    """Record an answer from the widget."""
    state = _state(token)
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser follows: not a body we accept
        payload = None
    if not isinstance(payload, dict):
        raise APIError(400, "invalid_json", "Send {\"score\": N, \"comment\": \"...\"} as JSON.")
    unknown = set(payload) - {"score", "comment"}
    if unknown:
        raise APIError(422, "validation_error", "Unknown fields.", {k: ["Unknown field."] for k in sorted(unknown)})
    try:
        response = record_answer(state, payload.get("score"), payload.get("comment"))
    except AnswerRefused as refusal:
        status = {"expired": 410, "locked": 409}.get(refusal.code, 422)
        field = "comment" if refusal.code == "invalid_comment" else "score"
        raise APIError(status, refusal.code, refusal.message, {field: [refusal.message]} if status == 422 else {}) from None
    return jsonify({"id": response.id, "score": response.score, "comment": response.comment}), 201
