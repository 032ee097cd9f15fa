"""`/w/{id}/themes`: what one survey's answers talk about, ranked by each theme's effect on the
score, with mentions, share, praise against complaints, a weekly sparkline and example comments
(for roles that may read them). The figures are GET /api/v1/themes' for the same query."""

from __future__ import annotations

from datetime import timedelta

from flask import g
from flask_babel import gettext as _

from app.platform.contract import HTML, responds
from app.scoring.periods import period_start
from app.services.accounts.permissions import Action, can
from app.services.insights.themes import theme_report_with_weeks
from app.services.insights.verbatims import answers_by_id, listing_filters
from app.web import charts, formatting
from app.web.blueprint import bp
from app.web.dashboard import Selection, render_page, select_view
from app.web.members import member_page

TEMPLATE = "web/dashboard/themes.html"
SHOWN = 30
EXAMPLES_SHOWN = 2


@bp.get("/w/<id:workspace_id>/themes")
@member_page(Action.READ_REPORTS)
@responds(200, content_type=HTML, errors=HTML, description="Themes ranked by their effect on a survey's score")
def themes(workspace_id: int):
    """One survey's themes, most harmful to its score first, each opening the feed filtered to it."""
    view = select_view(g.workspace, survey_required=True)
    if view.survey is None or view.unlinked_agent:
        return render_page(TEMPLATE, "themes", view, report=None)
    filters = listing_filters(view.metrics_args())
    report, mentions = theme_report_with_weeks(g.workspace.id, filters, SHOWN, view.workspace.timezone)
    items = report["items"]
    weeks = _weeks(view)
    examples = {}
    if can(g.membership, Action.READ_VERBATIMS):
        wanted = [rid for i in items for rid in i["example_response_ids"][:EXAMPLES_SHOWN]]
        found = answers_by_id(g.workspace.id, wanted)
        examples = {
            i["theme"]: [found[rid] for rid in i["example_response_ids"][:EXAMPLES_SHOWN] if rid in found]
            for i in items
        }
    rows = [_row(view, item, report["kind"], weeks, mentions.get(item["theme"], {}), examples) for item in items]
    return render_page(
        TEMPLATE,
        "themes",
        view,
        report=report,
        rows=rows,
        chart=_chart(view, rows, report["kind"]) if rows else None,
        weeks=weeks,
    )


def _weeks(view: Selection) -> list:
    first, out = period_start(view.first, "week"), []
    while first <= view.last:
        out.append(first)
        first += timedelta(days=7)
    return out


def _row(view: Selection, item: dict, kind: str, weeks: list, mentions: dict, examples: dict) -> dict:
    counts = [mentions.get(week, 0) for week in weeks]
    return {
        "item": item,
        "href": view.feed(theme=item["theme"]),
        "weekly": counts,
        "sparkline": charts.sparkline(counts, 0, max(counts + [1])),
        "examples": examples.get(item["theme"], []),
        "impact": formatting.score_delta(kind, item["impact"]),
    }


def _chart(view: Selection, rows: list[dict], kind: str):
    impacts = [abs(r["item"]["impact"] or 0) for r in rows]
    reach = max(impacts + [1])
    reach = charts.nice_ticks(0, reach, 3)[-1] if reach > 0 else 1
    marks = [
        charts.Mark(
            r["item"]["label"],
            r["item"]["impact"],
            href=r["href"],
            title=_(
                "%(theme)s: %(impact)s on the score, %(n)s mentions. Open these answers.",
                theme=r["item"]["label"],
                impact=r["impact"],
                n=formatting.number(r["item"]["mentions"]),
            ),
            muted=r["item"]["score"]["low_sample"],
        )
        for r in rows
    ]
    return charts.interval_rows(
        marks,
        _("Effect of each theme on %(kind)s", kind=formatting.kind_name(kind)),
        -reach,
        reach,
        tick_label=lambda v: formatting.score_delta(kind, v) if v else "0",
    )
