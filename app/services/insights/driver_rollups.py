"""What /drivers reads on PostgreSQL: driver_rollups for the whole local days of the range, the
invites for the partial days at its edges, and exact medians from driver_durations' slots.

The rollups hold the tickets by every driver's bucket with the KPIs' sums, so the grouped rows the
report adds up are read per day rather than per ticket, and per month for the whole local months
of a long range. They hold no invite dimension but the
channel: a filter on the agent, team, channel, priority, segment or tag reads the invites, as before.

Medians stay exact (percentile_cont's, to the bit): the slots of the range's durations (eight per
doubling) say which slot holds the middle one or two tickets, and only that slot's durations are
read, from ix_invites_frt_slot / ix_invites_resolution_slot (an index-only range: workspace,
survey, slot, creation time), with the edges' own durations; the middle of those is the median.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, or_, select, union_all

from app.extensions import db
from app.models import DriverDuration, DriverDurationMonthly, DriverRollup, DriverRollupMonthly, Invite, Workspace
from app.models.driver_rollup_sql import FIRST_RESPONSE, RESOLUTION
from app.scoring.periods import midnight, whole_days
from app.services.insights.cells import Scope

# The invite columns each duration is measured between: (later, earlier).
_ENDS = {FIRST_RESPONSE: ("first_response_at", "ticket_created_at"), RESOLUTION: ("solved_at", "ticket_created_at")}


@dataclass
class Plan:
    """The whole workspace-local days [first, last) the rollups answer, and the instants at the
    range's edges ([start, end) pairs) that the invites answer."""

    first: date
    last: date
    start: datetime  # the first day's midnight
    end: datetime  # the last day's
    edges: list[tuple[datetime, datetime]] = field(default_factory=list)


def rollup_plan(workspace: Workspace, scope: Scope, since: datetime, until: datetime) -> Plan | None:
    """None when the rollups cannot answer: not PostgreSQL, rollups switched off, an invite filter,
    or no whole local day in the range."""
    if db.engine.dialect.name != "postgresql" or not current_app.config.get("METRICS_ROLLUPS", True):
        return None
    if scope.filters:
        return None
    zone = ZoneInfo(workspace.timezone)
    days = whole_days(since, until, zone)
    if days is None:
        return None
    start, end = midnight(days[0], zone), midnight(days[1], zone)
    edges = [(a, b) for a, b in ((since, start), (end, until)) if a < b]
    return Plan(days[0], days[1], start, end, edges)


def _pieces(plan: Plan) -> list[tuple[type, type, date, date]]:
    """The plan's days as (rollup table, durations table, first, last) pieces: the whole local
    months inside it from the monthly tables, the days around them from the daily ones."""
    m1 = plan.first if plan.first.day == 1 else _next_month(plan.first)
    m2 = plan.last.replace(day=1)
    if m1 >= m2:
        return [(DriverRollup, DriverDuration, plan.first, plan.last)]
    pieces = [(DriverRollupMonthly, DriverDurationMonthly, m1, m2)]
    for first, last in ((plan.first, m1), (m2, plan.last)):
        if first < last:
            pieces.append((DriverRollup, DriverDuration, first, last))
    return pieces


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def rolled_up(workspace_id: int, survey_id: int | None, plan: Plan) -> list:
    """The grouped ticket rows of the plan's days, named as the raw read names them."""
    names = ["survey_id", "score", "channel", "first_response", "resolution", "reopened", "fcr", "frt_met"]
    names.append("resolution_met")
    measures = ["tickets", "frt_sum", "frt_n", "resolution_sum", "resolution_n", "handle_sum", "handle_n"]
    parts = []
    for table, _, first, last in _pieces(plan):
        part = select(*(getattr(table, n) for n in names + measures)).where(
            table.workspace_id == workspace_id, table.day >= first, table.day < last
        )
        if survey_id is not None:
            part = part.where(table.survey_id == survey_id)
        parts.append(part)
    both = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    keys = [both.c[n] for n in names]
    query = select(*keys, *(func.sum(both.c[m]) for m in measures)).group_by(*keys)
    rows = []
    for row in db.session.execute(query):
        survey, score, channel, first_response, resolution, reopened, fcr, frt_met, resolution_met = row[:9]
        tickets, frt_sum, frt_n, resolution_sum, resolution_n, handle_sum, handle_n = row[9:]
        rows.append(
            SimpleNamespace(
                survey_id=survey,
                score=None if score < 0 else score,
                channel=channel,
                first_response=first_response,
                resolution_bucket=resolution,
                reopened=reopened,
                fcr=fcr,
                frt_met=frt_met or None,
                resolution_met=resolution_met or None,
                tickets=int(tickets),
                frt_sum=frt_sum,
                frt_n=int(frt_n),
                resolution_sum=resolution_sum,
                resolution_n=int(resolution_n),
                handle_sum=handle_sum,
                handle_n=int(handle_n),
            )
        )
    return rows


def medians(workspace_id: int, survey_id: int | None, plan: Plan) -> tuple[float | None, float | None]:
    """The median first-response and resolution times of the tickets in the plan's days and edges,
    as PostgreSQL's percentile_cont(0.5) gives them (the mean of the two middle ones, in doubles)."""
    return tuple(_median(workspace_id, survey_id, plan, which) for which in (FIRST_RESPONSE, RESOLUTION))


def _slot_and_seconds(which: int):
    later, earlier = (getattr(Invite, name) for name in _ENDS[which])
    seconds = func.afterword_seconds(later, earlier)
    return func.afterword_duration_slot(seconds), seconds


def _in_scope(workspace_id: int, survey_id: int | None, spans: list[tuple[datetime, datetime]]) -> list:
    where = [Invite.workspace_id == workspace_id]
    if survey_id is not None:
        where.append(Invite.survey_id == survey_id)
    if spans:
        where.append(or_(*(and_(Invite.created_at >= a, Invite.created_at < b) for a, b in spans)))
    return where


def _median(workspace_id: int, survey_id: int | None, plan: Plan, which: int) -> float | None:
    counts: Counter = Counter()
    for _, d, first, last in _pieces(plan):
        query = select(d.slot, func.sum(d.n)).where(
            d.workspace_id == workspace_id, d.which == which, d.day >= first, d.day < last
        )
        if survey_id is not None:
            query = query.where(d.survey_id == survey_id)
        for slot, n in db.session.execute(query.group_by(d.slot)):
            counts[slot] += int(n)
    slot, seconds = _slot_and_seconds(which)
    edge_values: dict[int, list[Decimal]] = {}
    if plan.edges:
        rows = db.session.execute(
            select(slot, seconds).where(*_in_scope(workspace_id, survey_id, plan.edges), seconds.is_not(None))
        )
        for at_slot, value in rows:
            counts[at_slot] += 1
            edge_values.setdefault(at_slot, []).append(value)
    total = sum(counts.values())
    if not total:
        return None
    middle = sorted({(total - 1) // 2, total // 2})
    found: dict[int, float] = {}
    below = 0
    for at_slot in sorted(counts):
        n = counts[at_slot]
        wanted = [rank - below for rank in middle if below <= rank < below + n]
        if wanted:
            values = _at_ranks(workspace_id, survey_id, plan, which, at_slot, wanted, edge_values)
            found.update({below + j: float(value) for j, value in zip(wanted, values)})
        below += n
    low, high = found[middle[0]], found[middle[-1]]
    return low if low == high else low + 0.5 * (high - low)


def _at_ranks(
    workspace_id: int, survey_id: int | None, plan: Plan, which: int, at_slot: int, ranks: list[int], edges: dict
) -> list[Decimal]:
    """The durations of the given ranks (from 0, ascending) in one slot, among the plan's days
    and its edges.

    The days' durations D are read sorted by PostgreSQL, only the few around the ranks: with e
    edge durations E in the slot, the j-th of D and E merged is the (j - o)-th of E and D[o : j + 1]
    merged, o = max(0, j - e) (each of D[:o] has fewer than j durations before it)."""
    edge = sorted(edges.get(at_slot, []))
    o = max(0, ranks[0] - len(edge))
    slot, seconds = _slot_and_seconds(which)
    query = (
        select(seconds)
        .where(
            *_in_scope(workspace_id, survey_id, []),
            slot == at_slot,
            Invite.created_at >= plan.start,
            Invite.created_at < plan.end,
        )
        .order_by(seconds)
        .offset(o)
        .limit(ranks[-1] - o + 1)
    )
    merged = sorted([*db.session.scalars(query), *edge])
    return [merged[j - o] for j in ranks]
