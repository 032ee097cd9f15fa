"""`/w/{id}/agents`: agents and teams with score, n and 95 % interval, ranked only where n reaches
the workspace's minimum sample (smaller rows shown shaded, unranked). The figures are the groups
of GET /api/v1/metrics?group_by=agent (and team) for the same query; each row opens the feed."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from app.platform.contract import HTML, responds
from app.services.accounts.permissions import Action
from app.services.insights.metrics import metrics
from app.services.insights.settings import load_settings, min_sample
from app.web import formatting
from app.web.blueprint import bp
from app.web.dashboard import Selection, render_page, score_rows_chart, select_view
from app.web.members import member_page

TEMPLATE = "web/dashboard/agents.html"
CHARTED = 40  # rows drawn; the table holds every row


@bp.get("/w/<id:workspace_id>/agents")
@member_page(Action.READ_REPORTS)
@responds(
    200, content_type=HTML, errors=HTML, description="Agents and teams: score, n, interval, ranked where n allows"
)
def agents(workspace_id: int):
    """Agents and teams of one survey's answers, ranked where their sample allows it."""
    view = select_view(g.workspace, survey_required=True)
    if view.survey is None or view.unlinked_agent:
        return render_page(TEMPLATE, "agents", view, tables=None)
    least = min_sample(load_settings(g.workspace.id))
    kind = view.survey.kind
    tables = []
    for dimension, title in (("agent", _("Agents")), ("team", _("Teams"))):
        figures = metrics(g.workspace, view.metrics_args(group_by=dimension))
        rows = _ranked(view, dimension, figures["groups"], kind, least)
        tables.append(
            {
                "dimension": dimension,
                "title": title,
                "rows": rows,
                "chart": _chart(rows[:CHARTED], kind, title) if rows else None,
                "overall": figures["scores"][0] if figures["scores"] else None,
            }
        )
    return render_page(TEMPLATE, "agents", view, tables=tables, kind=kind, least=least)


def _ranked(view: Selection, dimension: str, groups: list[dict], kind: str, least: int) -> list[dict]:
    """Rows with enough answers by score (best first, the narrower interval first on ties), then
    the rest by n, unranked."""
    rows = []
    for group in groups:
        score = group["scores"].get(kind)
        if not score or not score["n"]:
            continue
        name = group["label"] or group["key"] or _("(none)")
        rows.append(
            {
                "key": group["key"],
                "name": name,
                "score": score,
                "ranked": score["n"] >= least,
                "href": view.feed(**{dimension: group["key"] or ""}) if group["key"] else None,
            }
        )
    ranked = sorted(
        (r for r in rows if r["ranked"]), key=lambda r: (-r["score"]["value"], -r["score"]["ci_low"], r["name"])
    )
    small = sorted((r for r in rows if not r["ranked"]), key=lambda r: (-r["score"]["n"], r["name"]))
    for rank, row in enumerate(ranked, 1):
        row["rank"] = rank
    return ranked + small


def _chart(rows: list[dict], kind: str, title: str):
    return score_rows_chart(
        rows,
        kind,
        f"{title} · {formatting.kind_name(kind)}",
        note=lambda r: ("" if r["ranked"] else _(" (too few answers to rank)")) + ". " + _("Open these answers."),
        muted=lambda r: not r["ranked"],
    )
