"""The verbatim feed (/w/{id}/responses), its CSV, and one answer's page. Every filter is a query
parameter (feed_links.FEED_FILTERS), so a filtered view is a URL to bookmark or share; who may
read what is decided by services/answers/feed.py, which the CSV shares with the page."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, g, render_template, request, stream_with_context
from marshmallow import ValidationError

from app.errors import APIError
from app.platform.contract import HTML, responds, takes
from app.schemas.feed import FeedQuery
from app.schemas.query import SENTIMENTS
from app.services.accounts.permissions import Action, can
from app.services.answers import feed
from app.services.insights.exports import csv_lines
from app.services.surveys import list_surveys
from app.web import formatting
from app.web.blueprint import bp
from app.web.feed_links import FEED_FILTERS, feed_url
from app.web.members import member_page

CSV = "text/csv"
_NOT_OURS = "Another workspace's answer, or (for an agent) another agent's: not found"


def _args() -> dict[str, str]:
    """The filters as given (first value of each), for the form and the links that keep them."""
    return {name: request.args.get(name, "") for name in FEED_FILTERS if request.args.get(name, "").strip()}


def _render(template: str, status: int = 200, **values):
    return (
        render_template(
            template,
            section="responses",
            may_manage=can(g.membership, Action.MANAGE_SETTINGS),
            show=formatting,
            zone=g.workspace.timezone,
            feed_url=feed_url,
            **values,
        ),
        status,
    )


def _feed_page(result: feed.Feed | None, errors: dict, status: int = 200):
    args = _args()
    return _render(
        "web/dashboard/responses.html",
        status,
        feed=result,
        args=args,
        errors=errors,
        surveys=list_surveys(g.workspace.id),
        themes=feed.theme_choices(g.workspace.id, args.get("theme")),
        sentiments=SENTIMENTS,
        filtered=bool(args),
        csv_url=feed_url(g.workspace.id, **args).replace("/responses", "/responses.csv", 1),
        next_url=(feed_url(g.workspace.id, **args) + ("&" if args else "?") + f"after={result.next_cursor}")
        if result and result.next_cursor
        else None,
        paged=bool(request.args.get("after")),
        agent_key_missing=g.membership.role == "agent" and not g.membership.agent_key,
    )


@bp.get("/w/<id:workspace_id>/responses")
@member_page(Action.READ_VERBATIMS)
@takes(FeedQuery, location="query", required=False)
@responds(
    200, content_type=HTML, errors=HTML, description="The answers matching the filters, newest first, a page at a time"
)
@responds(400, content_type=HTML, description="The `after` cursor is not one this page gave")
@responds(422, content_type=HTML, description="A filter is not valid: the form again, saying which and why")
def responses_page(workspace_id: int):
    """The verbatim feed: each answer's score, comment, themes, sentiment, agent and ticket."""
    try:
        query = FeedQuery().load(request.args.to_dict())
        return _feed_page(feed.read_feed(g.membership, g.workspace, query), {})
    except ValidationError as invalid:
        return _feed_page(None, invalid.messages, 422)
    except APIError as refused:
        if refused.code != "invalid_cursor":
            raise
        return _feed_page(None, {"after": [refused.message]}, 400)


@bp.get("/w/<id:workspace_id>/responses.csv")
@member_page(Action.READ_VERBATIMS)
@takes(FeedQuery, location="query", required=False)
@responds(
    200,
    content_type=CSV,
    errors=HTML,
    description="The feed's answers for the same filters, one row per answer with its ticket's KPIs",
)
@responds(422, content_type=HTML, description="A filter is not valid")
def responses_csv(workspace_id: int):
    """The CSV of the feed's current filter: exactly the answers the page counts."""
    try:
        query = FeedQuery().load(request.args.to_dict())
    except ValidationError as invalid:
        return _feed_page(None, invalid.messages, 422)
    query.pop("cursor", None)  # the file holds every page
    header, rows = feed.export_feed(g.membership, g.workspace, query)
    name = f"responses-{g.workspace.id}-{date.today().isoformat()}.csv"
    return Response(
        stream_with_context(csv_lines(header, rows)),
        mimetype=CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/w/<id:workspace_id>/responses/<id:response_id>")
@member_page(Action.READ_VERBATIMS)
@responds(
    200, content_type=HTML, errors=HTML, description="One answer: its ticket, themes and the invite's whole history"
)
@responds(404, content_type=HTML, description=_NOT_OURS)
def response_page(workspace_id: int, response_id: int):
    """One answer's own page, with the invite's lifecycle from creation to analysis."""
    try:
        detail = feed.read_answer(g.membership, g.workspace, response_id)
    except APIError as refused:
        if refused.status != 404:
            raise
        abort(404)
    return _render("web/dashboard/answer.html", detail=detail, feed_link=feed_url(workspace_id))
