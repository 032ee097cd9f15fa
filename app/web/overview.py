"""`/w/{id}`: the overview a CX lead reads in a minute: one tile per survey kind, the response
rate, the mean sentiment, the themes moving the score most and the latest tone–score mismatches.

Every figure comes from the services behind GET /api/v1/metrics and /themes, with the same query.
"""

from __future__ import annotations

from flask import g

from app.platform.contract import HTML, responds
from app.services.accounts.permissions import Action
from app.services.insights.figures import KIND_ORDER
from app.services.insights.metrics import metrics
from app.services.insights.themes import theme_report
from app.services.insights.verbatims import latest_mismatches, listing_filters
from app.web import charts
from app.web.blueprint import bp
from app.web.dashboard import Selection, render_page, select_view
from app.web.members import member_page

THEMES_SHOWN = 3


@bp.get("/w/<id:workspace_id>")
@member_page(Action.READ_REPORTS)
@responds(200, content_type=HTML, errors=HTML, description="The overview: scores, response rate, sentiment, themes")
def workspace(workspace_id: int):
    """The workspace's overview, as this person's role shows it."""
    view = select_view(g.workspace, survey_required=False)
    if not view.surveys or view.unlinked_agent:
        return render_page("web/dashboard/overview.html", "overview", view, figures=None)
    figures = metrics(g.workspace, view.metrics_args())
    tiles = [_tile(view, summary, figures["series"]) for summary in figures["scores"]]
    themes_survey = view.survey or min(view.surveys, key=lambda s: (KIND_ORDER.index(s.kind), s.id))
    themes = theme_report(
        g.workspace.id, listing_filters(view.metrics_args(survey_id=themes_survey.id)), examples=False
    )
    mismatches, latest = latest_mismatches(g.workspace.id, listing_filters(view.metrics_args()))
    return render_page(
        "web/dashboard/overview.html",
        "overview",
        view,
        figures=figures,
        tiles=tiles,
        themes_survey=themes_survey,
        themes=themes,
        pulling_down=[t for t in themes["items"] if (t["impact"] or 0) < 0][:THEMES_SHOWN],
        pulling_up=sorted((t for t in themes["items"] if (t["impact"] or 0) > 0), key=lambda t: -t["impact"])[
            :THEMES_SHOWN
        ],
        mismatch_count=mismatches,
        mismatches=latest,
    )


def _tile(view: Selection, summary: dict, series: list[dict]) -> dict:
    """One survey kind's headline with its sparkline and the surveys it sums."""
    kind = summary["kind"]
    surveys = [s for s in view.surveys if s.kind == kind and [s.scale_min, s.scale_max] == summary["scale"]]
    values = [(point["scores"].get(kind) or {}).get("value") for point in series]
    low, high = (-100, 100) if kind == "nps" else (0, 100)
    only = surveys[0] if len(surveys) == 1 else None
    return {
        "summary": summary,
        "surveys": surveys,
        "sparkline": charts.sparkline(values, low, high),
        "trends": view.href("/trends", survey=only.id) if only else view.href("/trends"),
        "feed": view.feed(survey=only.id) if only else view.feed(),
    }
