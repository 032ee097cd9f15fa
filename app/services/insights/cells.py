"""Counts behind every figure: answers by score and deliveries, per local day, group and survey.

Two sources give the same cells. `raw` aggregates the responses and invites tables; `rollup`
reads metric_rollups (PostgreSQL, kept by triggers) for the local days wholly inside the range
and the raw tables for the partial days at its edges. `fetch` picks the rollup whenever it can
answer: the workspace's own time zone (any mix of filters and grouping has a grain).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, cast, exists, func, literal, select, text, true
from sqlalchemy.sql import ColumnElement

from app.extensions import db
from app.models import Invite, MetricRollup, Response
from app.models.rollup_grain import FULL_GRAIN, GRAIN_BITS, SCORE_SLOTS, TAGGED_FULL_GRAIN
from app.models.rollup_sql import agent_key
from app.scoring.periods import midnight, offset_segments, whole_days

FILTER_DIMENSIONS = ("agent", "team", "channel", "priority", "segment", "tag")


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

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def grain(self, by_group: bool = True) -> int:
        """The rollup grain holding this scope's filters (and grouping, when grouped).

        Totals never read a tag grain unless filtered by tag: an answer with two tags has a
        row under each.
        """
        dims = set(self.filters) | ({self.group_by} if self.group_by and by_group else set())
        if not dims:
            return 0
        if len(dims) == 1:
            return GRAIN_BITS[dims.pop()]
        return TAGGED_FULL_GRAIN if "tag" in dims else FULL_GRAIN


def without_jit() -> None:
    """Turn PostgreSQL's JIT off for this transaction. The report queries (drivers, themes) read
    tens of thousands of rows through CASE expressions whose estimated cost passes jit_above_cost;
    compiling them took 0.5–0.9 s, longer than running them (benchmarks/dashboard_pages.py, 1 M
    answers, 30 days)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def fetch(scope: Scope, since: datetime, until: datetime, by_day: bool, by_group: bool) -> Cells:
    """The cells for [since, until): from the rollup where it can answer, else from the raw rows."""
    out: Cells = defaultdict(Cell)
    by_group = by_group and scope.group_by is not None
    days = whole_days(since, until, scope.zone) if scope.use_rollups else None
    if days is None:
        _merge(out, raw_cells(scope, since, until, by_day, by_group))
        return out
    d1, d2 = days
    _merge(out, rollup_cells(scope, d1, d2, by_day, by_group))
    start, end = midnight(d1, scope.zone), midnight(d2, scope.zone)
    if since < start:
        _merge(out, raw_cells(scope, since, start, by_day, by_group))
    if end < until:
        _merge(out, raw_cells(scope, end, until, by_day, by_group))
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


def raw_cells(scope: Scope, since: datetime, until: datetime, by_day: bool, by_group: bool) -> Cells:
    out: Cells = defaultdict(Cell)
    for (day, key, survey_id), cell in _raw_answers(scope, since, until, by_day, by_group):
        out[(day, key, survey_id)].add(cell)
    for (day, key, survey_id), cell in _raw_deliveries(scope, since, until, by_day, by_group):
        out[(day, key, survey_id)].add(cell)
    return out


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


def _raw_answers(scope, since, until, by_day, by_group):
    where = [Response.workspace_id == scope.workspace_id, Response.answered_at >= since, Response.answered_at < until]
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


def _raw_deliveries(scope, since, until, by_day, by_group):
    where = [Invite.workspace_id == scope.workspace_id, Invite.sent_at >= since, Invite.sent_at < until]
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


def rollup_cells(scope: Scope, d1: date, d2: date, by_day: bool, by_group: bool) -> Cells:
    r = MetricRollup
    keys = [r.survey_id]
    if by_day:
        keys.append(r.day)
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
        .where(r.workspace_id == scope.workspace_id, r.grain == scope.grain(by_group), r.day >= d1, r.day < d2)
        .group_by(*keys)
    )
    if scope.survey_id is not None:
        query = query.where(r.survey_id == scope.survey_id)
    for name, value in scope.filters.items():
        query = query.where(getattr(r, name) == value)
    out: Cells = {}
    for row in db.session.execute(query):
        survey_id = row[0]
        day = row[1] if by_day else None
        key = row[len(keys) - 1] if by_group else None
        values = row[len(keys) :]
        counts = [int(c or 0) for c in values[:SCORE_SLOTS]]
        pol_sum, pol_n, delivered, answered, label = values[SCORE_SLOTS:]
        if not any(counts) and not pol_n and not delivered and not answered:
            # Rows whose facts were all taken out again (answers moved or deleted) stay at zero:
            # they are no group, exactly as the raw rows would show.
            continue
        out[(day, key, survey_id)] = Cell(
            counts,
            float(pol_sum or 0),
            int(pol_n or 0),
            int(delivered or 0),
            int(answered or 0),
            label if scope.group_by == "agent" else None,
        )
    return out
