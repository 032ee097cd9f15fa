"""Scoring stored answers with the pure analysis package, idempotently and versioned."""
from __future__ import annotations

from sqlalchemy import delete, select

from app.analysis import ANALYSIS_VERSION, CommentAnalysis, analyze_comments, detect_mismatch
from app.extensions import db
from app.models import Response, ResponseTheme, Survey
from app.models.types import utcnow


def needs_analysis(response: Response) -> bool:
    """True unless the current scorer already scored the current text."""
    return (
        response.analysis_version != ANALYSIS_VERSION
        or response.analyzed_at is None
        or response.analyzed_at < response.updated_at
    )


def analyze_responses(response_ids: list[int]) -> int:
    """Score the given responses that need it, in one batch and one commit; returns how many."""
    responses = [
        r for r in db.session.scalars(select(Response).where(Response.id.in_(response_ids))) if needs_analysis(r)
    ]
    if not responses:
        return 0
    surveys = {s.id: s for s in db.session.scalars(select(Survey).where(Survey.id.in_({r.survey_id for r in responses})))}
    results = analyze_comments([r.comment or "" for r in responses])
    now = utcnow()
    for response, result in zip(responses, results):
        _store(response, surveys[response.survey_id], result)
        response.analyzed_at = now
    db.session.commit()
    return len(responses)


def _store(response: Response, survey: Survey, result: CommentAnalysis) -> None:
    response.polarity = result.polarity
    response.subjectivity = result.subjectivity
    response.sentiment_label = result.label
    response.language = result.language
    response.themes = list(dict.fromkeys(result.themes))
    db.session.execute(delete(ResponseTheme).where(ResponseTheme.response_id == response.id))
    db.session.add_all(ResponseTheme(response_id=response.id, theme=theme[:100]) for theme in response.themes)
    response.mismatch_reason = detect_mismatch(survey.kind, response.score, survey.scale_min, survey.scale_max, result)
    response.analysis_version = ANALYSIS_VERSION
