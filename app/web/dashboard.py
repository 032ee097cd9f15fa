"""What every dashboard page reads from its URL (survey, local days, interval, filters) and how it
asks the insight services for it, so every page computes its figures exactly as the JSON API does.

Every filter lives in the query string (GET forms), so any view can be bookmarked and shared. A
value that cannot be read is ignored and said so on the page, never a 400: a reader who mistyped
a date still gets a dashboard. An agent's every read is narrowed to their own agent key
(`own_agent_key`), whatever the URL says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import g, render_template, request
from flask_babel import gettext as _

from app.models import Survey, Workspace
from app.models.account import Role
from app.models.types import utcnow
from app.scoring.periods import local_date, midnight
from app.services.accounts.permissions import Action, can, narrow_team, own_agent_key, team_limit
from app.services.insights.figures import KIND_ORDER
from app.services.surveys import list_surveys
from app.web import charts, formatting
from app.web.feed_links import feed_url

FILTERS = ("agent", "team", "channel", "priority", "segment", "tag")
INTERVALS = ("day", "week", "month")
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366  # the metrics service refuses more than 1,100 periods; months keep it far below
PRESETS = (7, 30, 90, 365)


@dataclass
class Selection:
    """One page's question: which survey, which local days (inclusive), which filters."""

    workspace: Workspace
    surveys: list[Survey]
    survey: Survey | None
    first: date
    last: date
    interval: str
    filters: dict[str, str] = field(default_factory=dict)
    agent_role: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.workspace.timezone)

    @property
    def since(self) -> datetime:
        return midnight(self.first, self.zone)

    @property
    def until(self) -> datetime:
        return midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def unlinked_agent(self) -> bool:
        """An agent whose account names no agent key: they have no answers of their own to see."""
        return self.agent_role and not self.filters.get("agent")

    def metrics_args(self, all_surveys: bool = False, **extra) -> dict:
        """The query /api/v1/metrics (and /drivers, /themes) would be given for this view."""
        args = {"since": self.since, "until": self.until, **self.filters, **extra}
        if self.survey is not None and not all_surveys:
            args["survey_id"] = self.survey.id
        return args

    def feed(self, first: date | None = None, last: date | None = None, **more) -> str:
        """The responses feed for this view's survey, days and filters, narrowed by `more`."""
        more.setdefault("survey", self.survey.id if self.survey is not None else None)
        return feed_url(
            self.workspace.id,
            from_=(first or self.first).isoformat(),
            to=(last or self.last).isoformat(),
            **{**self.filters, **more},
        )

    def query(self, **changes) -> dict:
        """This view's query string as a dict, with `changes` applied (None removes a key)."""
        args = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.survey is not None:
            args["survey"] = str(self.survey.id)
        if request.args.get("interval") in INTERVALS:
            args["interval"] = self.interval
        args.update({k: v for k, v in self.filters.items() if not (self.agent_role and k == "agent")})
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = str(value)
        return args

    def href(self, path: str = "", **changes) -> str:
        """A dashboard page of this workspace (`path` like "/trends") keeping this view's query."""
        query = urlencode(self.query(**changes))
        return f"/w/{self.workspace.id}{path}" + (f"?{query}" if query else "")

    @property
    def page(self) -> str:
        """This page's path under the workspace: "" (the overview), "/trends", ..."""
        return request.path[len(f"/w/{self.workspace.id}") :]

    @property
    def narrowing(self) -> list[tuple[str, str, str]]:
        """(filter, value, the href without it) for the filters the form has no field for."""
        return [
            (name, self.filters[name], self.href(self.page, **{name: None}))
            for name in ("agent", "priority", "segment", "tag")
            if self.filters.get(name) and not (self.agent_role and name == "agent")
        ]

    def presets(self) -> list[tuple[str, str, bool]]:
        """(label, href, current) for the quick periods: the last 7, 30, 90 and 365 days."""
        today = local_date(utcnow(), self.zone)
        out = []
        for days in PRESETS:
            first = today - timedelta(days=days - 1)
            span = {"from": first.isoformat(), "to": today.isoformat()}
            out.append(
                (_("Last %(n)s days", n=days), self.href(self.page, **span), (self.first, self.last) == (first, today))
            )
        return out


def select_view(workspace: Workspace, survey_required: bool, days_by_day: int = 31) -> Selection:
    """The view this request's query string asks for, with defaults: the last 30 local days, the
    first survey (CSAT before NPS before CES) where the page needs one; by day up to `days_by_day`
    days, by week up to half a year, else by month."""
    args, problems = request.args, []
    surveys = list_surveys(workspace.id)
    zone = ZoneInfo(workspace.timezone)
    today = local_date(utcnow(), zone)

    survey = None
    wanted = args.get("survey", "")
    if wanted:
        survey = next((s for s in surveys if str(s.id) == wanted), None)
        if survey is None:
            problems.append(_("No survey %(id)s here: showing the default one.", id=wanted[:20]))
    if survey is None and survey_required and surveys:
        order = {kind: i for i, kind in enumerate(KIND_ORDER)}
        survey = min(surveys, key=lambda s: (order.get(s.kind, 9), s.id))

    first, last = _day(args.get("from"), problems), _day(args.get("to"), problems)
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        first, last = last, first
    if (last - first).days + 1 > MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
        problems.append(_("At most %(n)s days at once: showing the last ones.", n=MAX_DAYS))

    days = (last - first).days + 1
    interval = args.get("interval")
    if interval not in INTERVALS:
        if interval:
            problems.append(_("Unknown interval: use day, week or month."))
        interval = "day" if days <= days_by_day else "week" if days <= 190 else "month"
    if interval == "day" and days > 370:
        interval = "week"

    filters = {name: args[name].strip()[:200] for name in FILTERS if args.get(name, "").strip()}
    if team_limit(g.membership) is not None:
        # A manager limited to some teams reads one of theirs, whatever the URL asks for.
        team = narrow_team(g.membership, filters.get("team"))
        if filters.get("team") not in (None, team):
            problems.append(_("Your role shows only your teams: showing %(team)s.", team=team))
        filters["team"] = team
    agent_role = Role(g.membership.role) is Role.AGENT
    if agent_role:
        # An agent sees only their own answers, whatever the URL asks for.
        filters.pop("agent", None)
        own = own_agent_key(g.membership)
        if own:
            filters["agent"] = own
    return Selection(workspace, surveys, survey, first, last, interval, filters, agent_role, problems)


def _day(raw: str | None, problems: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        problems.append(_("Not a date: %(value)s (use YYYY-MM-DD).", value=raw[:20]))
        return None


def render_page(template: str, section: str, view: Selection, **context):
    """A dashboard page: the layout's navigation, the filter form and the reader's permissions."""
    return render_template(
        template,
        section=section,
        view=view,
        fmt=formatting,
        may_manage=can(g.membership, Action.MANAGE_SETTINGS),
        may_read_comments=can(g.membership, Action.READ_VERBATIMS),
        role=Role(g.membership.role),
        **context,
    )


def score_rows_chart(rows: list[dict], kind: str, caption: str, *, note=None, muted=None):
    """Rows of scores with their 95 % intervals (agents, teams, drivers' buckets), one bar each
    linking to its answers. Each row: name, score (the metrics' score object), href; `note(row)`
    adds to a bar's title, `muted(row)` shades it (a sample too small to rank or to trust)."""
    marks = [
        charts.Mark(
            r["name"],
            r["score"]["value"],
            r["score"]["ci_low"],
            r["score"]["ci_high"],
            href=r["href"],
            title=_(
                "%(name)s: %(value)s, n = %(n)s, 95 %% interval %(ci)s%(note)s",
                name=r["name"],
                value=formatting.score(kind, r["score"]["value"]),
                n=formatting.number(r["score"]["n"]),
                ci=formatting.interval(kind, r["score"]["ci_low"], r["score"]["ci_high"]),
                note=note(r) if note else "",
            ),
            muted=muted(r) if muted else False,
        )
        for r in rows
    ]
    low, high = (-100, 100) if kind == "nps" else (0, 100)
    return charts.interval_rows(marks, caption, low, high, tick_label=lambda v: formatting.score(kind, v))
