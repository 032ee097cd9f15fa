"""Counts behind every figure: answers by score and deliveries, per local day, group and survey.

Two sources give the same cells. `raw` aggregates the responses and invites tables; the
rollups (PostgreSQL, kept by triggers) answer everything else: `plan_reads` cuts the range into
the workspace's local days wholly inside it (metric_rollups), whole UTC hours
(metric_rollups_hourly) and what is left, under an hour at each cut (raw rows). Any time zone is
served so: its local days are cut at its own midnights, and a day of a half-hour or quarter-hour
zone is whole hours plus two partial hours. Any mix of filters and grouping has a grain.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, exists, func, literal, or_, select, text, true
from sqlalchemy.sql import ColumnElement

from app.extensions import db
from app.models import Invite, MetricRollup, MetricRollupHourly, Response
from app.models.rollup_grain import GRAIN_BITS, SCORE_SLOTS, grain_of
from app.models.rollup_sql import agent_key
from app.scoring.periods import local_date, midnight, next_period, offset_segments, period_start, whole_days

FILTER_DIMENSIONS = ("agent", "team", "channel", "priority", "segment", "tag")
# The grains metric_rollups_hourly holds: all, one dimension, one tag.
_HOURLY_GRAINS = (0, *(GRAIN_BITS[d] for d in FILTER_DIMENSIONS))


@dataclass
class Cell:
    counts: list[int] = field(default_factory=lambda: [0] * SCORE_SLOTS)
    polarity_sum: float = 0.0
    polarity_n: int = 0
    delivered: int = 0
    answered: int = 0
    label: str | None = None

    @property
    def n(self) -> int:
        return sum(self.counts)

    def add(self, other: Cell) -> None:
        for i, c in enumerate(other.counts):
            self.counts[i] += c
        self.polarity_sum += other.polarity_sum
        self.polarity_n += other.polarity_n
        self.delivered += other.delivered
        self.answered += other.answered
        self.label = self.label or other.label


# (local day or None, group key or None, survey id) -> Cell
Cells = dict[tuple[date | None, str | None, int], Cell]


@dataclass(frozen=True)
class Scope:
    """Whose answers, seen from which time zone, filtered and grouped how."""

    workspace_id: int
    zone_name: str
    survey_id: int | None = None
    filters: dict[str, str] = field(default_factory=dict)
    group_by: str | None = None
    use_rollups: bool = False
    # The workspace's zone, whose local days metric_rollups holds (None: the same as zone_name).
    rollup_zone_name: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    @property
    def rollup_zone(self) -> ZoneInfo:
        return ZoneInfo(self.rollup_zone_name or self.zone_name)

    def grain(self, by_group: bool = True) -> int:
        """The rollup grain holding this scope's filters (and grouping, when grouped): one or two
        dimensions have a grain of their own, more read the all-five rows.

        Totals never read a tag grain unless filtered by tag: an answer with two tags has a
        row under each.
        """
        return grain_of(set(self.filters) | ({self.group_by} if self.group_by and by_group else set()))


def without_jit() -> None:
    """Turn PostgreSQL's JIT off for this transaction. The report queries (drivers, themes) read
    tens of thousands of rows through CASE expressions whose estimated cost passes jit_above_cost;
    compiling them took 0.5–0.9 s, longer than running them (benchmarks/dashboard_pages.py, 1 M
    answers, 30 days)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def fetch(scope: Scope, since: datetime, until: datetime, by_day: bool, by_group: bool, interval: str = "day") -> Cells:
    """The cells for [since, until): from the rollups where they can answer, else from the raw rows.

    By day with a wider `interval` (week, month), a cell's day is one of the local days of the
    period it counts for, not always its own: enough for a series by period, and the range is cut
    only at the periods' starts (a week in another zone is then mostly whole workspace days)."""
    out: Cells = defaultdict(Cell)
    by_group = by_group and scope.group_by is not None
    if not scope.use_rollups:
        _merge(out, raw_cells(scope, since, until, by_day, by_group))
        return out
    # The hourly rollup holds the grains of one dimension only (see app/models/rollup_sql.py).
    hourly = scope.grain(by_group) in _HOURLY_GRAINS
    plan = plan_reads(since, until, scope.zone, scope.rollup_zone, by_day, hourly, interval)
    if plan.days:
        _merge(out, rollup_cells(scope, plan.days, by_day, by_group))
    if plan.hours:
        _merge(out, hourly_cells(scope, plan.hours, by_day, by_group))
    if plan.raw:
        _merge(out, raw_cells(scope, since, until, by_day, by_group, spans=plan.raw))
    return out


# --- what each source reads -------------------------------------------------------------------

Span = tuple[datetime, datetime]  # [start, end), UTC


@dataclass
class ReadPlan:
    """[since, until) cut into pieces each source answers exactly; together they tile the range.

    `days` maps each workspace-local day read from metric_rollups to the local day (in the view's
    zone) it counts for, or None when not by day; `hours` are whole UTC hours; `raw` the rest."""

    days: dict[date, date | None] = field(default_factory=dict)
    hours: list[Span] = field(default_factory=list)
    raw: list[Span] = field(default_factory=list)


def plan_reads(
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
    rollup_zone: ZoneInfo,
    by_day: bool,
    hourly: bool = True,
    interval: str = "day",
) -> ReadPlan:
    """Whole rollup days first, whole hours at their edges (`hourly`, else raw rows), raw rows for
    what is under an hour.

    By day, the range is first cut where the view zone's periods (`interval`) start, so every
    piece counts for one period, labelled by its first local day; a workspace day lies inside a
    piece unless it straddles a cut (another zone's midnight), then it is read as its hours.
    """
    plan = ReadPlan()
    for start, end in _local_periods(since, until, zone, interval) if by_day else [(since, until)]:
        label = local_date(start, zone) if by_day else None
        days = whole_days(start, end, rollup_zone)
        if days is None:
            _hours_and_raw(plan, start, end, hourly)
            continue
        d1, d2 = days
        d = d1
        while d < d2:
            plan.days[d] = label
            d += timedelta(days=1)
        _hours_and_raw(plan, start, midnight(d1, rollup_zone), hourly)
        _hours_and_raw(plan, midnight(d2, rollup_zone), end, hourly)
    plan.hours, plan.raw = _joined(plan.hours), _joined(plan.raw)
    return plan


def _local_periods(since: datetime, until: datetime, zone: ZoneInfo, interval: str) -> list[Span]:
    """[since, until) cut at the start of each of the zone's periods inside it."""
    cuts, day = [since], period_start(local_date(since, zone), interval)
    while True:
        day = next_period(day, interval)
        cut = midnight(day, zone)
        if cut >= until:
            break
        if cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(until)
    return list(zip(cuts, cuts[1:]))


def _hours_and_raw(plan: ReadPlan, start: datetime, end: datetime, hourly: bool) -> None:
    if start >= end:
        return
    h1 = _hour_ceiling(start)
    h2 = _hour_floor(end)
    if h1 >= h2 or not hourly:
        plan.raw.append((start, end))
        return
    plan.hours.append((h1, h2))
    if start < h1:
        plan.raw.append((start, h1))
    if h2 < end:
        plan.raw.append((h2, end))


def _hour_floor(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return at.replace(minute=0, second=0, microsecond=0)


def _hour_ceiling(at: datetime) -> datetime:
    floor = _hour_floor(at)
    return floor if floor == at else floor + timedelta(hours=1)


def _joined(spans: list[Span]) -> list[Span]:
    """Spans sorted, those that touch made one (fewer ranges for the planner to OR)."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and out[-1][1] >= start:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _merge(into: Cells, cells: Cells) -> None:
    for key, cell in cells.items():
        into[key].add(cell)


# --- raw rows ---------------------------------------------------------------------------------


def dimension(name: str) -> ColumnElement:
    if name == "agent":
        return agent_key()
    column = {
        "team": Invite.team,
        "channel": Invite.channel,
        "priority": Invite.priority,
        "segment": Invite.customer_segment,
    }[name]
    return func.coalesce(column, "")


def tag_values():
    """The invite's tags as a table-valued function (one row per tag)."""
    if db.engine.dialect.name == "postgresql":
        return func.json_array_elements_text(Invite.tags).table_valued("value").render_derived()
    return func.json_each(Invite.tags).table_valued("value")


def has_tag(tag: str) -> ColumnElement:
    tags = tag_values()
    return exists(select(literal(1)).select_from(tags).where(tags.c.value == tag))


def invite_filters(filters: dict[str, str]) -> list[ColumnElement]:
    clauses = []
    for name, value in filters.items():
        clauses.append(has_tag(value) if name == "tag" else dimension(name) == value)
    return clauses


def local_day(column, scope: Scope, since: datetime, until: datetime) -> ColumnElement:
    """The local date of a UTC column, in SQL: AT TIME ZONE on PostgreSQL, offset segments elsewhere."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone(scope.zone_name, column), Date)
    segments = offset_segments(since, until, scope.zone)
    shifted = [func.date(column, f"{offset:+d} seconds") for _, offset in segments]
    if len(segments) == 1:
        return shifted[0]
    whens = [(column < start, expr) for (start, _), expr in zip(segments[1:], shifted[:-1])]
    return case(*whens, else_=shifted[-1])


def raw_cells(
    scope: Scope, since: datetime, until: datetime, by_day: bool, by_group: bool, spans: list[Span] | None = None
) -> Cells:
    """Cells from the raw rows of [since, until), or of only `spans` inside it."""
    out: Cells = defaultdict(Cell)
    spans = spans or [(since, until)]
    for (day, key, survey_id), cell in _raw_answers(scope, since, until, spans, by_day, by_group):
        out[(day, key, survey_id)].add(cell)
    for (day, key, survey_id), cell in _raw_deliveries(scope, since, until, spans, by_day, by_group):
        out[(day, key, survey_id)].add(cell)
    return out


def _within(column, spans: list[Span]) -> ColumnElement:
    return or_(*(and_(column >= start, column < end) for start, end in spans))


def _grouped_rows(scope: Scope, source, columns: list, at, where: list, by_group: bool):
    """One source's rows in scope as a subquery with `at`, `key` (the group) and `name` (the agent's)."""
    key = literal("")
    tags = None
    if by_group and scope.group_by == "tag":
        tags = tag_values()
        key = tags.c.value
    elif by_group:
        key = dimension(scope.group_by)
    query = select(*columns, at.label("at"), key.label("key"), Invite.agent_name.label("name")).select_from(source)
    if tags is not None:
        query = query.join(tags, true()).distinct()  # a tag listed twice counts once
    query = query.where(*where, *invite_filters(scope.filters))
    return query.subquery()


def _grouping(rows, scope: Scope, since: datetime, until: datetime, by_day: bool, by_group: bool) -> list:
    keys = [rows.c.survey_id]
    if by_day:
        keys.append(local_day(rows.c.at, scope, since, until).label("day"))
    if by_group:
        keys.append(rows.c.key)
    return keys


def _split(row, keys: list, by_day: bool, by_group: bool):
    day = _as_date(row[1]) if by_day else None
    key = row[len(keys) - 1] if by_group else None
    return (day, key, row[0]), row[len(keys) :]


def _raw_answers(scope, since, until, spans, by_day, by_group):
    where = [Response.workspace_id == scope.workspace_id, _within(Response.answered_at, spans)]
    if scope.survey_id is not None:
        where.append(Response.survey_id == scope.survey_id)
    source = Response.__table__.join(Invite.__table__, Invite.id == Response.invite_id)
    rows = _grouped_rows(
        scope,
        source,
        [Response.id, Response.survey_id, Response.score, Response.polarity],
        Response.answered_at,
        where,
        by_group,
    )
    keys = _grouping(rows, scope, since, until, by_day, by_group)
    query = select(
        *keys, rows.c.score, func.count(), func.sum(rows.c.polarity), func.count(rows.c.polarity), func.max(rows.c.name)
    ).group_by(*keys, rows.c.score)
    for row in db.session.execute(query):
        key, (score, count, pol_sum, pol_n, name) = _split(row, keys, by_day, by_group)
        cell = Cell(polarity_sum=pol_sum or 0.0, polarity_n=pol_n, label=name if scope.group_by == "agent" else None)
        if 0 <= score < SCORE_SLOTS:
            cell.counts[score] = count
        yield key, cell


def _raw_deliveries(scope, since, until, spans, by_day, by_group):
    where = [Invite.workspace_id == scope.workspace_id, _within(Invite.sent_at, spans)]
    if scope.survey_id is not None:
        where.append(Invite.survey_id == scope.survey_id)
    rows = _grouped_rows(
        scope,
        Invite.__table__,
        [Invite.id, Invite.survey_id, Invite.answered_at.label("answered")],
        Invite.sent_at,
        where,
        by_group,
    )
    keys = _grouping(rows, scope, since, until, by_day, by_group)
    query = select(*keys, func.count(), func.count(rows.c.answered), func.max(rows.c.name)).group_by(*keys)
    for row in db.session.execute(query):
        key, (delivered, answered, name) = _split(row, keys, by_day, by_group)
        yield key, Cell(delivered=delivered, answered=answered, label=name if scope.group_by == "agent" else None)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# --- rollups ----------------------------------------------------------------------------------


def rollup_cells(scope: Scope, days: dict[date, date | None], by_day: bool, by_group: bool) -> Cells:
    """Cells from metric_rollups for `days` (workspace-local days, each mapped to the view's day)."""
    r = MetricRollup
    ranges = _day_ranges(sorted(days))
    in_range = or_(*(and_(r.day >= d1, r.day < d2) for d1, d2 in ranges))
    out: Cells = defaultdict(Cell)
    for (day, key, survey_id), cell in _rollup_rows(scope, r, r.day, in_range, by_day, by_group):
        out[(days[day] if by_day else None, key, survey_id)].add(cell)
    return out


def hourly_cells(scope: Scope, hours: list[Span], by_day: bool, by_group: bool) -> Cells:
    """Cells from metric_rollups_hourly for whole UTC hours, by the view zone's local day."""
    r = MetricRollupHourly
    day = cast(func.timezone(scope.zone_name, r.hour), Date)
    return dict(_rollup_rows(scope, r, day, _within(r.hour, hours), by_day, by_group))


def _day_ranges(days: list[date]) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    for d in days:
        if ranges and ranges[-1][1] == d:
            ranges[-1] = (ranges[-1][0], d + timedelta(days=1))
        else:
            ranges.append((d, d + timedelta(days=1)))
    return ranges


def _rollup_rows(scope: Scope, r, day, in_range, by_day: bool, by_group: bool):
    keys = [r.survey_id]
    if by_day:
        keys.append(day)
    if by_group:
        keys.append(getattr(r, scope.group_by))
    sums = [func.sum(getattr(r, f"s{i}")) for i in range(SCORE_SLOTS)]
    query = (
        select(
            *keys,
            *sums,
            func.sum(r.polarity_sum),
            func.sum(r.polarity_n),
            func.sum(r.delivered),
            func.sum(r.answered),
            func.max(r.label),
        )
        .where(r.workspace_id == scope.workspace_id, r.grain == scope.grain(by_group), in_range)
        .group_by(*keys)
    )
    if scope.survey_id is not None:
        query = query.where(r.survey_id == scope.survey_id)
    for name, value in scope.filters.items():
        query = query.where(getattr(r, name) == value)
    for row in db.session.execute(query):
        survey_id = row[0]
        day_value = row[1] if by_day else None
        key = row[len(keys) - 1] if by_group else None
        values = row[len(keys) :]
        counts = [int(c or 0) for c in values[:SCORE_SLOTS]]
        pol_sum, pol_n, delivered, answered, label = values[SCORE_SLOTS:]
        if not any(counts) and not pol_n and not delivered and not answered:
            # Rows whose facts were all taken out again (answers moved or deleted) stay at zero:
            # they are no group, exactly as the raw rows would show.
            continue
        yield (
            (day_value, key, survey_id),
            Cell(
                counts,
                float(pol_sum or 0),
                int(pol_n or 0),
                int(delivered or 0),
                int(answered or 0),
                label if scope.group_by == "agent" else None,
            ),
        )
