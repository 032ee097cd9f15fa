"""Surveys CRUD."""

from __future__ import annotations

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, responds
from app.models import Survey
from app.schemas.survey import SurveyInSchema, SurveyListSchema, SurveyOutSchema
from app.services import surveys


@bp.post("/surveys")
@accepts(SurveyInSchema)
@responds(201, SurveyOutSchema)
def create_survey(body: dict):
    """Create a survey."""
    return surveys.create_survey(current_workspace().id, body)


@bp.get("/surveys")
@responds(200, SurveyListSchema)
def list_surveys():
    """List the workspace's surveys."""
    return {"items": surveys.list_surveys(current_workspace().id)}


@bp.get("/surveys/<id:survey_id>")
@responds(200, SurveyOutSchema)
def get_survey(survey_id: int):
    """Get one survey."""
    return surveys.get_survey(current_workspace().id, survey_id)


def own_survey(survey_id: int) -> Survey:
    return surveys.get_survey(current_workspace().id, survey_id)


@bp.patch("/surveys/<id:survey_id>")
@accepts(SurveyInSchema, partial=True, lookup=own_survey)
@responds(200, SurveyOutSchema)
def update_survey(survey_id: int, body: dict, found: Survey):
    """Change some of a survey's fields."""
    return surveys.update_survey(found, body)


@bp.delete("/surveys/<id:survey_id>")
@responds(204)
def delete_survey(survey_id: int):
    """Archive a survey: no new invites; its answers stay in history."""
    surveys.archive_survey(surveys.get_survey(current_workspace().id, survey_id))
