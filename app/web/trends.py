"""`/w/{id}/trends`: one survey's score by day, week or month in the workspace's zone, with its
95 % interval as a band and the event log as markers (an entry can be added here); the
distribution of its answers; the volume. The figures are GET /api/v1/metrics' for the same query."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import g, redirect
from flask_babel import gettext as _
from marshmallow import ValidationError

from app.platform.contract import FORM, HTML, responds, takes
from app.schemas.insights import AnnotationInSchema
from app.services.accounts.permissions import Action, can
from app.services.insights.annotations import create_annotation
from app.services.insights.metrics import metrics
from app.web import charts, formatting
from app.web.blueprint import bp
from app.web.dashboard import Selection, render_page, select_view
from app.web.forms import AnnotationForm
from app.web.members import member_page

TEMPLATE = "web/dashboard/trends.html"


@bp.get("/w/<id:workspace_id>/trends")
@member_page(Action.READ_REPORTS)
@responds(200, content_type=HTML, errors=HTML, description="A survey's score over time, its answers and volume")
def trends(workspace_id: int):
    """One survey's score by period with its interval, the event log, the distribution and the volume."""
    return _page(AnnotationForm(formdata=None, date=date.today()))


@bp.post("/w/<id:workspace_id>/trends/annotations")
@member_page(Action.WORK_FOLLOW_UPS)
@takes(
    {
        "type": "object",
        "properties": {name: {"type": "string"} for name in ("date", "label", "note", "csrf_token")},
        "required": ["date", "label"],
    },
    location="form",
    content_type=FORM,
)
@responds(303, content_type=HTML, errors=HTML, description="Added: back to the trends, same view")
@responds(422, content_type=HTML, description="Nothing added: the page again, saying what to fix")
def add_annotation(workspace_id: int):
    """Add an entry to the event log from the trends page."""
    form = AnnotationForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        data = AnnotationInSchema().load(
            {"date": form.date.data.isoformat(), "label": form.label.data.strip(), "note": form.note.data or None}
        )
    except ValidationError as invalid:
        form.label.errors = [m for messages in invalid.messages.values() for m in messages]
        return _page(form, 422)
    create_annotation(g.workspace.id, data)
    view = select_view(g.workspace, survey_required=True)
    return redirect(view.href("/trends") + "#events-title", 303)


def _page(form: AnnotationForm, status: int = 200):
    view = select_view(g.workspace, survey_required=True, days_by_day=14)
    may_annotate = can(g.membership, Action.WORK_FOLLOW_UPS)
    if view.survey is None or view.unlinked_agent:
        return render_page(TEMPLATE, "trends", view, figures=None, form=form, may_annotate=may_annotate), status
    figures = metrics(g.workspace, view.metrics_args(interval=view.interval))
    kind = view.survey.kind
    summary = figures["scores"][0] if figures["scores"] else None
    rows = [_row(view, point, kind) for point in figures["series"]]
    return (
        render_page(
            TEMPLATE,
            "trends",
            view,
            figures=figures,
            summary=summary,
            kind=kind,
            rows=rows,
            score_chart=_score_chart(view, rows, kind, summary),
            distribution=_distribution(view, summary),
            volume=charts.bars(
                [charts.Mark(r["label"], r["n"], href=r["href"], title=r["volume_title"]) for r in rows],
                formatting.kind_name(kind) + " · " + _("answers per period"),
                tick_label=lambda v: formatting.number(v),
            ),
            annotations=[a for r in rows for a in r["annotations"]],
            form=form,
            may_annotate=may_annotate,
        ),
        status,
    )


def _row(view: Selection, point: dict, kind: str) -> dict:
    """One period: its days (clipped to the view), its score and a link to its answers."""
    start = max(date.fromisoformat(point["period"]), view.first)
    last = min((datetime.fromisoformat(point["end"]) - timedelta(microseconds=1)).date(), view.last)
    score = point["scores"].get(kind) or {"n": 0, "value": None, "ci_low": None, "ci_high": None, "low_sample": True}
    words = formatting.period_long(start, last, view.interval)
    value = formatting.score(kind, score["value"])
    return {
        "start": start,
        "last": last,
        "label": formatting.period(start, view.interval),
        "words": words,
        "score": score,
        "n": point["n"],
        "href": view.feed(first=start, last=last),
        "title": _(
            "%(period)s: %(value)s, n = %(n)s. Open these answers.",
            period=words,
            value=value,
            n=formatting.number(score["n"]),
        ),
        "volume_title": f"{words}: {formatting.number(point['n'])}",
        "annotations": point["annotations"],
    }


def _score_chart(view: Selection, rows: list[dict], kind: str, summary: dict | None):
    marks = [
        charts.Mark(
            r["label"],
            r["score"]["value"],
            r["score"]["ci_low"],
            r["score"]["ci_high"],
            href=r["href"],
            title=r["title"],
            muted=r["score"]["low_sample"],
        )
        for r in rows
    ]
    markers = [
        charts.Marker(i, f"{formatting.day(a.day)}: {a.label}") for i, r in enumerate(rows) for a in r["annotations"]
    ]
    low, high = (-100, 100) if kind == "nps" else (0, 100)
    lows = [m.low for m in marks if m.low is not None]
    if lows and kind != "nps":
        low = max(0, min(lows) // 10 * 10)
    return charts.band_line(
        marks,
        f"{formatting.kind_name(kind)} · {view.survey.name}",
        low,
        high,
        tick_label=lambda v: formatting.score(kind, v),
        target=summary.get("target") if summary else None,
        markers=markers,
    )


def _distribution(view: Selection, summary: dict | None):
    if summary is None:
        return None
    total = summary["n"] or 1
    marks = [
        charts.Mark(
            score,
            count,
            href=view.feed(score_min=score, score_max=score),
            title=f"{score}: {formatting.number(count)} ({formatting.percent(100 * count / total)})",
        )
        for score, count in summary["distribution"].items()
    ]
    return charts.bars(marks, _("Answers by score"), tick_label=lambda v: formatting.number(v))
