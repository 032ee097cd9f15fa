"""Scoring stored answers with the pure analysis package, idempotently and versioned."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import Row, bindparam, delete, func, insert, or_, select, text, update

from app.analysis import ANALYSIS_VERSION, CommentAnalysis, analyze_comments, default_theme_keys, detect_mismatch
from app.extensions import db
from app.models import Invite, Response, ResponseTheme, Survey, Workspace
from app.models.outbound_webhook import EventType
from app.services.answers.theme_catalogue import record_auto_themes, workspace_catalogue
from app.services.outbound.events import deliver_soon, record_events, subscribers
from app.services.outbound.payloads import analysis_data, response_data

# Answers per task and per commit: large enough that the per-batch costs (queries, catalogue
# load, commit) vanish next to the analysis itself, small enough to keep a transaction short.
BATCH_SIZE = 200
DEFAULT_KEYS = frozenset(default_theme_keys())


def needs_analysis(response: Response | Row) -> bool:
    """True unless the current scorer already scored the current text."""
    return (
        response.analysis_version != ANALYSIS_VERSION
        or response.analyzed_at is None
        or response.analyzed_at < response.updated_at
    )


# What analysing an answer reads.
_READ = (
    Response.id,
    Response.workspace_id,
    Response.survey_id,
    Response.score,
    Response.comment,
    Response.analysis_version,
    Response.analyzed_at,
    Response.updated_at,
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
    # Plain rows and Core statements (executemany) rather than ORM objects and a flush: the
    # database work is then a small share of the batch (benchmarks/analysis_db_throughput.py).
    # The catalogue rows this batch may insert reference the workspace, so it takes the workspace
    # row's key-share lock first, before any answer's: a workspace being deleted meanwhile then
    # makes the batch wait (and find its answers gone) instead of deadlocking with the cascade.
    workspace_ids = select(Response.workspace_id).where(Response.id.in_(response_ids)).distinct()
    db.session.execute(select(Workspace.id).where(Workspace.id.in_(workspace_ids)).with_for_update(key_share=True))
    query = select(*_READ).where(Response.id.in_(response_ids)).order_by(Response.id).with_for_update(skip_locked=True)
    rows = [row for row in db.session.execute(query) if needs_analysis(row)]
    if not rows:
        db.session.rollback()  # release the row locks
        return 0
    survey_columns = select(Survey.id, Survey.kind, Survey.scale_min, Survey.scale_max)
    surveys = {s.id: s for s in db.session.execute(survey_columns.where(Survey.id.in_({r.survey_id for r in rows})))}
    by_workspace: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_workspace[row.workspace_id].append(row)
    updates: list[dict] = []
    theme_rows: list[dict] = []
    for workspace_id, group in by_workspace.items():
        catalogue = workspace_catalogue(workspace_id)
        # One answer at a time (the usual task) cannot show that a phrase recurs, so every
        # discovered candidate counts (min_mentions 1); /themes shows those that recur.
        results = analyze_comments(
            [row.comment or "" for row in group],
            catalogue.custom or None,
            disabled=catalogue.disabled,
            known=catalogue.known,
        )
        found: set[str] = set()
        for row, result in zip(group, results):
            values = _values(row, surveys[row.survey_id], result)
            # Stamp the version of the text that was read, not the clock: an edit that commits while
            # this batch holds the row gets a later updated_at, so its own task still re-scores it.
            values["analyzed_at"] = row.updated_at
            updates.append(values)
            theme_rows += (
                {"response_id": row.id, "theme": theme, "polarity": values["theme_sentiment"].get(theme)}
                for theme in values["themes"]
            )
            found.update(values["themes"])
        record_auto_themes(
            workspace_id, [key for key in found if key not in catalogue.keys and key not in DEFAULT_KEYS]
        )
    response_themes = ResponseTheme.__table__
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        _update_postgres(updates)
    else:
        responses = Response.__table__
        db.session.execute(update(responses).where(responses.c.id == bindparam("row_id")), updates)
    db.session.execute(delete(response_themes).where(response_themes.c.response_id.in_([r.id for r in rows])))
    if theme_rows and postgres:
        db.session.execute(
            _INSERT_THEMES_PG,
            {
                "response_id": [t["response_id"] for t in theme_rows],
                "theme": [t["theme"] for t in theme_rows],
                "polarity": [t["polarity"] for t in theme_rows],
            },
        )
    elif theme_rows:
        db.session.execute(insert(response_themes), theme_rows)
    _announce(rows, updates)
    db.session.commit()
    deliver_soon()
    return len(rows)


def _announce(rows: list[Row], updates: list[dict]) -> None:
    """response.analyzed for each answer whose text (new or edited) was scored here, in this
    transaction. A re-score by a new scorer version announces nothing: the answer did not change."""
    fresh = {row.id: row for row in rows if row.analyzed_at is None or row.analyzed_at < row.updated_at}
    subscribed = subscribers(db.session, {row.workspace_id for row in fresh.values()}, EventType.RESPONSE_ANALYZED)
    wanted = [response_id for response_id, row in fresh.items() if row.workspace_id in subscribed]
    if not wanted:
        return
    values = {v["row_id"]: v for v in updates}
    pairs = db.session.execute(
        select(Response, Invite).join(Invite, Invite.id == Response.invite_id).where(Response.id.in_(wanted))
    )
    items = [
        (response.workspace_id, response_data(response, invite, analysis_data(values[response.id])))
        for response, invite in pairs
    ]
    record_events(db.session, EventType.RESPONSE_ANALYZED, items, subscribed)


# On PostgreSQL a batch's rows go as one statement over arrays (unnest), not as an executemany of
# one UPDATE per answer: the driver's per-statement work was a third of the worker's CPU time.
# The rollup triggers are FOR EACH ROW, so they see the same row updates either way.
_UPDATE_PG = text("""
UPDATE responses AS r
SET polarity = v.polarity, subjectivity = v.subjectivity, sentiment_label = v.sentiment_label,
    language = v.language, themes = v.themes, theme_sentiment = v.theme_sentiment,
    mismatch_reason = v.mismatch_reason,
    analysis_version = v.analysis_version, analyzed_at = v.analyzed_at
FROM unnest(CAST(:row_id AS integer[]), CAST(:polarity AS double precision[]),
            CAST(:subjectivity AS double precision[]), CAST(:sentiment_label AS text[]),
            CAST(:language AS text[]), CAST(:themes AS json[]), CAST(:theme_sentiment AS json[]),
            CAST(:mismatch_reason AS text[]), CAST(:analysis_version AS integer[]),
            CAST(:analyzed_at AS timestamptz[]))
    AS v(row_id, polarity, subjectivity, sentiment_label, language, themes, theme_sentiment,
         mismatch_reason, analysis_version, analyzed_at)
WHERE r.id = v.row_id
""")
_INSERT_THEMES_PG = text("""
INSERT INTO response_themes (response_id, theme, polarity)
SELECT * FROM unnest(CAST(:response_id AS integer[]), CAST(:theme AS text[]),
                     CAST(:polarity AS double precision[]))
""")
_UPDATE_COLUMNS = (
    "row_id",
    "polarity",
    "subjectivity",
    "sentiment_label",
    "language",
    "themes",
    "theme_sentiment",
    "mismatch_reason",
    "analysis_version",
    "analyzed_at",
)


def _update_postgres(updates: list[dict]) -> None:
    params = {name: [values[name] for values in updates] for name in _UPDATE_COLUMNS}
    # What the JSON column's bind processor would send; UTCDateTime's aware datetimes go as they are.
    params["themes"] = [json.dumps(themes) for themes in params["themes"]]
    params["theme_sentiment"] = [json.dumps(sentiment) for sentiment in params["theme_sentiment"]]
    db.session.execute(_UPDATE_PG, params)


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


def _values(row: Row, survey: Row, result: CommentAnalysis) -> dict:
    """The analysis columns of one answer, as an UPDATE's parameters."""
    # Keys fit the column (custom keys are already short); the primary theme stays first.
    sentiment: dict[str, float | None] = {}
    for theme in result.themes:
        sentiment.setdefault(theme[:100], result.theme_sentiment.get(theme))
    return {
        "row_id": row.id,
        "polarity": result.polarity,
        "subjectivity": result.subjectivity,
        "sentiment_label": result.label,
        "language": result.language,
        "themes": list(sentiment),
        "theme_sentiment": sentiment,
        "mismatch_reason": detect_mismatch(survey.kind, row.score, survey.scale_min, survey.scale_max, result),
        "analysis_version": ANALYSIS_VERSION,
    }
