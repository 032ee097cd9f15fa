"""Scoring stored answers with the pure analysis package, idempotently and versioned."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    Dialect,
    Integer,
    Row,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    text,
    update,
)

from app.analysis import ANALYSIS_VERSION, CommentAnalysis, analyze_comments, default_theme_keys, detect_mismatch
from app.extensions import db
from app.models import Invite, Response, ResponseTheme, Survey, WebhookEndpoint, Workspace
from app.models.outbound_webhook import EventType
from app.services.answers.theme_catalogue import KEY_LENGTH, catalogue_version, record_auto_themes, workspace_catalogue
from app.services.outbound.events import deliver_soon, record_events, subscribers
from app.services.outbound.payloads import analysis_data, response_data

# Answers per task and per commit: large enough that the per-batch costs (queries, catalogue
# load, commit) vanish next to the analysis itself, small enough to keep a transaction short.
BATCH_SIZE = 200
DEFAULT_KEYS = frozenset(default_theme_keys())


# What analysing an answer reads (with its survey's kind and scale). The worker reads these by
# position (row[0] the id, row[1] the workspace, ... row[7] fresh; SQLite adds updated_at as row[8]):
# a Row's attribute access looks the name up in its key map, ~0.5 us each, and at nine per answer
# that was a sixth of the worker's time outside the analysis.
_READ = (
    Response.id,
    Response.workspace_id,
    Response.score,
    Response.comment,
    Survey.kind,
    Survey.scale_min,
    Survey.scale_max,
    # New or edited text (not a re-score by a newer scorer): what response.analyzed announces.
    or_(Response.analyzed_at.is_(None), Response.analyzed_at < Response.updated_at).label("fresh"),
)

# Whether an answer needs scoring (never scored, by an older scorer, or edited since): the
# answers a backfill re-runs, and which of a batch's answers to score. A removed comment (erasure, retention) keeps its analysis: a
# placeholder has nothing to score.
_STALE = and_(
    Response.comment_removed_at.is_(None),
    or_(
        Response.analysis_version.is_(None),
        Response.analysis_version != ANALYSIS_VERSION,
        Response.analyzed_at.is_(None),
        Response.analyzed_at < Response.updated_at,
    ),
)


def analyze_responses(response_ids: list[int]) -> int:
    """Score the given responses that need it, in one batch and one commit; returns how many.

    Rows another worker is scoring right now are skipped (it will store the same result), so
    overlapping batches never write the same answer's theme rows twice.
    """
    # Plain rows and Core statements on the session's connection rather than ORM objects, a flush
    # or the session's execute (whose ORM layer costs several times the driver per statement):
    # the database work is then a small share of the batch (benchmarks/analysis_db_throughput.py).
    # The catalogue rows this batch may insert reference the workspace, so it takes the workspace
    # row's key-share lock first, before any answer's: a workspace being deleted meanwhile then
    # makes the batch wait (and find its answers gone) instead of deadlocking with the cascade.
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # On PostgreSQL the statements go to the driver's cursor on the session's connection (in
        # the session's transaction): through SQLAlchemy each cost ~0.1 ms more of the worker's CPU
        # (execution context, result metadata, a Row per answer), ~2 us per answer at 200 a batch.
        statements = _pg_statements(connection.dialect)
        cursor = connection.connection.driver_connection.cursor()
        ids_text = "{" + ",".join(map(str, response_ids)) + "}"
        cursor.execute(statements.locked, {**statements.locked_params, "ids": ids_text})
        locks = cursor.fetchall()
        cursor.execute(statements.read, {**statements.read_params, "ids": ids_text})
        rows = cursor.fetchall()
    else:
        cursor = None
        locked, query = _reads(postgres)
        ids = {"ids": list(response_ids)}
        locks = connection.execute(locked, ids).all()
        rows = connection.execute(query, ids).all()
    versions: dict[int, str | None] = {}
    announcing: set[int] = set()  # workspaces with an enabled webhook endpoint
    for workspace_id, version, endpoints in locks:
        versions[workspace_id] = version
        if endpoints:
            announcing.add(workspace_id)
    if not rows:
        if cursor is not None:
            cursor.close()
        db.session.rollback()  # release the row locks
        return 0
    by_workspace: dict[int, list[Row | tuple]] = defaultdict(list)
    for row in rows:
        by_workspace[row[1]].append(row)
    # One list per answer, in _COLUMNS' order: as JSON arrays they cost the worker less to build
    # and dump than objects with their keys (PostgreSQL names the columns in _WRITE_PG).
    updates: list[list] = []
    for workspace_id, group in by_workspace.items():
        catalogue = workspace_catalogue(workspace_id, versions.get(workspace_id))
        # One answer at a time (the usual task) cannot show that a phrase recurs, so every
        # discovered candidate counts (min_mentions 1); /themes shows those that recur.
        results = analyze_comments(
            [row[3] or "" for row in group],
            catalogue.custom or None,
            disabled=catalogue.disabled,
            known=catalogue.known,
        )
        found: set[str] = set()
        for row, result in zip(group, results):
            themes, sentiment = result.themes, result.theme_sentiment
            if themes and max(map(len, themes)) > KEY_LENGTH:
                sentiment = _fitted(result)
                themes = list(sentiment)
            # row: id, workspace, score, comment, kind, scale_min, scale_max (_READ)
            mismatch = detect_mismatch(row[4], row[2], row[5], row[6], result)
            updates.append(
                [
                    row[0],
                    result.polarity,
                    result.subjectivity,
                    result.label,
                    result.language,
                    themes,
                    sentiment,
                    mismatch,
                ]
            )
            found.update(themes)
        record_auto_themes(
            workspace_id, [key for key in found if key not in catalogue.keys and key not in DEFAULT_KEYS]
        )
    if cursor is not None:
        cursor.execute(statements.write, {"rows": json.dumps(updates), "version": ANALYSIS_VERSION})
        cursor.close()
    else:
        _write_sqlite(connection, rows, updates)
    _announce(rows, updates, announcing)
    db.session.commit()
    deliver_soon()
    return len(rows)


@cache
def _reads(postgres: bool) -> tuple[Select, Select]:
    """The batch's two reads, built once per dialect (building them was a tenth of the worker's
    own time per batch), over the answers' ids as the parameter `ids`.

    On PostgreSQL `= ANY(array)`: an IN list of 200 literals makes a different statement for
    every batch, which the driver then parses anew each time. The array goes as its text
    ('{1,2,3}'), which the server casts: the driver dumps a list element by element in Python,
    which was a tenth of the worker's own time.
    """
    if postgres:
        wanted = Response.id == any_(cast(bindparam("ids", type_=Text), ARRAY(Integer)))
    else:
        wanted = Response.id.in_(bindparam("ids", expanding=True))
    workspace_ids = select(Response.workspace_id).where(wanted).distinct()
    # The same statement reads each workspace's catalogue version (PostgreSQL): a worker then
    # reuses the catalogue it read for the previous batch while nothing in it changed.
    version = catalogue_version() if postgres else null()
    # And whether the workspace has any enabled webhook endpoint: most have none, and then the
    # batch asks nothing more about response.analyzed (subscribers() is an ORM statement a batch).
    endpoints = (
        select(WebhookEndpoint.id)
        .where(WebhookEndpoint.workspace_id == Workspace.id, WebhookEndpoint.enabled.is_(True))
        .exists()
    )
    locked = (
        select(Workspace.id, version, endpoints)
        .where(Workspace.id.in_(workspace_ids))
        .with_for_update(key_share=True, of=Workspace)
    )
    # The answers that need it, locked; on PostgreSQL the UPDATE stamps analyzed_at from the
    # locked row itself, so only SQLite reads updated_at (timestamps are the dearest columns to read).
    read = _READ if postgres else (*_READ, Response.updated_at)
    query = (
        select(*read)
        .join(Survey, Survey.id == Response.survey_id)
        .where(wanted, _STALE)
        .order_by(Response.id)
        .with_for_update(skip_locked=True, of=Response)
    )
    return locked, query


class _PgStatements(NamedTuple):
    """The batch's statements as the driver takes them: SQL with %(name)s parameters, and the
    values of the parameters SQLAlchemy bound when compiling (the analysis version)."""

    locked: str
    locked_params: dict
    read: str
    read_params: dict
    write: str


@lru_cache(maxsize=8)
def _pg_statements(dialect: Dialect) -> _PgStatements:
    """_reads(True) and _WRITE_PG compiled once for the engine's dialect (with the casts it renders)."""
    locked, query = (statement.compile(dialect=dialect) for statement in _reads(True))
    return _PgStatements(
        locked.string,
        {k: v for k, v in locked.params.items() if k != "ids"},
        query.string,
        {k: v for k, v in query.params.items() if k != "ids"},
        _WRITE_PG.compile(dialect=dialect).string,
    )


# The columns of one answer's update, in the order analyze_responses lists them.
_COLUMNS = (
    "row_id",
    "polarity",
    "subjectivity",
    "sentiment_label",
    "language",
    "themes",
    "theme_sentiment",
    "mismatch_reason",
)

# Both stamp analyzed_at with the version of the text that was read, not the clock: an edit that
# commits while this batch holds the row gets a later updated_at, so its own task still re-scores
# it. (The row is locked since it was read, so on PostgreSQL its updated_at is still that one.)
# On PostgreSQL a batch's writes are one statement over one JSON document, an array per answer
# (_COLUMNS): not an executemany of one UPDATE per answer, nor one array per column (the driver
# dumps arrays element by element in Python, which was a fifth of the worker's CPU time, while
# json.dumps is one C call), nor three statements (each costs the worker more than its rows do).
# An answer's theme rows are read from its own themes and theme_sentiment, so the worker neither
# builds nor sends them twice. The rollup triggers are FOR EACH ROW, so they see the same updates.
# The old theme rows are deleted before the new ones go in (the INSERT waits for the count of
# deleted rows): a new row may repeat an old one's (response_id, theme).
_WRITE_PG = text("""
WITH v AS (
    SELECT CAST(e ->> 0 AS integer) AS row_id, CAST(e ->> 1 AS double precision) AS polarity,
           CAST(e ->> 2 AS double precision) AS subjectivity, e ->> 3 AS sentiment_label,
           e ->> 4 AS language, e -> 5 AS themes, e -> 6 AS theme_sentiment, e ->> 7 AS mismatch_reason
    FROM json_array_elements(CAST(:rows AS json)) AS e
), scored AS (
    UPDATE responses AS r
    SET polarity = v.polarity, subjectivity = v.subjectivity, sentiment_label = v.sentiment_label,
        language = v.language, themes = v.themes, theme_sentiment = v.theme_sentiment,
        mismatch_reason = v.mismatch_reason,
        analysis_version = :version, analyzed_at = r.updated_at
    FROM v
    WHERE r.id = v.row_id
), gone AS (
    DELETE FROM response_themes WHERE response_id IN (SELECT row_id FROM v) RETURNING 1
)
INSERT INTO response_themes (response_id, theme, polarity)
SELECT v.row_id, t.theme, CAST(v.theme_sentiment ->> t.theme AS double precision)
FROM v CROSS JOIN LATERAL json_array_elements_text(v.themes) AS t(theme)
WHERE (SELECT count(*) FROM gone) >= 0
""")


def _write_sqlite(connection, rows: list[Row], updates: list[list]) -> None:
    """The same writes as _WRITE_PG, as three statements (analyzed_at from the row read)."""
    responses, response_themes = Response.__table__, ResponseTheme.__table__
    read_at = {row[0]: row[8] for row in rows}
    values = []
    theme_rows = []
    for update_ in updates:
        named = dict(zip(_COLUMNS, update_), analysis_version=ANALYSIS_VERSION, analyzed_at=read_at[update_[0]])
        values.append(named)
        sentiment = named["theme_sentiment"]
        theme_rows += (
            {"response_id": named["row_id"], "theme": theme, "polarity": sentiment[theme]} for theme in named["themes"]
        )
    connection.execute(update(responses).where(responses.c.id == bindparam("row_id")), values)
    connection.execute(delete(response_themes).where(response_themes.c.response_id.in_(list(read_at))))
    if theme_rows:
        connection.execute(insert(response_themes), theme_rows)


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
    # One statement, run per batch with the last id as its parameter, as Core on the session's
    # connection (the session's ORM execute cost several times the driver's, per batch).
    query = select(Response.id).where(_STALE, Response.id > bindparam("last_id")).order_by(Response.id)
    if workspace_id is not None:
        query = query.where(Response.workspace_id == workspace_id)
    query = query.limit(batch_size)
    last_id = 0
    while True:
        ids = db.session.connection().execute(query, {"last_id": last_id}).scalars().all()
        if not ids:
            return
        yield ids
        last_id = ids[-1]


def _fitted(result: CommentAnalysis) -> dict[str, float | None]:
    """An answer's theme sentiment with keys that fit the column (custom keys are already short),
    for an answer with a key longer than that; the primary theme stays first, and its keys are
    the answer's themes. (Otherwise the sentiment's keys are the themes, in their order.)"""
    sentiment: dict[str, float | None] = {}
    for theme in result.themes:
        sentiment.setdefault(theme[:KEY_LENGTH], result.theme_sentiment.get(theme))
    return sentiment


def _announce(rows: list[Row], updates: list[list], announcing: set[int]) -> None:
    """response.analyzed for each answer whose text (new or edited) was scored here, in this
    transaction. A re-score by a new scorer version announces nothing: the answer did not change.
    `announcing`: the batch's workspaces with an enabled endpoint, read with their lock."""
    if not announcing:
        return
    fresh = {row[0]: row[1] for row in rows if row[7] and row[1] in announcing}  # id -> workspace
    subscribed = subscribers(db.session, set(fresh.values()), EventType.RESPONSE_ANALYZED)
    wanted = [response_id for response_id, workspace_id in fresh.items() if workspace_id in subscribed]
    if not wanted:
        return
    values = {v[0]: dict(zip(_COLUMNS, v)) for v in updates}
    pairs = db.session.execute(
        select(Response, Invite).join(Invite, Invite.id == Response.invite_id).where(Response.id.in_(wanted))
    )
    items = [
        (response.workspace_id, response_data(response, invite, analysis_data(values[response.id])))
        for response, invite in pairs
    ]
    record_events(db.session, EventType.RESPONSE_ANALYZED, items, subscribed)
