"""GET /metrics: scores with n and intervals, series, groups, change, response rate, sentiment."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import Survey, Workspace
from app.models.types import utcnow
from app.scoring.periods import count_periods, default_interval, local_date, periods
from app.scoring.scores import BANDS, score_summary
from app.services.insights import figures
from app.services.insights.annotations import list_annotations
from app.services.insights.cells import FILTER_DIMENSIONS, Cell, Scope, fetch
from app.services.insights.figures import SurveyScale
from app.services.insights.settings import good_at, load_settings
from app.services.surveys import unknown_survey

DEFAULT_DAYS = 30
MAX_PERIODS = 1100
MAX_GROUPS = 500


def metrics(workspace: Workspace, args: dict) -> dict:
    """Every figure of the metrics view for one workspace, range, filter set and grouping."""
    settings = load_settings(workspace.id)
    since, until = resolve_range(args)
    zone_name = args.get("tz") or workspace.timezone
    interval = args.get("interval") or default_interval(since, until)
    scope = build_scope(workspace, args, zone_name)
    if count_periods(since, until, scope.zone, interval) > MAX_PERIODS:
        raise APIError(
            422,
            "validation_error",
            "Too many periods: use a wider interval or a shorter range.",
            {"interval": [f"At most {MAX_PERIODS} periods per request."]},
        )
    scales = survey_scales(workspace.id, settings, args.get("survey_id"))
    previous_since = since - (until - since)

    by_day = fetch(scope, since, until, by_day=True, by_group=False, interval=interval)
    previous = fetch(scope, previous_since, since, by_day=False, by_group=False)
    grouped = fetch(scope, since, until, by_day=False, by_group=True) if scope.group_by else {}

    current_by_survey = _per_survey(by_day.items())
    previous_by_survey = _per_survey(previous.items())
    summaries = _headline(current_by_survey, previous_by_survey, scales, settings)
    overall = figures.total(current_by_survey.values())
    return {
        "survey_id": args.get("survey_id"),
        "since": since.isoformat(),
        "until": until.isoformat(),
        "tz": zone_name,
        "interval": interval,
        "group_by": scope.group_by,
        "filters": scope.filters,
        "previous": {"since": previous_since.isoformat(), "until": since.isoformat()},
        "scores": summaries,
        **{kind: next((s for s in summaries if s["kind"] == kind), None) for kind in figures.KIND_ORDER},
        "response_rate": {**figures.response_rate(overall), "target": settings["targets"].get("response_rate")},
        "sentiment": figures.sentiment(overall),
        "series": _series(workspace.id, scope, since, until, interval, by_day, scales),
        "groups": _groups(grouped, scales),
        "source": "rollup" if scope.use_rollups else "raw",
    }


def resolve_range(args: dict) -> tuple[datetime, datetime]:
    until = args.get("until") or utcnow()
    since = args.get("since") or until - timedelta(days=DEFAULT_DAYS)
    if since >= until:
        raise APIError(422, "validation_error", "`since` must be before `until`.", {"since": ["Must be before until."]})
    return since, until


def build_scope(workspace: Workspace, args: dict, zone_name: str) -> Scope:
    filters = {name: args[name] for name in FILTER_DIMENSIONS if args.get(name) is not None}
    use_rollups = (
        db.engine.dialect.name == "postgresql"
        and current_app.config.get("METRICS_ROLLUPS", True)
        # A rollup row holds one tag: "answers tagged X, by tag" needs the other tags those
        # answers carry, which only the raw rows know.
        and not (args.get("group_by") == "tag" and "tag" in filters)
    )
    return Scope(
        workspace.id, zone_name, args.get("survey_id"), filters, args.get("group_by"), use_rollups, workspace.timezone
    )


def survey_scales(workspace_id: int, settings: dict, survey_id: int | None) -> dict[int, SurveyScale]:
    query = select(Survey.id, Survey.kind, Survey.scale_min, Survey.scale_max).where(
        Survey.workspace_id == workspace_id
    )
    if survey_id is not None:
        query = query.where(Survey.id == survey_id)
    scales = {
        sid: SurveyScale(kind, low, high, good_at(kind, low, high, settings))
        for sid, kind, low, high in db.session.execute(query)
    }
    if survey_id is not None and not scales:
        raise unknown_survey()
    return scales


def _per_survey(items) -> dict[int, Cell]:
    out: dict[int, Cell] = defaultdict(Cell)
    for (_, _, survey_id), cell in items:
        out[survey_id].add(cell)
    return out


def _headline(
    current: dict[int, Cell], previous: dict[int, Cell], scales: dict[int, SurveyScale], settings: dict
) -> list[dict]:
    """One full summary per kind and scale, with its change and the workspace's target."""
    by_scale: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for survey_id, cell in current.items():
        scale = scales.get(survey_id)
        if scale is not None and cell.n:
            for score, count in enumerate(cell.counts):
                by_scale[(scale.kind, scale.scale_min, scale.scale_max)][score] += count
    now = figures.tallies(current, scales, by="scale")
    before = figures.tallies(previous, scales, by="scale")
    out = []
    order = {kind: i for i, kind in enumerate(figures.KIND_ORDER)}
    for key in sorted(by_scale, key=lambda k: (order[k[0]], k[1], k[2])):
        kind, low, high = key
        distribution = {s: c for s, c in by_scale[key].items() if low <= s <= high}
        summary = score_summary(kind, low, high, distribution, good_at(kind, low, high, settings))
        summary["change"] = figures.change(kind, now[key], before.get(key, figures.Tally()))
        target = settings["targets"].get(kind)
        summary["target"] = target
        summary["meets_target"] = None if target is None or summary["value"] is None else summary["value"] >= target
        summary["benchmarks"] = [{"from": floor, "band": band} for floor, band in BANDS.get(kind, [])]
        out.append(summary)
    return out


def _series(workspace_id, scope, since, until, interval, by_day, scales) -> list[dict]:
    spans = periods(since, until, scope.zone, interval)
    notes = list_annotations(workspace_id, spans[0].start_day, spans[-1].end_day) if spans else []
    first_day, last_day = local_date(since, scope.zone), local_date(until - timedelta(microseconds=1), scope.zone)
    buckets: dict = {span.start_day: defaultdict(Cell) for span in spans}
    starts = [span.start_day for span in spans]
    for (day, _, survey_id), cell in by_day.items():
        start = _period_of(day, starts)
        if start is not None:
            buckets[start][survey_id].add(cell)
    out = []
    for span in spans:
        cells = buckets[span.start_day]
        overall = figures.total(cells.values())
        out.append(
            {
                "period": span.start_day.isoformat(),
                "start": span.start.astimezone(scope.zone).isoformat(),
                "end": span.end.astimezone(scope.zone).isoformat(),
                "n": overall.n,
                "scores": figures.scores(cells, scales),
                "response_rate": figures.response_rate(overall),
                "sentiment": figures.sentiment(overall),
                "annotations": [
                    a for a in notes if span.start_day <= a.day < span.end_day and first_day <= a.day <= last_day
                ],
            }
        )
    return out


def _period_of(day, starts: list):
    i = bisect_right(starts, day) - 1
    return starts[i] if i >= 0 else None


def _groups(grouped, scales) -> list[dict]:
    per_group: dict = defaultdict(lambda: defaultdict(Cell))
    for (_, key, survey_id), cell in grouped.items():
        per_group[key][survey_id].add(cell)
    out = []
    for key, cells in per_group.items():
        overall = figures.total(cells.values())
        out.append(
            {
                "key": key or None,
                "label": overall.label or None,
                "n": overall.n,
                "scores": figures.scores(cells, scales),
                "response_rate": figures.response_rate(overall),
                "sentiment": figures.sentiment(overall),
            }
        )
    out.sort(key=lambda g: (-g["n"], -g["response_rate"]["delivered"], g["key"] or ""))
    return out[:MAX_GROUPS]
