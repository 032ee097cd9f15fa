"""GET /drivers: the ticket's operational KPIs, and the score by bucket of each.

Tickets are the invites triggered in [since, until) (one invite per solved ticket); their
answers, whenever given, feed the score of the bucket the ticket falls in. The helpdesk sends
no count of agent touches, so FCR counts a ticket as resolved on first contact when it was
solved and never reopened.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import and_, case, func, literal, literal_column, null, or_, select

from app.extensions import db
from app.models import Invite, Response, Workspace
from app.scoring.stats import wilson
from app.services.insights import figures
from app.services.insights.cells import Cell, invite_filters
from app.services.insights.metrics import build_scope, resolve_range, survey_scales
from app.services.insights.settings import load_settings, sla_targets

MINUTE, HOUR = 60, 3600
FRT_BUCKETS = [
    (2 * MINUTE, "< 2 min"),
    (10 * MINUTE, "2–10 min"),
    (HOUR, "10 min – 1 h"),
    (4 * HOUR, "1–4 h"),
    (24 * HOUR, "4–24 h"),
    (None, "> 24 h"),
]
RESOLUTION_BUCKETS = [(12 * HOUR, "< 12 h"), (48 * HOUR, "12–48 h"), (None, "> 48 h")]
DRIVERS = ("first_response", "resolution", "reopened", "fcr", "sla", "channel")


@dataclass(frozen=True)
class Ticket:
    """One ticket's operational facts, derived from its invite."""

    channel: str | None
    frt: float | None
    resolution: float | None
    reopened: bool | None
    fcr: bool | None
    frt_met: bool | None
    resolution_met: bool | None
    handle_seconds: int | None

    @property
    def sla_met(self) -> bool | None:
        known = [m for m in (self.frt_met, self.resolution_met) if m is not None]
        return all(known) if known else None


def ticket_facts(invite_row, settings: dict) -> Ticket:
    created, first, solved = invite_row.ticket_created_at, invite_row.first_response_at, invite_row.solved_at
    frt = (first - created).total_seconds() if created and first and first >= created else None
    resolution = (solved - created).total_seconds() if created and solved and solved >= created else None
    reopens = invite_row.reopens
    frt_target, res_target = sla_targets(settings, invite_row.channel)
    return Ticket(
        channel=invite_row.channel,
        frt=frt,
        resolution=resolution,
        reopened=None if reopens is None else reopens > 0,
        fcr=None if reopens is None else (solved is not None and reopens == 0),
        frt_met=None if frt is None or frt_target is None else frt <= frt_target,
        resolution_met=None if resolution is None or res_target is None else resolution <= res_target,
        handle_seconds=invite_row.handle_seconds,
    )


def bucket_of(driver: str, ticket: Ticket) -> str:
    if driver == "first_response":
        return _duration_bucket(ticket.frt, FRT_BUCKETS)
    if driver == "resolution":
        return _duration_bucket(ticket.resolution, RESOLUTION_BUCKETS)
    if driver == "reopened":
        return _yes_no(ticket.reopened)
    if driver == "fcr":
        return _yes_no(ticket.fcr)
    if driver == "sla":
        return {True: "met", False: "missed", None: "unknown"}[ticket.sla_met]
    return ticket.channel or "unknown"


def _duration_bucket(seconds: float | None, buckets) -> str:
    if seconds is None:
        return "unknown"
    for upper, name in buckets:
        if upper is None or seconds < upper:
            return name
    return "unknown"


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def bucket_order(driver: str) -> list[str]:
    if driver == "first_response":
        return [name for _, name in FRT_BUCKETS] + ["unknown"]
    if driver == "resolution":
        return [name for _, name in RESOLUTION_BUCKETS] + ["unknown"]
    if driver in ("reopened", "fcr"):
        return ["yes", "no", "unknown"]
    if driver == "sla":
        return ["met", "missed", "unknown"]
    return []


@dataclass
class Bucket:
    tickets: int = 0
    cells: dict = field(default_factory=lambda: defaultdict(Cell))


class Group(NamedTuple):
    """Tickets alike in everything /drivers reports (their answer's score included), and how many."""

    survey_id: int
    channel: str | None
    frt_bucket: str
    resolution_bucket: str
    reopened: bool | None
    fcr: bool | None
    frt_met: bool | None
    resolution_met: bool | None
    score: int | None

    @property
    def sla_met(self) -> bool | None:
        known = [m for m in (self.frt_met, self.resolution_met) if m is not None]
        return all(known) if known else None

    def bucket(self, driver: str) -> str:
        if driver == "first_response":
            return self.frt_bucket
        if driver == "resolution":
            return self.resolution_bucket
        if driver == "reopened":
            return _yes_no(self.reopened)
        if driver == "fcr":
            return _yes_no(self.fcr)
        if driver == "sla":
            return {True: "met", False: "missed", None: "unknown"}[self.sla_met]
        return self.channel or "unknown"


@dataclass
class Durations:
    """n, mean and median of one duration over the tickets that have it."""

    n: int = 0
    mean: float | None = None
    median: float | None = None


@dataclass
class TicketStats:
    groups: dict[Group, int]
    frt: Durations
    resolution: Durations
    handle_n: int
    handle_sum: float


def drivers(workspace: Workspace, args: dict) -> dict:
    """Operational KPIs of the tickets in range and the score by bucket of each KPI."""
    settings = load_settings(workspace.id)
    since, until = resolve_range(args)
    scope = build_scope(workspace, args, args.get("tz") or workspace.timezone)
    scales = survey_scales(workspace.id, settings, args.get("survey_id"))
    where = [
        Invite.workspace_id == workspace.id,
        Invite.created_at >= since,
        Invite.created_at < until,
        *invite_filters(scope.filters),
    ]
    if scope.survey_id is not None:
        where.append(Invite.survey_id == scope.survey_id)
    # PostgreSQL counts the tickets by group itself (a month of a busy workspace is ~10^5-10^6
    # tickets: too many to fetch); elsewhere (SQLite, small installs) Python does, the reference
    # tests/integration compares the SQL with.
    if db.engine.dialect.name == "postgresql":
        stats = ticket_stats_sql(where, settings)
    else:
        stats = ticket_stats_python(where, settings)
    buckets: dict[str, dict[str, Bucket]] = {driver: defaultdict(Bucket) for driver in DRIVERS}
    for group, count in stats.groups.items():
        for driver in DRIVERS:
            bucket = buckets[driver][group.bucket(driver)]
            bucket.tickets += count
            if group.score is not None and 0 <= group.score < len(bucket.cells[group.survey_id].counts):
                bucket.cells[group.survey_id].counts[group.score] += count
    return {
        "survey_id": args.get("survey_id"),
        "since": since.isoformat(),
        "until": until.isoformat(),
        "filters": scope.filters,
        "operations": operations(stats, settings),
        "drivers": {driver: _bucket_views(driver, buckets[driver], scales) for driver in DRIVERS},
    }


_COLUMNS = (
    Invite.survey_id,
    Invite.channel,
    Invite.ticket_created_at,
    Invite.first_response_at,
    Invite.solved_at,
    Invite.reopens,
    Invite.handle_seconds,
    Response.score,
)


def ticket_stats_python(where: list, settings: dict) -> TicketStats:
    """Each ticket read and bucketed in Python: the reference for ticket_stats_sql."""
    query = select(*_COLUMNS).outerjoin(Response, Response.invite_id == Invite.id).where(*where)
    groups: dict[Group, int] = defaultdict(int)
    frts, resolutions, handles = [], [], []
    for row in db.session.execute(query.execution_options(yield_per=5000)):
        ticket = ticket_facts(row, settings)
        group = Group(
            row.survey_id,
            ticket.channel,
            bucket_of("first_response", ticket),
            bucket_of("resolution", ticket),
            ticket.reopened,
            ticket.fcr,
            ticket.frt_met,
            ticket.resolution_met,
            row.score,
        )
        groups[group] += 1
        if ticket.frt is not None:
            frts.append(ticket.frt)
        if ticket.resolution is not None:
            resolutions.append(ticket.resolution)
        if ticket.handle_seconds is not None:
            handles.append(ticket.handle_seconds)
    durations = lambda v: Durations(len(v), statistics.fmean(v) if v else None, statistics.median(v) if v else None)
    return TicketStats(dict(groups), durations(frts), durations(resolutions), len(handles), sum(handles))


def ticket_stats_sql(where: list, settings: dict) -> TicketStats:
    """The same figures aggregated by PostgreSQL: one GROUP BY over the tickets' facts (a few
    hundred groups come back, whatever the number of tickets) and one pass for the durations."""
    facts = _facts(where, with_score=True)
    frt_target, resolution_target = _targets(facts.c.channel, settings)
    keys = [
        facts.c.survey_id,
        facts.c.channel,
        _bucket_sql(facts.c.frt, FRT_BUCKETS),
        _bucket_sql(facts.c.resolution, RESOLUTION_BUCKETS),
        case((facts.c.reopens.is_(None), null()), else_=facts.c.reopens > 0),
        case((facts.c.reopens.is_(None), null()), else_=and_(facts.c.solved, facts.c.reopens == 0)),
        _met(facts.c.frt, frt_target),
        _met(facts.c.resolution, resolution_target),
        facts.c.score,
    ]
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    grouped = select(*labelled, func.count()).group_by(*(literal_column(f"k{i}") for i in range(len(keys))))
    groups = {Group(*row[:-1]): row[-1] for row in db.session.execute(grouped)}
    median = lambda column: func.percentile_cont(0.5).within_group(column)
    facts = _facts(where, with_score=False)  # an invite has at most one answer: the same tickets
    row = db.session.execute(
        select(
            func.count(facts.c.frt),
            func.avg(facts.c.frt),
            median(facts.c.frt),
            func.count(facts.c.resolution),
            func.avg(facts.c.resolution),
            median(facts.c.resolution),
            func.count(facts.c.handle_seconds),
            func.sum(facts.c.handle_seconds),
        )
    ).one()
    as_float = lambda v: None if v is None else float(v)
    return TicketStats(
        groups,
        Durations(row[0], as_float(row[1]), as_float(row[2])),
        Durations(row[3], as_float(row[4]), as_float(row[5])),
        row[6],
        float(row[7] or 0),
    )


def _facts(where: list, with_score: bool):
    """The tickets in range with their durations in seconds (and their answer's score)."""
    columns = [
        Invite.survey_id,
        Invite.channel,
        _seconds(Invite.first_response_at, Invite.ticket_created_at).label("frt"),
        _seconds(Invite.solved_at, Invite.ticket_created_at).label("resolution"),
        Invite.reopens,
        Invite.solved_at.is_not(None).label("solved"),
        Invite.handle_seconds,
    ]
    if with_score:
        # A lookup per ticket by the unique index on responses.invite_id: a join let the planner
        # hash every answer ever given (a sequential scan of responses) for a month of tickets.
        score = select(Response.score).where(Response.invite_id == Invite.id).correlate(Invite).scalar_subquery()
        columns.append(score.label("score"))
    return select(*columns).where(*where).subquery()


def _seconds(later, earlier):
    """later − earlier in seconds, NULL unless both are known and in order (as ticket_facts)."""
    gap = func.extract("epoch", later - earlier)
    return case((and_(later.is_not(None), earlier.is_not(None), later >= earlier), gap), else_=null())


def _bucket_sql(seconds, buckets):
    whens = [(seconds.is_(None), literal("unknown"))]
    whens += [(seconds < upper, literal(name)) for upper, name in buckets if upper is not None]
    return case(*whens, else_=literal(buckets[-1][1]))


def _targets(channel, settings: dict):
    """The FRT and resolution targets (seconds) of each ticket's channel, as SQL."""
    overrides = (settings.get("sla", {}).get("channels") or {}).keys()
    frt_default, res_default = sla_targets(settings, None)
    frt_whens, res_whens = [], []
    for name in overrides:
        frt, res = sla_targets(settings, name)
        match = func.coalesce(channel, "") == name
        frt_whens.append((match, literal(frt) if frt is not None else null()))
        res_whens.append((match, literal(res) if res is not None else null()))
    frt_default = literal(frt_default) if frt_default is not None else null()
    res_default = literal(res_default) if res_default is not None else null()
    return (
        case(*frt_whens, else_=frt_default) if frt_whens else frt_default,
        case(*res_whens, else_=res_default) if res_whens else res_default,
    )


def _met(seconds, target):
    return case((or_(seconds.is_(None), target.is_(None)), null()), else_=seconds <= target)


def _bucket_views(driver: str, found: dict[str, Bucket], scales) -> list[dict]:
    order = bucket_order(driver) or sorted(found, key=lambda name: (-found[name].tickets, name))
    out = []
    for name in order:
        bucket = found.get(name, Bucket())
        if driver == "channel" or name in found or name != "unknown":
            answers = figures.total(bucket.cells.values())
            out.append(
                {
                    "bucket": name,
                    "tickets": bucket.tickets,
                    "n": answers.n,
                    "scores": figures.scores(bucket.cells, scales),
                }
            )
    return out


def operations(stats: TicketStats, settings: dict) -> dict:
    """FRT and resolution time (mean, median), reopen rate, FCR, SLA compliance, AHT."""

    def flags(of) -> Counter:
        counted: Counter = Counter()
        for group, count in stats.groups.items():
            counted[of(group)] += count
        return counted

    return {
        "tickets": sum(stats.groups.values()),
        "first_response_seconds": _durations(stats.frt, "first_response_at − created_at"),
        "resolution_seconds": _durations(stats.resolution, "solved_at − created_at"),
        "reopen_rate": _rate(flags(lambda g: g.reopened), "tickets reopened at least once ÷ tickets with reopen data"),
        "fcr": {
            **_rate(flags(lambda g: g.fcr), "tickets solved and never reopened ÷ tickets with reopen data"),
            "target": settings["targets"].get("fcr"),
            "benchmark": "70–75 % average, 85 %+ top teams",
        },
        "sla": {
            "first_response": _rate(
                flags(lambda g: g.frt_met), "tickets answered within the FRT target ÷ tickets with an FRT"
            ),
            "resolution": _rate(
                flags(lambda g: g.resolution_met),
                "tickets solved within the resolution target ÷ tickets with a resolution time",
            ),
            "overall": _rate(
                flags(lambda g: g.sla_met), "tickets meeting every target that applies ÷ tickets with SLA data"
            ),
            "targets": settings["sla"],
            "target": settings["targets"].get("sla"),
        },
        "average_handle_seconds": {
            "value": round(stats.handle_sum / stats.handle_n, 2) if stats.handle_n else None,
            "n": stats.handle_n,
            "formula": "sum of handle time ÷ interactions",
        },
    }


def _durations(found: Durations, formula: str) -> dict:
    return {
        "n": found.n,
        "mean": round(found.mean, 2) if found.mean is not None else None,
        "median": round(found.median, 2) if found.median is not None else None,
        "formula": formula,
    }


def _rate(flags: Counter, formula: str) -> dict:
    """The share of True among the known (True or False) flags, counted."""
    yes, known = flags[True], flags[True] + flags[False]
    interval = wilson(yes, known)
    pct = lambda x: None if x is None else round(100 * x, 2)
    return {
        "n": known,
        "value": pct(yes / known) if known else None,
        "ci_low": pct(interval.low),
        "ci_high": pct(interval.high),
        "formula": formula,
    }
