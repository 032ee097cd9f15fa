"""Scoring stored answers with the pure analysis package, idempotently and versioned."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import delete, func, or_, select

from app.analysis import ANALYSIS_VERSION, CommentAnalysis, analyze_comments, detect_mismatch
from app.extensions import db
from app.models import Response, ResponseTheme, Survey
from app.models.types import utcnow
from app.services.theme_catalogue import custom_catalogue, record_auto_themes

# Answers per task and per commit: large enough that the per-batch costs (queries, catalogue
# load, commit) vanish next to the analysis itself, small enough to keep a transaction short.
BATCH_SIZE = 200


def needs_analysis(response: Response) -> bool:
    """True unless the current scorer already scored the current text."""
    return (
        response.analysis_version != ANALYSIS_VERSION
        or response.analyzed_at is None
        or response.analyzed_at < response.updated_at
    )


# needs_analysis as SQL, for finding the answers a backfill should re-run.
_STALE = or_(
    Response.analysis_version.is_(None),
    Response.analysis_version != ANALYSIS_VERSION,
    Response.analyzed_at.is_(None),
    Response.analyzed_at < Response.updated_at,
)


def analyze_responses(response_ids: list[int]) -> int:
    """Score the given responses that need it, in one batch and one commit; returns how many.

    Rows another worker is scoring right now are skipped (it will store the same result), so
    overlapping batches never write the same answer's theme rows twice.
    """
    query = (
        select(Response)
        .where(Response.id.in_(response_ids))
        .order_by(Response.id)
        .with_for_update(skip_locked=True)
    )
    responses = [r for r in db.session.scalars(query) if needs_analysis(r)]
    if not responses:
        db.session.rollback()  # release the row locks
        return 0
    surveys = {s.id: s for s in db.session.scalars(select(Survey).where(Survey.id.in_({r.survey_id for r in responses})))}
    by_workspace: dict[int, list[Response]] = defaultdict(list)
    for response in responses:
        by_workspace[response.workspace_id].append(response)
    now = utcnow()
    for workspace_id, group in by_workspace.items():
        catalogue = custom_catalogue(workspace_id)
        results = analyze_comments([r.comment or "" for r in group], catalogue or None)
        found: set[str] = set()
        for response, result in zip(group, results):
            _store(response, surveys[response.survey_id], result)
            response.analyzed_at = now
            found.update(response.themes)
        record_auto_themes(workspace_id, [key for key in found if key not in catalogue])
    db.session.commit()
    return len(responses)


def count_stale(workspace_id: int | None = None) -> int:
    """How many answers were never scored, or scored by an older version or before an edit."""
    query = select(func.count()).select_from(Response).where(_STALE)
    if workspace_id is not None:
        query = query.where(Response.workspace_id == workspace_id)
    return db.session.scalar(query)


def stale_batches(workspace_id: int | None = None, batch_size: int = BATCH_SIZE) -> Iterator[list[int]]:
    """Ids of the answers needing analysis, `batch_size` at a time in id order.

    Walks forward by id, so a batch that could not be scored is not fetched again.
    """
    last_id = 0
    while True:
        query = select(Response.id).where(_STALE, Response.id > last_id).order_by(Response.id).limit(batch_size)
        if workspace_id is not None:
            query = query.where(Response.workspace_id == workspace_id)
        ids = list(db.session.scalars(query))
        if not ids:
            return
        yield ids
        last_id = ids[-1]


def _store(response: Response, survey: Survey, result: CommentAnalysis) -> None:
    response.polarity = result.polarity
    response.subjectivity = result.subjectivity
    response.sentiment_label = result.label
    response.language = result.language
    response.themes = list(dict.fromkeys(theme[:100] for theme in result.themes))
    db.session.execute(delete(ResponseTheme).where(ResponseTheme.response_id == response.id))
    db.session.add_all(ResponseTheme(response_id=response.id, theme=theme) for theme in response.themes)
    response.mismatch_reason = detect_mismatch(survey.kind, response.score, survey.scale_min, survey.scale_max, result)
    response.analysis_version = ANALYSIS_VERSION
