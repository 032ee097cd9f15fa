"""`/w/{id}/drivers`: one survey's score by first-response time, resolution time, reopens,
first-contact resolution, SLA met and channel, as bars with their 95 % intervals, beside the
tickets' operational KPIs. The figures are GET /api/v1/drivers' for the same query.

Only the channel's bars link to the feed: the feed filters by channel, not by a ticket's
response time or reopens, and a link must land on exactly the answers behind its bar.
"""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from app.platform.contract import HTML, responds
from app.services.accounts.permissions import Action
from app.services.insights.drivers import drivers as driver_report
from app.web import formatting
from app.web.blueprint import bp
from app.web.dashboard import Selection, render_page, score_rows_chart, select_view
from app.web.members import member_page

TEMPLATE = "web/dashboard/drivers.html"


def _titles() -> dict[str, tuple[str, str]]:
    """driver -> (its column heading, its section heading's "by ..." words)."""
    return {
        "first_response": (_("First response time"), _("by first response time")),
        "resolution": (_("Resolution time"), _("by resolution time")),
        "reopened": (_("Reopened"), _("by whether the ticket was reopened")),
        "fcr": (_("Resolved on first contact"), _("by first-contact resolution")),
        "sla": (_("SLA"), _("by SLA met or missed")),
        "channel": (_("Channel"), _("by channel")),
    }


def _bucket_name(bucket: str) -> str:
    words = {"yes": _("yes"), "no": _("no"), "unknown": _("unknown"), "met": _("met"), "missed": _("missed")}
    return words.get(bucket, bucket)


@bp.get("/w/<id:workspace_id>/drivers")
@member_page(Action.READ_REPORTS)
@responds(200, content_type=HTML, errors=HTML, description="The score by ticket KPI bucket, with the KPIs")
def drivers(workspace_id: int):
    """One survey's score by each operational driver, and the tickets' KPIs."""
    view = select_view(g.workspace, survey_required=True)
    if view.survey is None or view.unlinked_agent:
        return render_page(TEMPLATE, "drivers", view, report=None)
    report = driver_report(g.workspace, view.metrics_args())
    kind = view.survey.kind
    sections = []
    for driver, (title, by) in _titles().items():
        buckets = [b for b in report["drivers"][driver] if b["tickets"]]
        rows = [_row(view, driver, b, kind) for b in buckets]
        sections.append({"driver": driver, "title": title, "by": by, "rows": rows, "chart": _chart(rows, kind, by)})
    answered = sum(b["n"] for b in report["drivers"]["channel"])
    return render_page(
        TEMPLATE,
        "drivers",
        view,
        report=report,
        ops=report["operations"],
        sections=sections,
        kind=kind,
        answered=answered,
    )


def _row(view: Selection, driver: str, bucket: dict, kind: str) -> dict:
    score = bucket["scores"].get(kind) or {"n": 0, "value": None, "ci_low": None, "ci_high": None, "low_sample": True}
    linked = driver == "channel" and bucket["bucket"] != "unknown"
    return {
        "name": _bucket_name(bucket["bucket"]),
        "tickets": bucket["tickets"],
        "score": score,
        "href": view.feed(channel=bucket["bucket"]) if linked else None,
    }


def _chart(rows: list[dict], kind: str, title: str):
    if not any(r["score"]["value"] is not None for r in rows):
        return None
    return score_rows_chart(
        rows, kind, f"{formatting.kind_name(kind)} {title}", muted=lambda r: r["score"]["low_sample"]
    )
