"""GET /drivers: the ticket's operational KPIs, and the score by bucket of each.

Tickets are the invites triggered in [since, until) (one invite per solved ticket); their
answers, whenever given, feed the score of the bucket the ticket falls in. The helpdesk sends
no count of agent touches, so FCR counts a ticket as resolved on first contact when it was
solved and never reopened.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal, null, or_, select
from sqlalchemy.sql import ColumnElement

from app.extensions import db
from app.models import Invite, Response, Workspace
from app.models.driver_rollup_sql import FRT_BUCKETS, RESOLUTION_BUCKETS
from app.scoring.stats import wilson
from app.services.insights import driver_rollups, figures
from app.services.insights.cells import Cell, invite_filters, without_jit
from app.services.insights.metrics import build_scope, resolve_range, survey_scales
from app.services.insights.settings import load_settings, sla_targets

# The buckets live beside the rollup's SQL, which buckets tickets the same way.
DRIVERS = ("first_response", "resolution", "reopened", "fcr", "sla", "channel")


def _seconds(later, earlier) -> ColumnElement:
    """later − earlier in seconds, in SQL (to the millisecond on SQLite, whose julianday is a float)."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)


def _duration(later, earlier) -> ColumnElement:
    """A ticket's duration when both instants are known and in order, else NULL."""
    known = and_(earlier.is_not(None), later.is_not(None), later >= earlier)
    return case((known, _seconds(later, earlier)), else_=null())


def _duration_bucket(seconds: ColumnElement, buckets) -> ColumnElement:
    whens = [(seconds < upper, name) for upper, name in buckets if upper is not None]
    return case((seconds.is_(None), "unknown"), *whens, else_=buckets[-1][1])


def _target(settings: dict, which: int) -> ColumnElement:
    """The SLA target (seconds) of each ticket's channel: 0 first response, 1 resolution."""
    channels = sorted((settings.get("sla", {}).get("channels") or {}).keys())
    default = sla_targets(settings, None)[which]
    whens = [(Invite.channel == name, _number(sla_targets(settings, name)[which])) for name in channels if name]
    return case(*whens, else_=_number(default)) if whens else _number(default)


def _number(value):
    return null() if value is None else literal(value)


def _met(seconds: ColumnElement, target: ColumnElement) -> ColumnElement:
    return case((or_(seconds.is_(None), target.is_(None)), null()), (seconds <= target, "met"), else_="missed")


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


def drivers(workspace: Workspace, args: dict) -> dict:
    """Operational KPIs of the tickets in range and the score by bucket of each KPI.

    The tickets are counted in SQL, grouped by the bucket of every driver at once (a few thousand
    groups however many tickets), so the work in Python does not grow with the range.
    """
    settings = load_settings(workspace.id)
    since, until = resolve_range(args)
    scope = build_scope(workspace, args, args.get("tz") or workspace.timezone)
    scales = survey_scales(workspace.id, settings, args.get("survey_id"))
    without_jit()
    # On PostgreSQL, whole local days from the rollups, the partial days at the edges from the invites.
    plan = driver_rollups.rollup_plan(workspace, scope, since, until)
    if plan is None:
        rows, medians = _ticket_rows(workspace.id, scope, settings, since, until, with_medians=True)
    else:
        rows = driver_rollups.rolled_up(workspace.id, scope.survey_id, plan)
        for start, end in plan.edges:
            rows.extend(_ticket_rows(workspace.id, scope, settings, start, end, with_medians=False)[0])
        medians = driver_rollups.medians(workspace.id, scope.survey_id, plan)
    totals = Totals()
    buckets: dict[str, dict[str, Bucket]] = {driver: defaultdict(Bucket) for driver in DRIVERS}
    for row in rows:
        totals.add(row)
        sla = _sla(row.frt_met, row.resolution_met)
        names = {
            "first_response": row.first_response,
            "resolution": row.resolution_bucket,
            "reopened": row.reopened,
            "fcr": row.fcr,
            "sla": sla,
            "channel": row.channel or "unknown",
        }
        for driver, name in names.items():
            bucket = buckets[driver][name]
            bucket.tickets += row.tickets
            if row.score is not None and 0 <= row.score < len(bucket.cells[row.survey_id].counts):
                bucket.cells[row.survey_id].counts[row.score] += row.tickets
    return {
        "survey_id": args.get("survey_id"),
        "since": since.isoformat(),
        "until": until.isoformat(),
        "filters": scope.filters,
        "operations": operations(totals, medians, settings),
        "drivers": {driver: _bucket_views(driver, buckets[driver], scales) for driver in DRIVERS},
    }


def _ticket_rows(
    workspace_id: int, scope, settings: dict, since, until, with_medians: bool
) -> tuple[list, tuple[float | None, float | None]]:
    """The tickets created in [since, until), grouped by every driver's bucket at once (a few
    thousand groups however many tickets), read from the invites; with `with_medians` the median
    first-response and resolution times too."""
    where = [
        Invite.workspace_id == workspace_id,
        Invite.created_at >= since,
        Invite.created_at < until,
        *invite_filters(scope.filters),
    ]
    if scope.survey_id is not None:
        where.append(Invite.survey_id == scope.survey_id)
    frt = _duration(Invite.first_response_at, Invite.ticket_created_at)
    resolution = _duration(Invite.solved_at, Invite.ticket_created_at)
    # One row per ticket with its buckets, grouped outside: PostgreSQL would not recognise a
    # CASE with bound parameters in the GROUP BY as the same expression as in the SELECT.
    # The answer's score looked up by its unique invite id: a join would hash every answer of
    # every period (the answer may come any time after the ticket), a lookup reads only these.
    score = select(Response.score).where(Response.invite_id == Invite.id).scalar_subquery()
    tickets = (
        select(
            Invite.survey_id,
            score.label("score"),
            func.coalesce(Invite.channel, "").label("channel"),
            frt.label("frt"),
            resolution.label("resolution"),
            Invite.handle_seconds,
            _duration_bucket(frt, FRT_BUCKETS).label("first_response"),
            _duration_bucket(resolution, RESOLUTION_BUCKETS).label("resolution_bucket"),
            case((Invite.reopens.is_(None), "unknown"), (Invite.reopens > 0, "yes"), else_="no").label("reopened"),
            case(
                (Invite.reopens.is_(None), "unknown"),
                (and_(Invite.solved_at.is_not(None), Invite.reopens == 0), "yes"),
                else_="no",
            ).label("fcr"),
            _met(frt, _target(settings, 0)).label("frt_met"),
            _met(resolution, _target(settings, 1)).label("resolution_met"),
        )
        .where(*where)
        .cte("tickets")
    )
    t = tickets.c
    keys = [
        t.survey_id,
        t.score,
        t.channel,
        t.first_response,
        t.resolution_bucket,
        t.reopened,
        t.fcr,
        t.frt_met,
        t.resolution_met,
    ]
    # The tickets are a CTE: each one's buckets are worked out once (as a plain subquery PostgreSQL
    # repeated the duration CASEs in every bucket's expression, then sorted the rows by all nine
    # keys), and on PostgreSQL the medians read the same rows in the same statement (a second
    # statement looked every ticket's answer up again).
    on_postgres = db.engine.dialect.name == "postgresql"
    medians = _median_columns(tickets) if on_postgres and with_medians else []
    query = select(
        *keys,
        func.count().label("tickets"),
        func.sum(t.frt).label("frt_sum"),
        func.count(t.frt).label("frt_n"),
        func.sum(t.resolution).label("resolution_sum"),
        func.count(t.resolution).label("resolution_n"),
        func.sum(t.handle_seconds).label("handle_sum"),
        func.count(t.handle_seconds).label("handle_n"),
        *medians,
    ).group_by(*keys)
    rows = db.session.execute(query).all()
    if not with_medians:
        return rows, (None, None)
    if on_postgres:
        found = (rows[0].frt_median, rows[0].resolution_median) if rows else (None, None)
        return rows, tuple(None if m is None else float(m) for m in found)
    return rows, _medians(tickets)


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


def _sla(frt_met: str | None, resolution_met: str | None) -> str:
    """Met when every target that applies is met; unknown when none applies."""
    known = [m for m in (frt_met, resolution_met) if m is not None]
    if not known:
        return "unknown"
    return "met" if all(m == "met" for m in known) else "missed"


@dataclass
class Totals:
    """The sums operations() needs, added up from the grouped rows."""

    tickets: int = 0
    frt_sum: float = 0.0
    frt_n: int = 0
    resolution_sum: float = 0.0
    resolution_n: int = 0
    handle_sum: float = 0.0
    handle_n: int = 0
    flags: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # name -> [yes, known]

    def add(self, row) -> None:
        self.tickets += row.tickets
        self.frt_sum += float(row.frt_sum or 0)
        self.frt_n += row.frt_n
        self.resolution_sum += float(row.resolution_sum or 0)
        self.resolution_n += row.resolution_n
        self.handle_sum += float(row.handle_sum or 0)
        self.handle_n += row.handle_n
        sla = _sla(row.frt_met, row.resolution_met)
        for name, yes, known in (
            ("reopened", row.reopened == "yes", row.reopened != "unknown"),
            ("fcr", row.fcr == "yes", row.fcr != "unknown"),
            ("frt_met", row.frt_met == "met", row.frt_met is not None),
            ("resolution_met", row.resolution_met == "met", row.resolution_met is not None),
            ("sla", sla == "met", sla != "unknown"),
        ):
            if known:
                self.flags[name][1] += row.tickets
                self.flags[name][0] += row.tickets if yes else 0


def _median_columns(tickets) -> list:
    """The median first-response and resolution times of all the tickets in scope, as two scalar
    subqueries over the tickets' CTE (PostgreSQL): one value, repeated on every grouped row."""
    frt, resolution = tickets.c.frt, tickets.c.resolution
    return [
        select(func.percentile_cont(0.5).within_group(column)).scalar_subquery().label(name)
        for column, name in ((frt, "frt_median"), (resolution, "resolution_median"))
    ]


def _medians(tickets) -> tuple[float | None, float | None]:
    """The median first-response and resolution times of the tickets in scope, on SQLite, which
    has no percentile: from the durations themselves (SQLite serves small installs)."""
    frt, resolution = tickets.c.frt, tickets.c.resolution
    rows = db.session.execute(select(frt, resolution)).all()
    firsts = [float(a) for a, _ in rows if a is not None]
    solves = [float(b) for _, b in rows if b is not None]
    return (
        statistics.median(firsts) if firsts else None,
        statistics.median(solves) if solves else None,
    )


def operations(totals: Totals, medians: tuple[float | None, float | None], settings: dict) -> dict:
    """FRT and resolution time (mean, median), reopen rate, FCR, SLA compliance, AHT."""
    flags = totals.flags
    return {
        "tickets": totals.tickets,
        "first_response_seconds": _durations(
            totals.frt_sum, totals.frt_n, medians[0], "first_response_at − created_at"
        ),
        "resolution_seconds": _durations(
            totals.resolution_sum, totals.resolution_n, medians[1], "solved_at − created_at"
        ),
        "reopen_rate": _rate(*flags["reopened"], "tickets reopened at least once ÷ tickets with reopen data"),
        "fcr": {
            **_rate(*flags["fcr"], "tickets solved and never reopened ÷ tickets with reopen data"),
            "target": settings["targets"].get("fcr"),
            "benchmark": "70–75 % average, 85 %+ top teams",
        },
        "sla": {
            "first_response": _rate(*flags["frt_met"], "tickets answered within the FRT target ÷ tickets with an FRT"),
            "resolution": _rate(
                *flags["resolution_met"],
                "tickets solved within the resolution target ÷ tickets with a resolution time",
            ),
            "overall": _rate(*flags["sla"], "tickets meeting every target that applies ÷ tickets with SLA data"),
            "targets": settings["sla"],
            "target": settings["targets"].get("sla"),
        },
        "average_handle_seconds": {
            "value": round(totals.handle_sum / totals.handle_n, 2) if totals.handle_n else None,
            "n": totals.handle_n,
            "formula": "sum of handle time ÷ interactions",
        },
    }


def _durations(total: float, n: int, median: float | None, formula: str) -> dict:
    return {
        "n": n,
        "mean": round(total / n, 2) if n else None,
        "median": round(median, 2) if median is not None else None,
        "formula": formula,
    }


def _rate(yes: int, known: int, formula: str) -> dict:
    interval = wilson(yes, known)
    pct = lambda x: None if x is None else round(100 * x, 2)
    return {
        "n": known,
        "value": pct(yes / known) if known else None,
        "ci_low": pct(interval.low),
        "ci_high": pct(interval.high),
        "formula": formula,
    }
