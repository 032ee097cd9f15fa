"""Surveys CRUD."""

from __future__ import annotations

from flask import jsonify

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import json_body
from app.schemas.survey import SurveyInSchema, SurveyOutSchema
from app.services import surveys

out = SurveyOutSchema()


@bp.post("/surveys")
def create_survey():
    """Create a survey."""
    survey = surveys.create_survey(current_workspace().id, json_body(SurveyInSchema()))
    return jsonify(out.dump(survey)), 201


@bp.get("/surveys")
def list_surveys():
    """List the workspace's surveys."""
    return jsonify({"items": out.dump(surveys.list_surveys(current_workspace().id), many=True)})


@bp.get("/surveys/<id:survey_id>")
def get_survey(survey_id: int):
    """Get one survey."""
    return jsonify(out.dump(surveys.get_survey(current_workspace().id, survey_id)))


@bp.patch("/surveys/<id:survey_id>")
def update_survey(survey_id: int):
    """Change some of a survey's fields."""
    survey = surveys.get_survey(current_workspace().id, survey_id)
    data = json_body(SurveyInSchema(), partial=True)
    return jsonify(out.dump(surveys.update_survey(survey, data)))


@bp.delete("/surveys/<id:survey_id>")
def delete_survey(survey_id: int):
    """Archive a survey: no new invites; its answers stay in history."""
    surveys.archive_survey(surveys.get_survey(current_workspace().id, survey_id))
    return "", 204
