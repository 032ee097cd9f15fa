"""GET/POST /s/{token}: the survey page. A GET never records anything; only the POST does."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from app.extensions import db, limiter
from app.models import Workspace
from app.platform.contract import responds, takes
from app.platform.i18n import LANGUAGES, gettext, use_locale
from app.respondent.blueprint import bp
from app.schemas.respondent import SurveyFormSchema
from app.scoring.kinds import band, band_limits
from app.services.answers import wording
from app.services.answers.record import MAX_COMMENT, AnswerRefused, InviteState, load_invite_state, record_answer
from app.services.branding import branding

# Each language named in itself, so a customer can find theirs whatever the page is in.
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "pt": "Português"}


def _public_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


def _state_or_404(token: str) -> InviteState:
    state = load_invite_state(token) if len(token) <= 64 else None
    if state is None:
        abort(404, description=gettext("This survey link is not valid. Check that the whole link was copied."))
    use_locale(state.invite.locale)
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:  # the customer's own pick on the page beats the invite's locale
        use_locale(chosen)
    return state


def _page(template: str, state: InviteState, status: int = 200, /, **context):
    workspace = db.session.get(Workspace, state.invite.workspace_id)
    context.setdefault("state", state)
    return render_template(template, workspace=workspace, brand=branding(workspace), **context), status


def _answered(state: InviteState) -> str | None:
    """What a returning customer reads above the form: their answer, and until when it may change."""
    if state.response is None:
        return None
    workspace = db.session.get(Workspace, state.invite.workspace_id)
    edit_until = state.edit_until if state.editable else None
    return wording.answered_line(state.response.score, state.response.answered_at, edit_until, workspace.timezone)


def _language_links(token: str, score: int | None) -> list[dict]:
    current = str(get_locale())
    return [
        {
            "code": code,
            "name": name,
            "current": code == current,
            "url": url_for(
                "respondent.show", token=token, lang=code, **({"score": score} if score is not None else {})
            ),
        }
        for code, name in LANGUAGE_NAMES.items()
    ]


def _refusal_text(state: InviteState, refusal: AnswerRefused) -> str:
    if refusal.code == "invalid_comment":
        return gettext("Keep the comment under %(count)s characters.", count=MAX_COMMENT)
    return gettext("Choose a score from %(low)s to %(high)s.", low=state.survey.scale_min, high=state.survey.scale_max)


def _form(state: InviteState, score: int | None, comment: str | None, error: str | None = None, status: int = 200):
    survey = state.survey
    follow_ups = wording.follow_ups(survey)
    low, high = wording.end_labels(survey)
    return _page(
        "respondent/survey/form.html",
        state,
        status,
        state=state,
        survey=survey,
        question=wording.question(survey),
        points=list(range(survey.scale_min, survey.scale_max + 1)),
        selected=score,
        comment=comment or "",
        follow_up=follow_ups[
            band(survey.kind, survey.scale_min, survey.scale_max, score) if score is not None else "default"
        ],
        follow_ups=follow_ups,
        bands=band_limits(survey.kind, survey.scale_min, survey.scale_max),
        low_label=low,
        high_label=high,
        error=error,
        answered=_answered(state),
        languages=_language_links(state.invite.token, score),
        lang=request.args.get("lang") if request.args.get("lang") in LANGUAGES else None,
    )


HTML = "text/html"


@bp.get("/s/<token>")
@limiter.limit(_public_limit)
@responds(200, content_type=HTML, errors=HTML, description="The form, or the thanks page once answered")
@responds(410, content_type=HTML, description="The survey has closed")
def show(token: str):
    """The survey page; `?score=N` pre-selects N and commits nothing."""
    state = _state_or_404(token)
    if state.expired:
        return _page("respondent/survey/closed.html", state, 410)
    if not state.editable:
        answered = _answered(state)
        return _page("respondent/survey/thanks.html", state, response=state.response, locked=True, answered=answered)
    score = request.args.get("score", type=int)
    if score is not None and not state.survey.scale_min <= score <= state.survey.scale_max:
        score = None
    if score is None and state.response is not None:
        score = state.response.score
    return _form(state, score, state.response.comment if state.response else None)


@bp.post("/s/<token>")
@limiter.limit(_public_limit)
@takes(SurveyFormSchema, location="form", content_type="application/x-www-form-urlencoded")
@responds(200, content_type=HTML, errors=HTML, description="Thanks: the answer is recorded")
@responds(303, content_type=HTML, description="Recorded: on to the survey's redirect address")
@responds(409, content_type=HTML, description="The answer can no longer change")
@responds(410, content_type=HTML, description="The survey has closed")
@responds(422, content_type=HTML, description="The form again, saying what to fix")
def confirm(token: str):
    """Record the confirmed answer, then thank the customer."""
    state = _state_or_404(token)
    score, comment = request.form.get("score"), request.form.get("comment")
    try:
        response = record_answer(state, score, comment)
    except AnswerRefused as refusal:
        if refusal.code == "expired":
            return _page("respondent/survey/closed.html", state, 410)
        if refusal.code in ("locked", "conflict"):
            # A conflict is a first answer that lost a race: thank them for the one recorded.
            recorded = state.response or load_invite_state(token).response
            return _page(
                "respondent/survey/thanks.html", state, 409, response=recorded, locked=refusal.code == "locked"
            )
        chosen = request.form.get("score", type=int)
        return _form(state, chosen, comment, _refusal_text(state, refusal), 422)
    if state.survey.redirect_url:  # the survey sends customers on to the company's own page
        return redirect(state.survey.redirect_url, 303)
    return _page("respondent/survey/thanks.html", state, response=response, locked=False)
