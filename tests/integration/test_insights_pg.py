"""Rollups on PostgreSQL: kept exact by the triggers as answers arrive, change and are deleted.

The same random rows and queries as tests/test_insights_properties.py; here every /metrics
answer is read twice, from the rollups and from the raw tables, and both must equal each other
and the naive reference, before and after edits, deletes and a change of time zone.
"""

from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Invite, MetricRollup, MetricRollupHourly, Response, Workspace
from app.models.rollup_grain import PAIR_GRAINS, TAGGED_SINGLE_GRAINS
from app.scoring.periods import local_date, midnight
from app.services.insights.metrics import metrics
from tests.support.factories import Factory
from tests.support.insights_reference import (
    AGENTS,
    BASE,
    CHANNELS,
    PRIORITIES,
    SEGMENTS,
    SPAN_MINUTES,
    SURVEYS,
    TAGS,
    TEAMS,
    ZONES,
    Row,
    assert_matches,
    create_surveys,
    insert_rows,
    reference,
)

pytestmark = pytest.mark.integration


def random_row(rng: random.Random) -> Row:
    def moment():
        return rng.randrange(SPAN_MINUTES)

    return Row(
        survey=rng.randrange(len(SURVEYS)),
        agent=rng.randrange(len(AGENTS)),
        team=rng.randrange(len(TEAMS)),
        channel=rng.randrange(len(CHANNELS)),
        priority=rng.randrange(len(PRIORITIES)),
        segment=rng.randrange(len(SEGMENTS)),
        tags=rng.sample(TAGS, rng.randrange(3)) + ([TAGS[0]] * rng.randrange(2)),
        sent=None if rng.random() < 0.1 else moment(),
        answered=None if rng.random() < 0.25 else moment(),
        score=rng.randrange(1001),
        polarity=None if rng.random() < 0.3 else round(rng.uniform(-1, 1), 3),
    )


def random_query(rng: random.Random, zone: str, surveys) -> dict:
    a, b = sorted(rng.sample(range(SPAN_MINUTES), 2))
    since, until = BASE + timedelta(minutes=a), BASE + timedelta(minutes=b)
    if rng.random() < 0.5:
        z = ZoneInfo(zone)
        since = midnight(local_date(since, z), z)
        until = max(midnight(local_date(until, z), z), since + timedelta(days=1))
    query = {"since": since, "until": until, "interval": rng.choice(["day", "week", "month"])}
    if rng.random() < 0.5:  # another zone than the workspace's: hourly rollups and cuts inside hours
        query["tz"] = rng.choice(ZONES)
    if rng.random() < 0.3:
        query["survey_id"] = rng.choice(surveys).id
    group = rng.choice([None, "agent", "team", "channel", "priority", "segment", "tag"])
    if group:
        query["group_by"] = group
    for name in rng.sample(sorted(POOLS), rng.randrange(3)):
        query[name] = rng.choice(POOLS[name])
    return query


POOLS = {
    "agent": ["a1", "bob@example.com", "Cy", ""],
    "team": TEAMS[1:],
    "channel": CHANNELS[1:],
    "priority": PRIORITIES[1:],
    "segment": SEGMENTS[1:],
    "tag": TAGS,
}


def two_dimension_query(rng: random.Random, zone: str, surveys) -> dict:
    """A random query naming exactly two dimensions (a grouping and a filter, or two filters): the
    grains of two dimensions answer it (migration 0018)."""
    query = {k: v for k, v in random_query(rng, zone, surveys).items() if k not in POOLS and k != "group_by"}
    first, second = rng.sample(sorted(POOLS), 2)
    if rng.random() < 0.5:
        query["group_by"] = first
    else:
        query[first] = rng.choice(POOLS[first])
    query[second] = rng.choice(POOLS[second])
    return query


def check(app, workspace: Workspace, rows, surveys, rng, count: int) -> None:
    for i in range(count + count // 2):
        make_query = random_query if i < count else two_dimension_query
        query = make_query(rng, workspace.timezone, surveys)
        app.config["METRICS_ROLLUPS"] = True
        from_rollups = metrics(workspace, dict(query))
        app.config["METRICS_ROLLUPS"] = False
        from_raw = metrics(workspace, dict(query))
        app.config["METRICS_ROLLUPS"] = True
        # Any zone reads the rollups (daily, hourly, raw rows under an hour at the cuts); answers
        # filtered by one tag and grouped by tag need the raw rows (a rollup row holds one tag).
        by_tag_within_tag = query.get("group_by") == "tag" and "tag" in query
        assert from_rollups.pop("source") == ("raw" if by_tag_within_tag else "rollup")
        assert from_raw.pop("source") == "raw"
        if from_rollups != from_raw:
            for key in from_raw:
                if from_rollups[key] != from_raw[key]:
                    if isinstance(from_raw[key], list):
                        pairs = [(a, b) for a, b in zip(from_rollups[key], from_raw[key]) if a != b]
                        raise AssertionError((query, key, pairs[:1], len(from_rollups[key]), len(from_raw[key])))
                    raise AssertionError((query, key, from_rollups[key], from_raw[key]))
        assert_matches(from_rollups, reference(rows, surveys, query, workspace.timezone), query)


def rollup_snapshot(workspace_id: int, model=MetricRollup) -> set:
    columns = [c for c in model.__table__.columns if c.name != "label"]
    rows = db.session.execute(select(*columns).where(model.workspace_id == workspace_id)).all()
    measures = {f"s{i}" for i in range(11)} | {"polarity_n", "delivered", "answered"}
    zero = lambda r: all(not v for c, v in zip(columns, r) if c.name in measures)
    return {tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows if not zero(r)}


@pytest.mark.parametrize("seed", [5, 11])
def test_rollups_and_raw_rows_agree_through_edits_deletes_and_a_new_time_zone(pg_app, seed):
    rng = random.Random(seed)
    make = Factory()
    ws = make.workspace(f"Rollups {seed}")
    workspace = db.session.get(Workspace, ws.id)
    workspace.timezone = rng.choice(["Europe/Paris", "America/Santiago", "Australia/Lord_Howe"])
    db.session.commit()
    surveys = create_surveys(ws.id)
    rows = [random_row(rng) for _ in range(250)]
    stored = insert_rows(ws.id, surveys, rows)
    check(pg_app, workspace, rows, surveys, rng, 12)

    # Answers change, get analysed, move; tickets change dimensions; answers and invites go away.
    for i in rng.sample(range(len(rows)), 80):
        row, (invite, response) = rows[i], stored[i]
        action = rng.choice(["score", "polarity", "channel", "tags", "answered", "sent", "unanswer"])
        survey = surveys[row.survey]
        if response is None or action in ("channel", "tags", "sent"):
            if action == "tags":
                row.tags = rng.sample(TAGS, rng.randrange(4))
                invite.tags = list(row.tags)
            elif action == "sent":
                row.sent = rng.randrange(SPAN_MINUTES)
                invite.sent_at = BASE + timedelta(minutes=row.sent)
            else:
                row.channel = rng.randrange(len(CHANNELS))
                invite.channel = CHANNELS[row.channel]
        elif action == "score":
            row.score = rng.randrange(1001)
            response.score = row.score_on(survey.scale_min, survey.scale_max)
        elif action == "polarity":
            row.polarity = round(rng.uniform(-1, 1), 3)
            response.polarity = row.polarity
        elif action == "answered":
            row.answered = rng.randrange(SPAN_MINUTES)
            response.answered_at = invite.answered_at = BASE + timedelta(minutes=row.answered)
        else:
            row.answered = None
            invite.answered_at = None
            db.session.delete(response)
            stored[i] = (invite, None)
        db.session.commit()
    # Many invites changed by one statement each, as the delivery worker records a batch: the
    # invites' UPDATE trigger nets a whole statement at once.
    db.session.expire_all()
    batch = rng.sample(range(len(rows)), 60)
    moved, resent = batch[:30], batch[30:]
    for i in moved:
        rows[i].channel = 0
    db.session.execute(
        text("UPDATE invites SET channel = :channel WHERE id = ANY(:ids)"),
        {"channel": CHANNELS[0], "ids": [stored[i][0].id for i in moved]},
    )
    for i in resent:
        if rows[i].sent is not None:
            rows[i].sent += 150
    db.session.execute(
        text("UPDATE invites SET sent_at = sent_at + interval '150 minutes' WHERE id = ANY(:ids)"),
        {"ids": [stored[i][0].id for i in resent]},
    )
    db.session.commit()
    db.session.expire_all()
    check(pg_app, workspace, rows, surveys, rng, 6)

    doomed = rng.sample(range(len(rows)), 20)
    for i in doomed:
        db.session.delete(stored[i][0])  # the answer goes with it (ON DELETE CASCADE)
    db.session.commit()
    rows = [row for i, row in enumerate(rows) if i not in doomed]
    db.session.expire_all()
    check(pg_app, workspace, rows, surveys, rng, 12)

    # What the triggers kept equals a rebuild from scratch, every grain of two dimensions included.
    incremental = rollup_snapshot(ws.id)
    assert {r[1] for r in incremental} >= set(PAIR_GRAINS) | set(TAGGED_SINGLE_GRAINS)
    hourly = rollup_snapshot(ws.id, MetricRollupHourly)
    db.session.execute(text("SELECT afterword_rollup_rebuild(:ws)"), {"ws": ws.id})
    db.session.execute(text("SELECT afterword_rollup_hourly_rebuild(:ws)"), {"ws": ws.id})
    db.session.commit()
    rebuilt = rollup_snapshot(ws.id)
    assert rebuilt == incremental
    assert hourly and rollup_snapshot(ws.id, MetricRollupHourly) == hourly

    # A new time zone regroups every local day (the workspaces trigger rebuilds in the same transaction).
    workspace.timezone = "Asia/Kolkata" if workspace.timezone != "Asia/Kolkata" else "UTC"
    db.session.commit()
    check(pg_app, workspace, rows, surveys, rng, 8)
    assert rollup_snapshot(ws.id, MetricRollupHourly) == hourly  # a zone moves no UTC hour
    assert db.session.scalar(select(Response.id).where(Response.workspace_id == ws.id).limit(1)) is not None
    assert db.session.scalar(select(Invite.id).where(Invite.workspace_id == ws.id).limit(1)) is not None
