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

from sqlalchemy import select

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


def drivers(workspace: Workspace, args: dict) -> dict:
    """Operational KPIs of the tickets in range and the score by bucket of each KPI."""
    settings = load_settings(workspace.id)
    since, until = resolve_range(args)
    scope = build_scope(workspace, args, args.get("tz") or workspace.timezone)
    scales = survey_scales(workspace.id, settings, args.get("survey_id"))
    query = (
        select(
            Invite.survey_id,
            Invite.channel,
            Invite.ticket_created_at,
            Invite.first_response_at,
            Invite.solved_at,
            Invite.reopens,
            Invite.handle_seconds,
            Response.score,
        )
        .outerjoin(Response, Response.invite_id == Invite.id)
        .where(
            Invite.workspace_id == workspace.id,
            Invite.created_at >= since,
            Invite.created_at < until,
            *invite_filters(scope.filters),
        )
    )
    if scope.survey_id is not None:
        query = query.where(Invite.survey_id == scope.survey_id)
    tickets: list[Ticket] = []
    buckets: dict[str, dict[str, Bucket]] = {driver: defaultdict(Bucket) for driver in DRIVERS}
    for row in db.session.execute(query.execution_options(yield_per=5000)):
        ticket = ticket_facts(row, settings)
        tickets.append(ticket)
        for driver in DRIVERS:
            bucket = buckets[driver][bucket_of(driver, ticket)]
            bucket.tickets += 1
            if row.score is not None and 0 <= row.score < len(bucket.cells[row.survey_id].counts):
                bucket.cells[row.survey_id].counts[row.score] += 1
    return {
        "survey_id": args.get("survey_id"),
        "since": since.isoformat(),
        "until": until.isoformat(),
        "filters": scope.filters,
        "operations": operations(tickets, settings),
        "drivers": {driver: _bucket_views(driver, buckets[driver], scales) for driver in DRIVERS},
    }


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


def operations(tickets: list[Ticket], settings: dict) -> dict:
    """FRT and resolution time (mean, median), reopen rate, FCR, SLA compliance, AHT."""
    frts = [t.frt for t in tickets if t.frt is not None]
    resolutions = [t.resolution for t in tickets if t.resolution is not None]
    handles = [t.handle_seconds for t in tickets if t.handle_seconds is not None]
    return {
        "tickets": len(tickets),
        "first_response_seconds": _durations(frts, "first_response_at − created_at"),
        "resolution_seconds": _durations(resolutions, "solved_at − created_at"),
        "reopen_rate": _rate(
            [t.reopened for t in tickets], "tickets reopened at least once ÷ tickets with reopen data"
        ),
        "fcr": {
            **_rate([t.fcr for t in tickets], "tickets solved and never reopened ÷ tickets with reopen data"),
            "target": settings["targets"].get("fcr"),
            "benchmark": "70–75 % average, 85 %+ top teams",
        },
        "sla": {
            "first_response": _rate(
                [t.frt_met for t in tickets], "tickets answered within the FRT target ÷ tickets with an FRT"
            ),
            "resolution": _rate(
                [t.resolution_met for t in tickets],
                "tickets solved within the resolution target ÷ tickets with a resolution time",
            ),
            "overall": _rate(
                [t.sla_met for t in tickets], "tickets meeting every target that applies ÷ tickets with SLA data"
            ),
            "targets": settings["sla"],
            "target": settings["targets"].get("sla"),
        },
        "average_handle_seconds": {
            "value": round(sum(handles) / len(handles), 2) if handles else None,
            "n": len(handles),
            "formula": "sum of handle time ÷ interactions",
        },
    }


def _durations(values: list[float], formula: str) -> dict:
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), 2) if values else None,
        "median": round(statistics.median(values), 2) if values else None,
        "formula": formula,
    }


def _rate(flags: list[bool | None], formula: str) -> dict:
    known = [f for f in flags if f is not None]
    yes = sum(known)
    interval = wilson(yes, len(known))
    pct = lambda x: None if x is None else round(100 * x, 2)
    return {
        "n": len(known),
        "value": pct(yes / len(known)) if known else None,
        "ci_low": pct(interval.low),
        "ci_high": pct(interval.high),
        "formula": formula,
    }
