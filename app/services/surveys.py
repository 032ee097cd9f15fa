"""Survey CRUD, with each kind's defaults filled in."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import Membership, Survey
from app.models.audit import AuditAction
from app.scoring.kinds import KINDS
from app.services import audit
from app.services.accounts.permissions import Action, require


def create_survey(workspace_id: int, data: dict) -> Survey:
    """Create a survey from validated fields, defaulting wording and scale from its kind."""
    kind = KINDS[data["kind"]]
    scale = data.pop("scale", kind.default_scale)
    follow_up = {**kind.follow_up, **data.pop("follow_up", {})}
    survey = Survey(
        workspace_id=workspace_id,
        question=data.pop("question", None) or kind.question,
        scale_min=scale[0],
        scale_max=scale[1],
        follow_up=follow_up,
        **data,
    )
    db.session.add(survey)
    db.session.flush()
    audit.record(AuditAction.SURVEY_CHANGED, workspace_id, f"survey {survey.id}", {"created": survey.kind})
    db.session.commit()
    return survey


def get_survey(workspace_id: int, survey_id: int) -> Survey:
    """A live survey of this workspace, or 404 (another tenant's id looks exactly like a missing one)."""
    survey = _find_live(workspace_id, survey_id)
    if survey is None:
        raise APIError(404, "not_found", f"No survey {survey_id} in this workspace.")
    return survey


def live_survey(workspace_id: int, survey_id: int) -> Survey:
    """The live survey a request body names in `survey_id`, or a 422 on that field."""
    survey = _find_live(workspace_id, survey_id)
    if survey is None:
        raise unknown_survey()
    return survey


def unknown_survey() -> APIError:
    """The refusal for a `survey_id` that names no survey of the workspace (in a body or a query)."""
    return APIError(422, "validation_error", "Unknown survey.", {"survey_id": ["No such survey in this workspace."]})


def _find_live(workspace_id: int, survey_id: int) -> Survey | None:
    return db.session.scalar(
        select(Survey).where(Survey.id == survey_id, Survey.workspace_id == workspace_id, Survey.archived.is_(False))
    )


def list_surveys(workspace_id: int) -> list[Survey]:
    query = select(Survey).where(Survey.workspace_id == workspace_id, Survey.archived.is_(False)).order_by(Survey.id)
    return list(db.session.scalars(query))


def update_survey(survey: Survey, data: dict) -> Survey:
    """Apply a partial update; the kind is fixed once answers may exist."""
    if "kind" in data and data["kind"] != survey.kind:
        raise APIError(422, "validation_error", "A survey's kind cannot change.", {"kind": ["Cannot change."]})
    data.pop("kind", None)
    audit.record(AuditAction.SURVEY_CHANGED, survey.workspace_id, f"survey {survey.id}", {"fields": sorted(data)})
    if "scale" in data:
        if tuple(data["scale"]) not in KINDS[survey.kind].scales:
            raise APIError(422, "validation_error", "Scale not allowed for this kind.", {"scale": ["Not allowed."]})
        survey.scale_min, survey.scale_max = data.pop("scale")
    if "follow_up" in data:
        survey.follow_up = {**survey.follow_up, **data.pop("follow_up")}
    for name, value in data.items():
        setattr(survey, name, value)
    db.session.commit()
    return survey


def archive_survey(survey: Survey) -> None:
    """Surveys are archived, not deleted, so their answers keep counting in history."""
    survey.archived = True
    audit.record(AuditAction.SURVEY_CHANGED, survey.workspace_id, f"survey {survey.id}", {"archived": True})
    db.session.commit()


# The settings pages' changes: the same as the API's, for a role that may make them.


def add_survey(membership: Membership, workspace_id: int, data: dict) -> Survey:
    require(membership, Action.MANAGE_SETTINGS)
    return create_survey(workspace_id, data)


def change_survey(membership: Membership, survey: Survey, data: dict) -> Survey:
    require(membership, Action.MANAGE_SETTINGS)
    return update_survey(survey, data)


def retire_survey(membership: Membership, survey: Survey) -> None:
    require(membership, Action.MANAGE_SETTINGS)
    archive_survey(survey)


_COPIED = (
    "name",
    "locale",
    "send_delay_minutes",
    "cooldown_days",
    "sample_percent",
    "exclude_tags",
    "reminder_after_hours",
    "expires_after_days",
    "daily_cap",
    "thank_you_message",
    "redirect_url",
)


def draft_survey(workspace_id: int, data: dict, base: Survey | None = None) -> Survey:
    """The survey as it would be with validated `data` applied (to `base`, or new), for a preview:
    a transient object that is never added to the session, so nothing is written."""
    kind = KINDS[base.kind if base is not None else data.get("kind", "csat")]
    scale = data.get("scale") or ((base.scale_min, base.scale_max) if base is not None else kind.default_scale)
    if tuple(scale) not in kind.scales:
        scale = kind.default_scale
    follow_up = {**kind.follow_up, **(base.follow_up if base is not None else {}), **data.get("follow_up", {})}
    fields = {name: getattr(base, name) for name in _COPIED} if base is not None else {}
    fields.update({name: data[name] for name in _COPIED if name in data})
    return Survey(
        workspace_id=workspace_id,
        kind=kind.name,
        question=data.get("question") or (base.question if base is not None else kind.question),
        scale_min=scale[0],
        scale_max=scale[1],
        follow_up=follow_up,
        **{"name": "", "locale": "en", **fields},
    )
