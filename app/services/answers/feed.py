"""The verbatim feed, its CSV and one answer's page: who may read which answers, decided here once.

Comment text is a verbatim: a viewer (aggregates only) is refused it whether it is asked for by
the feed page, the answer page or the CSV; an agent reads only the answers of tickets carrying
their own agent id or email (another agent's answer is "not found", as another tenant's is).
The feed and its CSV run one query (services/answers/listing.py, shared with GET /responses), so
the file holds exactly the answers the page counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.analysis.catalogue import default_theme_keys
from app.analysis.highlight import theme_segments
from app.errors import APIError
from app.extensions import db
from app.integrations import ticket_url
from app.models import Integration, Invite, Membership, Response, Survey, Theme, Workspace
from app.models.account import Role
from app.models.audit import AuditAction
from app.scoring.periods import midnight
from app.services import audit
from app.services.accounts.permissions import Action, can, narrow_team, own_agent_key, require, team_limit
from app.services.answers.listing import count_responses, count_up_to, encode_cursor, filtered_responses, page
from app.services.insights.exports import RESPONSE_COLUMNS, response_rows
from app.services.pagination import keyset_page

PAGE_SIZE = 25
# Above this many matching answers the feed says "More than 10,000 answers" rather than count
# them all, where the rollups cannot count them (listing.count_up_to): an exact count from the
# rows grows with the answers. Paging is unaffected: keyset pages never need the total.
COUNT_CAP: int | None = 10_000
# What only READ_IDENTITIES may see of the person who answered (exports.RESPONSE_COLUMNS' names).
IDENTITY_COLUMNS = ("customer_email", "customer_name", "customer_id")


@dataclass(frozen=True)
class FeedItem:
    response: Response
    invite: Invite
    themes: list[tuple[str, str, float | None]]  # (key, label, polarity), the primary theme first
    ticket_url: str | None
    # The comment in pieces, each with the label of the theme its words name (None: plain text).
    segments: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Feed:
    items: list[FeedItem]
    next_cursor: str | None
    total: int  # answers matching the filter, over every page (COUNT_CAP when `capped`)
    show_identity: bool
    capped: bool = False  # more than `total` answers match: counting stopped there


@dataclass(frozen=True)
class Step:
    """One moment of an invite's life: `kind` is "created", an InviteEventKind value, or "analysed"."""

    at: datetime
    kind: str
    detail: str | None = None
    due: datetime | None = None  # when a scheduled invite was due to be sent


@dataclass(frozen=True)
class AnswerDetail:
    item: FeedItem
    survey: Survey
    steps: list[Step]
    kpis: dict[str, float | int | None] = field(default_factory=dict)
    show_identity: bool = True


def listing_filters(workspace: Workspace, query: dict) -> dict:
    """The feed's parameters (schemas/feed.py FeedQuery) as the answers listing's filters: local
    dates become instants in the workspace's zone, `to` inclusive."""
    filters = {k: v for k, v in query.items() if k not in ("day_from", "day_to", "cursor")}
    zone = ZoneInfo(workspace.timezone)
    if "day_from" in query:
        filters["since"] = midnight(query["day_from"], zone)
    if "day_to" in query:
        filters["until"] = midnight(query["day_to"] + timedelta(days=1), zone)
    return filters


def _reader(membership: Membership) -> str | None:
    """Refuse roles without verbatims (403); the agent key an agent's reads are narrowed to
    ("" for an agent whose key is not set: they see nothing, never everyone's); None for the rest."""
    require(membership, Action.READ_VERBATIMS)
    own = own_agent_key(membership)
    if own is None and Role(membership.role) is Role.AGENT:
        return ""
    return own


def _narrowed(membership: Membership, filters: dict) -> dict:
    """A manager limited to some teams reads one of theirs (the one asked for, else their first)."""
    if team_limit(membership) is not None:
        filters["team"] = narrow_team(membership, filters.get("team"))
    return filters


def read_feed(membership: Membership, workspace: Workspace, query: dict, limit: int = PAGE_SIZE) -> Feed:
    """One page of the answers matching `query` (FeedQuery), newest first, and how many match in all."""
    own = _reader(membership)
    filters = _narrowed(membership, listing_filters(workspace, query))
    # A bulk read of comments, as the API's listing records it (before the read: nothing expires).
    audit.record_now(AuditAction.COMMENTS_READ, workspace.id, "feed", {"filters": filters})
    matching = filtered_responses(workspace.id, filters, own)
    if COUNT_CAP is None:
        total, capped = count_responses(workspace, filters, own), False
    else:
        total, capped = count_up_to(workspace, filters, own, COUNT_CAP)
    rows = db.session.execute(page(matching, limit, query.get("cursor"))).all()
    kept = keyset_page(rows, limit, lambda row: encode_cursor(row[0]))
    items = _items(workspace.id, [(response, invite) for response, invite in kept.items])
    return Feed(items, kept.next_cursor, total, can(membership, Action.READ_IDENTITIES), capped)


def export_feed(membership: Membership, workspace: Workspace, query: dict) -> tuple[list[str], Iterator[list]]:
    """The CSV of the feed's filter: the header and one row per answer with its ticket's KPIs, for
    the roles that may read comments; the identity columns are left out for those who may not see them."""
    own = _reader(membership)
    rows = response_rows(workspace.id, _narrowed(membership, listing_filters(workspace, query)), own)
    if can(membership, Action.READ_IDENTITIES):
        return list(RESPONSE_COLUMNS), rows
    hidden = [RESPONSE_COLUMNS.index(name) for name in IDENTITY_COLUMNS]
    header = [name for i, name in enumerate(RESPONSE_COLUMNS) if i not in hidden]
    return header, ([v for i, v in enumerate(row) if i not in hidden] for row in rows)


def read_answer(membership: Membership, workspace: Workspace, response_id: int) -> AnswerDetail:
    """One answer with its ticket and the invite's whole history; 404 when it is another
    workspace's or, for an agent, another agent's."""
    own = _reader(membership)
    query = filtered_responses(workspace.id, {}, own).where(Response.id == response_id)
    row = db.session.execute(query).first()
    if row is None:
        raise APIError(404, "not_found", "No such answer.")
    response, invite = row
    limit = team_limit(membership)
    if limit is not None and invite.team not in limit:
        raise APIError(404, "not_found", "No such answer.")  # another team's looks like a missing one
    (item,) = _items(workspace.id, [(response, invite)])
    return AnswerDetail(
        item=item,
        survey=db.session.get(Survey, response.survey_id),
        steps=lifecycle(invite, response),
        kpis=ticket_kpis(invite),
        show_identity=can(membership, Action.READ_IDENTITIES),
    )


def lifecycle(invite: Invite, response: Response) -> list[Step]:
    """Everything that happened to the invite, oldest first: its creation, each recorded event
    (scheduled, sent, reminders, answered, changed...) and the analysis of the comment."""
    steps = [Step(invite.created_at, "created")]
    steps += [_step(event.at, event.status, event.detail) for event in invite.events]
    if response.analyzed_at is not None:
        steps.append(Step(response.analyzed_at, "analysed", f"v{response.analysis_version}"))
    return sorted(steps, key=lambda step: step.at)


def _step(at: datetime, kind: str, detail: str | None) -> Step:
    """A recorded event; a schedule's "due <ISO instant>" (invites/tickets.py) keeps its instant, so
    the page can write it in the workspace's zone like every other date."""
    if kind == "scheduled" and detail and detail.startswith("due "):
        try:
            return Step(at, kind, None, datetime.fromisoformat(detail.removeprefix("due ")))
        except ValueError:
            pass
    return Step(at, kind, detail)


def ticket_kpis(invite: Invite) -> dict[str, float | int | None]:
    """The ticket's figures as the CSV gives them: seconds to first response and to resolution."""
    created = invite.ticket_created_at

    def since_created(moment: datetime | None) -> float | None:
        return (moment - created).total_seconds() if created and moment else None

    return {
        "first_response_seconds": since_created(invite.first_response_at),
        "resolution_seconds": since_created(invite.solved_at),
        "handle_seconds": invite.handle_seconds,
        "reopens": invite.reopens,
    }


def theme_choices(workspace_id: int, current: str | None = None) -> list[tuple[str, str]]:
    """(key, label) of every theme an answer of the workspace may carry, by label: its catalogue
    (minus the themes switched off) and the shipped defaults it has no row for yet. The theme
    being filtered on is always listed, so the form shows what the URL says."""
    rows = db.session.execute(select(Theme.key, Theme.label, Theme.enabled).where(Theme.workspace_id == workspace_id))
    catalogue = {key: (label, enabled) for key, label, enabled in rows}
    choices = {key: label for key, (label, enabled) in catalogue.items() if enabled}
    choices.update({key: key for key in default_theme_keys() if key not in catalogue})
    if current and current not in choices:
        choices[current] = current
    return sorted(choices.items(), key=lambda item: (item[1].casefold(), item[0]))


def _items(workspace_id: int, rows: list[tuple[Response, Invite]]) -> list[FeedItem]:
    """Feed items with their themes' labels and tickets' links, in two small queries for the page."""
    keys = {key for response, _ in rows for key in response.themes or []}
    labels: dict[str, str] = {}
    if keys:
        query = select(Theme.key, Theme.label).where(Theme.workspace_id == workspace_id, Theme.key.in_(keys))
        labels = dict(db.session.execute(query).all())
    integration_ids = {invite.integration_id for _, invite in rows if invite.integration_id and invite.ticket_id}
    helpdesks: dict[int, Integration] = {}
    if integration_ids:
        query = select(Integration).where(Integration.workspace_id == workspace_id, Integration.id.in_(integration_ids))
        helpdesks = {integration.id: integration for integration in db.session.scalars(query)}
    items = []
    for response, invite in rows:
        sentiment = response.theme_sentiment or {}
        themes = [(key, labels.get(key, key), sentiment.get(key)) for key in response.themes or []]
        helpdesk = helpdesks.get(invite.integration_id)
        url = ticket_url(helpdesk.provider, helpdesk.api_base_url, invite.ticket_id) if helpdesk else None
        segments = [
            (piece, labels.get(key, key) if key else None)
            for piece, key in theme_segments(response.comment or "", response.themes or [])
        ]
        items.append(FeedItem(response, invite, themes, url, segments))
    return items
