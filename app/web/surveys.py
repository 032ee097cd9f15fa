"""Settings → Surveys: the workspace's surveys, and an editor with a live preview of the invite
email and the survey page. The form is validated by the API's own schema (SurveyInSchema) and saved
through the same service (POST/PATCH /api/v1/surveys), so a page and a client never disagree.

The previews are rendered by the server with the real templates from the form's current values
(query parameters) and never write anything; they are shown in sandboxed iframes, refreshed by
htmx as the person types, or by the "Refresh preview" button without JavaScript.
"""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlencode

from flask import abort, g, make_response, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields

from app.errors import APIError
from app.models import Survey
from app.platform.contract import FORM, HTML, responds, takes
from app.platform.i18n import LANGUAGES, force_locale_for
from app.schemas.survey import SurveyInSchema
from app.scoring.kinds import KINDS, band_limits
from app.services import surveys
from app.services.accounts.permissions import Action
from app.services.answers import wording
from app.services.branding import branding
from app.services.sending.invite_email import sample_invite_html
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

BANDS = ("default", "low", "high")
INTS = ("send_delay_minutes", "cooldown_days", "sample_percent", "expires_after_days")
NULLABLE_INTS = ("reminder_after_hours", "daily_cap")  # empty: none (no reminder, no cap)
NULLABLE_TEXTS = ("thank_you_message", "redirect_url")  # empty: none (the usual thanks, no redirect)
FIELDS = (
    "name",
    "kind",
    "scale",
    "question",
    *(f"follow_up.{band}" for band in BANDS),
    "locale",
    *INTS,
    *NULLABLE_INTS,
    "exclude_tags",
    *NULLABLE_TEXTS,
)
# The previews' query: the form's fields as typed (documentation; the views read them themselves).
PreviewQuery = Schema.from_dict({name: fields.String() for name in FIELDS}, name="SurveyPreviewQuery")
FORM_FIELDS = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in (*FIELDS, "csrf_token", "action")},
}
# The customer and ticket the previews show, as an invite from a helpdesk would carry them.
SAMPLE_INVITE = SimpleNamespace(
    token="preview",
    customer_name="Ada",
    ticket_id="T-1001",
    ticket_subject="Refund for order 4417",
    agent_name="Sam Cole",
    agent_photo_url=None,
)
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "pt": "Português"}
# The preview documents: the email's inline styles allowed, no script at all, framed by our pages only.
PREVIEW_CSP = (
    "default-src 'none'; img-src 'self' https: data:; style-src 'self' {origin} 'unsafe-inline'; "
    "script-src 'none'; form-action 'none'; frame-ancestors 'self'; base-uri 'none'; sandbox"
)


def _int(raw: str):
    if raw == "":
        return None
    return int(raw) if raw.lstrip("-").isdigit() and len(raw) < 12 else raw  # the schema names what is wrong


def _scale(raw: str):
    """ "1-5" as [1, 5]; anything else as typed, for the schema to refuse."""
    low, sep, high = raw.partition("-")
    if sep and low.strip().isdigit() and high.strip().isdigit() and len(raw) < 24:
        return [int(low), int(high)]
    return raw


def _posted(source, survey: Survey | None) -> dict:
    """The form (or the preview's query) as the API's body: empty optional fields left out, so the
    kind's defaults apply; on an edit, an emptied wording goes back to the kind's default."""
    kind = survey.kind if survey is not None else source.get("kind", "").strip()
    defaults = KINDS.get(kind)
    data: dict = {"name": source.get("name", "").strip(), "kind": source.get("kind", kind).strip() or kind}
    scale = source.get("scale", "").strip()
    if scale:
        data["scale"] = _scale(scale)
    question = source.get("question", "").strip()
    if question:
        data["question"] = question
    elif survey is not None and defaults:
        data["question"] = defaults.question
    follow_up = {}
    for band in BANDS:
        text = source.get(f"follow_up.{band}", "").strip()
        if text:
            follow_up[band] = text
        elif survey is not None and defaults:
            follow_up[band] = defaults.follow_up[band]
    if follow_up:
        data["follow_up"] = follow_up
    locale = source.get("locale", "").strip()
    if locale:
        data["locale"] = locale
    for name in INTS:
        value = _int(source.get(name, "").strip())
        if value is not None:
            data[name] = value
    for name in NULLABLE_INTS:
        if name in source or survey is not None:
            data[name] = _int(source.get(name, "").strip())
    data["exclude_tags"] = [tag.strip() for tag in source.get("exclude_tags", "").split(",") if tag.strip()]
    for name in NULLABLE_TEXTS:
        if name in source or survey is not None:
            data[name] = source.get(name, "").strip() or None
    return data


def _flat(messages, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's messages keyed by the form's field names (a list's item errors on the list)."""
    if isinstance(messages, list):
        return {prefix: [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        for field, problems in _flat(value, name).items():
            field = field.split(".")[0] if field.split(".")[0] in ("scale", "exclude_tags") else field
            flat.setdefault(field, []).extend(problems)
    return flat


def _values(survey: Survey | None) -> dict:
    """The form's fields filled from a stored survey (or empty for a new one)."""
    if survey is None:
        return {"kind": "csat", "locale": "en", "exclude_tags": ""}
    values = {
        name: getattr(survey, name)
        for name in ("name", "kind", "question", "locale", *INTS, *NULLABLE_INTS, *NULLABLE_TEXTS)
    }
    values["scale"] = f"{survey.scale_min}-{survey.scale_max}"
    values["exclude_tags"] = ", ".join(survey.exclude_tags or [])
    for band in BANDS:
        values[f"follow_up.{band}"] = (survey.follow_up or {}).get(band, "")
    return values


def _scales(survey: Survey | None) -> list[tuple[str, str]]:
    if survey is not None:
        return [(f"{a}-{b}", f"{a} to {b}") for a, b in KINDS[survey.kind].scales]
    seen = {(a, b): kind.upper() for kind in reversed(KINDS) for a, b in KINDS[kind].scales}
    options = [("", "The kind's usual scale")]
    for (a, b), _ in sorted(seen.items()):
        kinds = ", ".join(k.upper() for k in KINDS if (a, b) in KINDS[k].scales)
        options.append((f"{a}-{b}", f"{a} to {b} ({kinds})"))
    return options


def _languages(current: str | None) -> list[tuple[str, str]]:
    options = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    if current and current not in LANGUAGES:
        options.append((current, current))
    return options


def _preview_query(values) -> str:
    return urlencode({name: values.get(name) for name in FIELDS if values.get(name) not in (None, "")})


def _editor(survey: Survey | None, values, errors: dict, status: int = 200, **extra):
    page = render_template(
        "web/settings/survey.html",
        survey=survey,
        values=values,
        errors=errors,
        kinds=[(name, name.upper()) for name in KINDS],
        scales=_scales(survey),
        languages=_languages(values.get("locale")),
        preview=_preview_query(values),
        **extra,
    )
    return page, status


def _own(survey_id: int) -> Survey:
    try:
        return surveys.get_survey(g.workspace.id, survey_id)
    except APIError:
        abort(404)


def _draft(survey: Survey | None) -> Survey:
    """The survey as the preview's values would make it: what validates, the rest as stored."""
    data = _posted(request.args, survey)
    if survey is None and data.get("kind") not in KINDS:
        data["kind"] = "csat"
    try:
        valid = SurveyInSchema(partial=True).load(data)
    except ValidationError as invalid:
        valid = invalid.valid_data or {}
    if survey is None:
        valid["kind"] = data["kind"]
    return surveys.draft_survey(g.workspace.id, valid, survey)


def framed(html: str):
    """A preview document: its own strict CSP (no script, sandboxed, framed by our pages only)."""
    response = make_response(html)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP.format(origin=request.host_url.rstrip("/"))
    return response


def _email_preview(survey: Survey | None):
    draft = _draft(survey)
    return framed(sample_invite_html(draft, g.workspace))


def _page_preview(survey: Survey | None):
    return framed(page_preview_html(_draft(survey), g.workspace))


def page_preview_html(draft: Survey, workspace) -> str:
    """The survey page a sample customer would see for `draft`, branded as `workspace` (a stored
    workspace, or a stand-in with the brand being edited); nothing is stored."""
    with force_locale_for(draft.locale):
        follow_ups = wording.follow_ups(draft)
        low, high = wording.end_labels(draft)
        return render_template(
            "respondent/survey/form.html",
            workspace=workspace,
            brand=branding(workspace),
            state=SimpleNamespace(invite=SAMPLE_INVITE, response=None, edit_until=None),
            survey=draft,
            question=wording.question(draft),
            points=list(range(draft.scale_min, draft.scale_max + 1)),
            selected=None,
            comment="",
            follow_up=follow_ups["default"],
            follow_ups=follow_ups,
            bands=band_limits(draft.kind, draft.scale_min, draft.scale_max),
            low_label=low,
            high_label=high,
            error=None,
            languages=None,
            lang=None,
        )


def _preview_panel(survey: Survey | None):
    return render_template("web/settings/_survey_preview.html", survey=survey, preview=_preview_query(request.args))


_SIGNED_OUT = "Not signed in: to the sign-in page, then back"
_FORBIDDEN = "The viewer's role may not change settings"


@bp.get("/w/<id:workspace_id>/settings/surveys")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="The workspace's surveys")
def settings_surveys(workspace_id: int):
    """The surveys page: each survey's name, kind, scale and status, and a link to a new one."""
    archived = request.args.get("archived")
    return render_template(
        "web/settings/surveys.html", surveys=surveys.list_surveys(workspace_id), errors={}, archived=archived
    )


@bp.get("/w/<id:workspace_id>/settings/surveys/new")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="The new-survey form with its preview")
def settings_survey_new(workspace_id: int):
    """The new-survey form."""
    return _editor(None, _values(None), {})


@bp.post("/w/<id:workspace_id>/settings/surveys/new")
@member_page(Action.MANAGE_SETTINGS)
@takes(FORM_FIELDS, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="The form again with its preview refreshed")
@responds(303, content_type=HTML, description="Created: to the survey's editor")
@responds(400, content_type=HTML, description="The form expired (its CSRF token): nothing saved")
@responds(422, content_type=HTML, description="Nothing saved: the form again, saying what to fix")
def settings_survey_create(workspace_id: int):
    """Create a survey (or, with action=preview, only refresh the preview)."""
    return _submit(None)


@bp.get("/w/<id:workspace_id>/settings/surveys/<id:survey_id>")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="The survey's editor with its preview")
@responds(404, content_type=HTML, description="No such live survey in this workspace")
def settings_survey(workspace_id: int, survey_id: int):
    """A survey's editor."""
    survey = _own(survey_id)
    return _editor(survey, _values(survey), {}, created=request.args.get("created"))


@bp.post("/w/<id:workspace_id>/settings/surveys/<id:survey_id>")
@member_page(Action.MANAGE_SETTINGS)
@takes(FORM_FIELDS, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Saved (or the preview refreshed); the form again")
@responds(400, content_type=HTML, description="The form expired (its CSRF token): nothing saved")
@responds(404, content_type=HTML, description="No such live survey in this workspace")
@responds(422, content_type=HTML, description="Nothing saved: the form again, saying what to fix")
def settings_survey_save(workspace_id: int, survey_id: int):
    """Save a survey's changes (its kind is fixed), or with action=preview only refresh the preview."""
    return _submit(_own(survey_id))


def _submit(survey: Survey | None):
    if not ConfirmForm().validate_on_submit():  # the CSRF token
        return _editor(survey, request.form, {"_form": ["The form expired; nothing was saved."]}, 400)
    if request.form.get("action") == "preview":
        return _editor(survey, request.form, {})
    data = _posted(request.form, survey)
    try:
        data = SurveyInSchema(partial=survey is not None).load(data)
        if survey is None:
            created = surveys.add_survey(g.membership, g.workspace.id, data)
            target = url_for("web.settings_survey", workspace_id=g.workspace.id, survey_id=created.id, created=1)
            return redirect(target, 303)
        surveys.change_survey(g.membership, survey, data)
    except ValidationError as invalid:
        return _editor(survey, request.form, _flat(invalid.messages), 422)
    except APIError as refused:
        if refused.status != 422:
            raise
        return _editor(survey, request.form, _flat(refused.fields) or {"_form": [refused.message]}, 422)
    return _editor(survey, _values(survey), {}, saved=True)


@bp.post("/w/<id:workspace_id>/settings/surveys/<id:survey_id>/archive")
@member_page(Action.MANAGE_SETTINGS)
@takes(
    {"type": "object", "properties": {"confirm": {"type": "string"}, "csrf_token": {"type": "string"}}},
    location="form",
    content_type=FORM,
)
@responds(303, content_type=HTML, description="Archived: to the surveys page")
@responds(400, content_type=HTML, description="The form expired (its CSRF token): nothing archived")
@responds(404, content_type=HTML, description="No such live survey in this workspace")
@responds(422, content_type=HTML, description="Not confirmed: nothing archived")
def settings_survey_archive(workspace_id: int, survey_id: int):
    """Archive a survey: no new invites; its answers stay in history."""
    survey = _own(survey_id)
    if not ConfirmForm().validate_on_submit():
        return _editor(survey, _values(survey), {"_form": ["The form expired; nothing was archived."]}, 400)
    if request.form.get("confirm") != "yes":
        problem = {"confirm": ["Tick the box to confirm: the survey sends no more invites."]}
        return _editor(survey, _values(survey), problem, 422, archive_refused=True)
    surveys.retire_survey(g.membership, survey)
    return redirect(url_for("web.settings_surveys", workspace_id=g.workspace.id, archived=survey.name), 303)


def _preview_route(rule: str, what: str):
    """Declare a preview view: a GET that reads the form's values from the query, writes nothing."""

    def decorate(view):
        view = responds(403, content_type=HTML, description=_FORBIDDEN)(view)
        if "<id:survey_id>" in rule:
            view = responds(404, content_type=HTML, description="No such live survey in this workspace")(view)
        view = responds(302, content_type=HTML, description=_SIGNED_OUT)(view)
        view = responds(200, content_type=HTML, errors=HTML, description=what)(view)
        view = takes(PreviewQuery, location="query", required=False)(view)
        view = member_page(Action.MANAGE_SETTINGS)(view)
        return bp.get(rule)(view)

    return decorate


_NEW = "/w/<id:workspace_id>/settings/surveys/new/preview"
_EDIT = "/w/<id:workspace_id>/settings/surveys/<id:survey_id>/preview"


@_preview_route(_NEW, "The preview frames for the values typed so far (an htmx fragment)")
def settings_survey_new_preview(workspace_id: int):
    """The new survey's preview frames, for the form's current values."""
    return _preview_panel(None)


@_preview_route(_NEW + "/email", "The invite email a sample customer would get")
def settings_survey_new_preview_email(workspace_id: int):
    """The invite email of the survey being created, rendered from the query; nothing stored."""
    return _email_preview(None)


@_preview_route(_NEW + "/page", "The survey page a sample customer would see")
def settings_survey_new_preview_page(workspace_id: int):
    """The survey page of the survey being created, rendered from the query; nothing stored."""
    return _page_preview(None)


@_preview_route(_EDIT, "The preview frames for the values typed so far (an htmx fragment)")
def settings_survey_preview(workspace_id: int, survey_id: int):
    """The survey's preview frames, for the form's current values."""
    return _preview_panel(_own(survey_id))


@_preview_route(_EDIT + "/email", "The invite email a sample customer would get")
def settings_survey_preview_email(workspace_id: int, survey_id: int):
    """The survey's invite email with the query's values applied; nothing stored."""
    return _email_preview(_own(survey_id))


@_preview_route(_EDIT + "/page", "The survey page a sample customer would see")
def settings_survey_preview_page(workspace_id: int, survey_id: int):
    """The survey's page with the query's values applied; nothing stored."""
    return _page_preview(_own(survey_id))
