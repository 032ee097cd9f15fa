"""Property tests: every /metrics figure equals a naive Python reference (SQLite, raw path).

Random answers, deliveries, dimensions and tags; random ranges, time zones (DST changes of both
hemispheres, half-hour and 45-minute offsets, midnight transitions), intervals, filters and
groupings. tests/integration/test_insights_pg.py runs the same reference against PostgreSQL with
the rollups on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from app.extensions import db
from app.models import Invite, InviteEvent, Response, Workspace, WorkspaceSettings
from app.scoring.periods import local_date, midnight, offset_segments, period_start, periods, whole_days
from app.services.insights.cells import plan_reads
from app.services.insights.metrics import metrics
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

minutes = st.integers(0, SPAN_MINUTES)
rows_strategy = st.lists(
    st.builds(
        Row,
        survey=st.integers(0, len(SURVEYS) - 1),
        agent=st.integers(0, len(AGENTS) - 1),
        team=st.integers(0, len(TEAMS) - 1),
        channel=st.integers(0, len(CHANNELS) - 1),
        priority=st.integers(0, len(PRIORITIES) - 1),
        segment=st.integers(0, len(SEGMENTS) - 1),
        tags=st.lists(st.sampled_from(TAGS), max_size=3),  # duplicates on purpose
        sent=st.one_of(st.none(), minutes),
        answered=st.one_of(st.none(), minutes),
        score=st.integers(0, 1000),
        polarity=st.one_of(st.none(), st.floats(-1, 1).map(lambda x: round(x, 3))),
    ),
    max_size=40,
)


@st.composite
def queries(draw):
    zone = draw(st.sampled_from(ZONES))
    a, b = sorted(draw(st.lists(minutes, min_size=2, max_size=2, unique=True)))
    since, until = BASE + timedelta(minutes=a), BASE + timedelta(minutes=b)
    if draw(st.booleans()):  # dashboards ask for whole local days: snap to midnights
        z = ZoneInfo(zone)
        since = midnight(local_date(since, z), z)
        until = max(midnight(local_date(until, z), z), since + timedelta(days=1))
    query = {
        "since": since,
        "until": until,
        "interval": draw(st.sampled_from(["day", "week", "month"])),
        "tz": zone if draw(st.booleans()) else None,
    }
    group = draw(st.sampled_from([None, "agent", "team", "channel", "priority", "segment", "tag"]))
    if group:
        query["group_by"] = group
    pools = {
        "agent": ["a1", "bob@example.com", "Cy", ""],
        "team": TEAMS[1:],
        "channel": CHANNELS[1:],
        "priority": PRIORITIES[1:],
        "segment": SEGMENTS[1:],
        "tag": TAGS,
    }
    for name in draw(st.lists(st.sampled_from(sorted(pools)), max_size=2, unique=True)):
        query[name] = draw(st.sampled_from(pools[name]))
    return query, zone


def _reset():
    for model in (Response, InviteEvent, Invite, WorkspaceSettings):
        db.session.execute(delete(model))
    db.session.commit()


@pytest.fixture
def world(app, make):
    ws = make.workspace()
    return ws, create_surveys(ws.id)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=rows_strategy,
    query_zone=queries(),
    survey_pick=st.integers(-1, len(SURVEYS) - 1),
    thresholds=st.sampled_from([{}, {"csat": {"good_points": 1}}, {"ces": {"easy_points": 2}}]),
)
def test_every_figure_matches_the_reference(world, rows, query_zone, survey_pick, thresholds):
    ws, surveys = world
    _reset()
    query, ws_zone = query_zone
    workspace = db.session.get(Workspace, ws.id)
    workspace.timezone = ws_zone
    if thresholds:
        db.session.add(WorkspaceSettings(workspace_id=ws.id, settings={"thresholds": thresholds}))
    db.session.commit()
    insert_rows(ws.id, surveys, rows)
    if survey_pick >= 0:
        query["survey_id"] = surveys[survey_pick].id
    args = {k: v for k, v in query.items() if v is not None}
    view = metrics(workspace, args)
    assert_matches(view, reference(rows, surveys, query, ws_zone, thresholds), query)


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), offset=st.integers(0, 400 * 24 * 3600), length=st.integers(1, 90 * 24 * 3600))
def test_local_days_periods_and_offset_segments_agree_with_zoneinfo(zone, offset, length):
    z = ZoneInfo(zone)
    since = datetime(2025, 9, 1, tzinfo=z).astimezone(ZoneInfo("UTC")) + timedelta(seconds=offset)
    until = since + timedelta(seconds=length)
    # midnight(d) is the first instant of local day d.
    day = local_date(since, z)
    assert local_date(midnight(day, z), z) == day
    assert local_date(midnight(day, z) - timedelta(seconds=1), z) < day
    # Whole days lie inside the range; the edges outside them are shorter than a day each.
    days = whole_days(since, until, z)
    if days:
        d1, d2 = days
        assert since <= midnight(d1, z) and midnight(d2, z) <= until
        assert midnight(d1, z) - since < timedelta(days=1) and until - midnight(d2, z) < timedelta(days=1)
    # The offset segments reproduce zoneinfo's offset at every probe.
    segments = offset_segments(since, until, z)
    for probe in [since + (until - since) * i / 37 for i in range(37)] + [s for s, _ in segments]:
        current = [o for s, o in segments if s <= probe][-1]
        assert current == probe.astimezone(z).utcoffset().total_seconds()
    # Periods tile the range without gaps.
    spans = periods(since, until, z, "week")
    assert spans[0].start == since and spans[-1].end == until
    assert all(a.end == b.start for a, b in zip(spans, spans[1:]))


@settings(max_examples=300, deadline=None)
@given(
    view=st.sampled_from(ZONES),
    workspace_zone=st.sampled_from(ZONES),
    offset=st.integers(0, 400 * 24 * 60),
    length=st.integers(1, 40 * 24 * 60),
    by_day=st.booleans(),
    snap=st.booleans(),
    hourly=st.booleans(),
    interval=st.sampled_from(["day", "week", "month"]),
)
def test_the_read_plan_tiles_the_range_with_whole_rollup_days_and_hours(
    view, workspace_zone, offset, length, by_day, snap, hourly, interval
):
    # What PostgreSQL reads for any zone: the workspace's whole local days, whole UTC hours and,
    # under an hour at each cut, raw rows. Together they must cover the range exactly once, and
    # by day each piece must count for the one period (local day, week, month) of the view's
    # zone it lies in.
    zone, rollup_zone = ZoneInfo(view), ZoneInfo(workspace_zone)
    since = datetime(2025, 9, 1, tzinfo=UTC) + timedelta(minutes=offset)
    until = since + timedelta(minutes=length)
    if snap:
        since = midnight(local_date(since, zone), zone)
        until = max(midnight(local_date(until, zone), zone), since + timedelta(days=1))
    plan = plan_reads(since, until, zone, rollup_zone, by_day, hourly, interval)

    def period(instant):
        return period_start(local_date(instant, zone), interval)

    pieces = [(midnight(d, rollup_zone), midnight(d + timedelta(days=1), rollup_zone)) for d in plan.days]
    pieces += plan.hours + plan.raw
    pieces.sort()
    assert pieces[0][0] == since and pieces[-1][1] == until
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))  # no gap, no overlap
    for start, end in plan.hours:
        assert (
            start.minute == start.second == start.microsecond == 0 and (end - start) % timedelta(hours=1) == timedelta()
        )

    def whole_hours(start, end):
        hour = start.replace(minute=0, second=0, microsecond=0)
        hour += timedelta(hours=1) if hour < start else timedelta()
        while hour + timedelta(hours=1) <= end:
            yield hour
            hour += timedelta(hours=1)

    def straddles_a_cut(hour):
        return period(hour) != period(hour + timedelta(minutes=59, seconds=59))

    for start, end in plan.raw:
        # Raw rows only for what is under an hour at a cut, or for an hour that the start of a
        # period of the view's (half-hour) zone splits.
        assert not hourly or all(by_day and straddles_a_cut(h) for h in whole_hours(start, end)), (start, end)
    for day, label in plan.days.items():
        start, end = midnight(day, rollup_zone), midnight(day + timedelta(days=1), rollup_zone)
        if by_day:
            assert period(start) == period_start(label, interval) == period(end - timedelta(microseconds=1))
        else:
            assert label is None
    if by_day:  # an hour read from the hourly rollup counts for the period it lies in
        assert not any(straddles_a_cut(h) for start, end in plan.hours for h in whole_hours(start, end))
    assert hourly or not plan.hours  # scopes of all five dimensions have no hourly rows
    if view == workspace_zone and snap:  # whole local days of the workspace: no hour, no raw row
        assert not plan.hours and not plan.raw


@settings(max_examples=200, deadline=None)
@given(
    filters=st.sets(st.sampled_from(["agent", "team", "channel", "priority", "segment", "tag"])),
    group_by=st.sampled_from([None, "agent", "team", "channel", "priority", "segment", "tag"]),
    by_group=st.booleans(),
)
def test_every_scope_reads_a_grain_the_rollups_write_and_that_holds_its_dimensions(filters, group_by, by_group):
    # The grain a scope reads must be one the triggers and the rebuild write (else it would read
    # nothing), specific to every dimension it filters or groups by (else a filter could not be
    # applied), and exactly those when they are one or two (else the rows would be split by a
    # dimension nobody asked for, which is exact but not the small grain the read needs).
    from app.models.rollup_grain import GRAIN_BITS
    from app.models.rollup_sql import DAILY, HOURLY, _grains
    from app.services.insights.cells import Scope

    def written(bucket) -> set[int]:
        text = _grains("", bucket)
        return {int(g) for part in text.split("ARRAY[")[1:] for g in part.split("]")[0].split(", ")}

    scope = Scope(1, "UTC", filters=dict.fromkeys(filters, "x"), group_by=group_by)
    dims = set(filters) | ({group_by} if group_by and by_group else set())
    grain = scope.grain(by_group)
    held = {d for d, bit in GRAIN_BITS.items() if grain & bit}
    assert grain in written(DAILY)
    assert dims <= held
    assert len(dims) > 2 or held == dims
    # The hourly rollup holds all, one dimension and one tag; fetch() reads it for those only.
    assert (len(dims) <= 1) == (grain in written(HOURLY))
