"""GET/POST /s/{token}: the survey page. A GET never records anything; only the POST does."""
from __future__ import annotations

from flask import abort, current_app, render_template, request
from sqlalchemy import text

from app.extensions import db, limiter
from app.i18n import use_locale
from app.models import Workspace
from app.services.answers import AnswerRefused, InviteState, load_invite_state, record_answer
from app.services.kinds import band
from app.survey.blueprint import bp


def _public_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


def _state_or_404(token: str) -> InviteState:
    state = load_invite_state(token) if len(token) <= 64 else None
    if state is None:
        abort(404, description="This survey link is not valid. Check that the whole link was copied.")
    use_locale(state.invite.locale)
    return state


def _render(state: InviteState, score: int | None, comment: str | None, error: str | None = None, status: int = 200):
    survey = state.survey
    follow_up = survey.follow_up.get(band(survey.kind, survey.scale_min, survey.scale_max, score) if score is not None else "default")
    page = render_template(
        "survey/form.html",
        state=state,
        survey=survey,
        workspace=db.session.get(Workspace, state.invite.workspace_id),
        points=list(range(survey.scale_min, survey.scale_max + 1)),
        selected=score,
        comment=comment or "",
        follow_up=follow_up or survey.follow_up.get("default"),
        follow_ups=survey.follow_up,
        error=error,
    )
    return page, status


@bp.get("/s/<token>")
@limiter.limit(_public_limit)
def show(token: str):
    """The survey page; `?score=N` pre-selects N and commits nothing."""
    state = _state_or_404(token)
    workspace = db.session.get(Workspace, state.invite.workspace_id)
    if state.expired:
        return render_template("survey/closed.html", workspace=workspace), 410
    if not state.editable:
        return render_template("survey/thanks.html", workspace=workspace, response=state.response, locked=True)
    score = request.args.get("score", type=int)
    if score is not None and not state.survey.scale_min <= score <= state.survey.scale_max:
        score = None
    if score is None and state.response is not None:
        score = state.response.score
    return _render(state, score, state.response.comment if state.response else None)


@bp.post("/s/<token>")
@limiter.limit(_public_limit)
def confirm(token: str):
    """Record the confirmed answer, then thank the customer."""
    state = _state_or_404(token)
    workspace = db.session.get(Workspace, state.invite.workspace_id)
    score, comment = request.form.get("score"), request.form.get("comment")
    try:
        response = record_answer(state, score, comment)
    except AnswerRefused as refusal:
        if refusal.code == "expired":
            return render_template("survey/closed.html", workspace=workspace), 410
        if refusal.code == "locked":
            return render_template("survey/thanks.html", workspace=workspace, response=state.response, locked=True), 409
        chosen = request.form.get("score", type=int)
        return _render(state, chosen, comment, refusal.message, 422)
    return render_template("survey/thanks.html", workspace=workspace, response=response, locked=False)


@bp.get("/healthz")
def healthz():
    """Report whether the database and the broker answer."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(c["ok"] for c in checks.values())
    return {"status": "ok" if healthy else "degraded", "checks": checks}, 200 if healthy else 503


def _check_database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except Exception as exc:  # report, don't raise: this is the health endpoint
        db.session.rollback()
        return {"ok": False, "error": exc.__class__.__name__}


def _check_broker() -> dict:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return {"ok": True, "backend": "filesystem"}
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return {"ok": True, "backend": "redis"}
    except redis.RedisError as exc:
        return {"ok": False, "backend": "redis", "error": exc.__class__.__name__}
