"""What /themes reads on PostgreSQL: theme_rollups for the whole local days of the range, raw rows
for the partial days at its edges, and theme_mentions' index for the examples.

The rollups hold every figure of the report as sums (mentions by theme, side and score, with
their polarity sums; answers by score with how many have a comment), so a range of whole days
costs its days' rows whatever the number of answers. They hold the survey, the time and the
score only: a filter on anything else (the invite's team or tags, the comment's language, a
theme, a text search) reads the raw rows, as before. Days are the workspace's local days; the
weekly sparklines are read from them only in the workspace's zone.

Examples are the newest answers of the lowest (or highest) score a theme's mentions have in the
range. The report knows from its counts which (theme, side, score) cells are not empty; the
index (survey, theme, side, score, answered_at, response) gives each one's newest three in the
range directly (an index range read backwards, LIMIT 3), and the ranks are taken in Python
among those candidates: a mention within the first three of its theme in some order is within
the first three of its own (side, score) cell, so the candidates hold every example.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Integer, String, and_, bindparam, func, literal_column, select, true
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db
from app.models import ThemeMention, ThemeRollup, Workspace
from app.scoring.periods import local_date, midnight, whole_days

# The filters the rollups hold exactly: anything else reads the raw rows.
ROLLUP_FILTERS = frozenset({"survey_id", "since", "until", "score_min", "score_max"})
EXAMPLES = 3


@dataclass
class Plan:
    """A range cut into whole workspace-local days (`first`..`last`, open ends None) and the
    instants outside them (`edges`, [start, end) pairs) that the raw rows answer."""

    first: date | None
    last: date | None  # exclusive
    edges: list[tuple[datetime, datetime]] = field(default_factory=list)


def rollup_plan(workspace_id: int, filters: dict, zone_name: str | None) -> Plan | None:
    """How the range of `filters` is read from the rollups, or None when they cannot answer:
    not PostgreSQL, rollups switched off (METRICS_ROLLUPS), a filter they do not hold, or
    sparklines asked in a zone other than the workspace's."""
    if db.engine.dialect.name != "postgresql" or not current_app.config.get("METRICS_ROLLUPS", True):
        return None
    if not set(filters) <= ROLLUP_FILTERS:
        return None
    zone_of_workspace = db.session.scalar(select(Workspace.timezone).where(Workspace.id == workspace_id))
    if zone_of_workspace is None or (zone_name is not None and zone_name != zone_of_workspace):
        return None
    zone = ZoneInfo(zone_of_workspace)
    since, until = filters.get("since"), filters.get("until")
    if since is not None and until is not None and since >= until:
        return Plan(date.min, date.min)  # no day: nothing to read
    plan = Plan(None, None)
    if since is not None:
        first = local_date(since, zone)
        plan.first = first if midnight(first, zone) == since else first + timedelta(days=1)
    if until is not None:
        plan.last = local_date(until, zone)
    if since is not None and until is not None and whole_days(since, until, zone) is None:
        return Plan(date.min, date.min, [(since, until)])
    if since is not None and since < midnight(plan.first, zone):
        plan.edges.append((since, midnight(plan.first, zone)))
    if until is not None and midnight(plan.last, zone) < until:
        plan.edges.append((midnight(plan.last, zone), until))
    return plan


def _where(workspace_id: int, filters: dict, plan: Plan) -> list:
    r = ThemeRollup
    where = [r.workspace_id == workspace_id, r.survey_id == filters["survey_id"]]
    if plan.first is not None:
        where.append(r.day >= plan.first)
    if plan.last is not None:
        where.append(r.day < plan.last)
    if "score_min" in filters:
        where.append(r.score >= filters["score_min"])
    if "score_max" in filters:
        where.append(r.score <= filters["score_max"])
    return where


@dataclass
class Rolled:
    """The rollups' share of the report: answers by score, comments, mention counts (as the raw
    read's tuples) and mentions per local week (under its Monday: the sparklines are weekly)."""

    overall: Counter = field(default_factory=Counter)
    comments: int = 0
    counts: list = field(default_factory=list)
    by_day: dict = field(default_factory=lambda: defaultdict(Counter))


def rolled_up(workspace_id: int, filters: dict, plan: Plan, by_day: bool) -> Rolled:
    """Sums of the plan's whole days, in one statement: by (theme, side, score) and, `by_day`,
    by (theme, week) too (GROUPING SETS), each week under its Monday."""
    out = Rolled()
    if plan.first == date.min:
        return out
    r = ThemeRollup
    # The sparklines are weekly: mentions by (theme, local week) are all they need, ~7x fewer
    # groups than by day (a Monday stands for its week; date_trunc's weeks start on Mondays).
    week = "(date_trunc('week', day))::date"
    sets = f"GROUPING SETS ((theme, side, score), (theme, {week}))" if by_day else None
    columns = [
        r.theme,
        r.side,
        r.score,
        literal_column(week if by_day else "NULL::date").label("day"),
        func.sum(r.n),
        func.sum(r.commented),
        func.sum(r.polarity_sum),
        func.sum(r.polarity_n),
        func.sum(r.theme_sum),
        func.sum(r.theme_n),
    ]
    query = select(*columns).where(*_where(workspace_id, filters, plan))
    if sets:
        query = query.group_by(literal_column(sets))
    else:
        query = query.group_by(r.theme, r.side, r.score)
    for theme, side, score, day, n, commented, pol_sum, pol_n, theme_sum, theme_n in db.session.execute(query):
        n = int(n or 0)
        if day is not None:
            if theme:
                out.by_day[theme][day] += n
            continue
        if theme == "":
            out.overall[score] += n
            out.comments += int(commented or 0)
        elif n:
            out.counts.append((theme, side, score, n, pol_sum or 0, int(pol_n or 0), theme_sum or 0, int(theme_n or 0)))
    return out


def ranked_examples(
    workspace_id: int, filters: dict, cells: set[tuple[str, str, int]]
) -> list[tuple[str, str, int, int, int, int]]:
    """(theme, side, response id, rank by lowest score, by highest, within its side) of the
    candidates for each theme's examples: the newest three mentions of each (theme, side, score)
    cell in `cells`, read through ix_theme_mentions_examples. The ranks are those of the raw
    read (app/services/insights/themes.py): lowest score first (or highest), newest first among
    equals; within a side, complaints lowest first, praise and neutral highest first."""
    if not cells:
        return []
    ordered = sorted(cells)
    wanted = select(
        func.unnest(bindparam("themes", [t for t, _, _ in ordered], ARRAY(String))).label("theme"),
        func.unnest(bindparam("sides", [w for _, w, _ in ordered], ARRAY(String))).label("side"),
        func.unnest(bindparam("scores", [c for _, _, c in ordered], ARRAY(Integer))).label("score"),
    ).subquery("wanted")
    m = ThemeMention
    where = [
        m.survey_id == filters["survey_id"],
        m.theme == wanted.c.theme,
        m.side == wanted.c.side,
        m.score == wanted.c.score,
        m.workspace_id == workspace_id,
    ]
    if filters.get("since") is not None:
        where.append(m.answered_at >= filters["since"])
    if filters.get("until") is not None:
        where.append(m.answered_at < filters["until"])
    newest = (
        select(m.response_id, m.answered_at)
        .where(and_(*where))
        .order_by(m.answered_at.desc(), m.response_id.desc())
        .limit(EXAMPLES)
        .lateral("newest")
    )
    query = select(
        wanted.c.theme, wanted.c.side, wanted.c.score, newest.c.response_id, newest.c.answered_at
    ).select_from(wanted.join(newest, true()))
    by_theme: dict[str, list] = defaultdict(list)
    for theme, side, score, response_id, answered_at in db.session.execute(query):
        by_theme[theme].append((side, score, answered_at, response_id))
    out = []
    for theme, found in by_theme.items():
        lowest = _ranks(found, lambda f: (f[1], -f[2].timestamp(), -f[3]))
        highest = _ranks(found, lambda f: (-f[1], -f[2].timestamp(), -f[3]))
        in_side: dict[int, int] = {}
        for side in {f[0] for f in found}:
            mine = [f for f in found if f[0] == side]
            sign = 1 if side == "complaint" else -1
            mine.sort(key=lambda f: (sign * f[1], -f[2].timestamp(), -f[3]))
            in_side.update({f[3]: i for i, f in enumerate(mine, 1)})
        out.extend((theme, side, rid, lowest[rid], highest[rid], in_side[rid]) for side, _, _, rid in found)
    return out


def _ranks(found: list, key) -> dict[int, int]:
    """response id -> its place (from 1) in `found` ordered by `key` (score first, then newest
    first among equals: the time, then the id, both descending)."""
    return {rid: i for i, (_, _, _, rid) in enumerate(sorted(found, key=key), 1)}
