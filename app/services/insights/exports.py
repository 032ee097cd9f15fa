"""CSV exports: one row per answer (streamed), and the metrics view as rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from sqlalchemy import text

from app.extensions import db
from app.models.audit import AuditAction
from app.services import audit
from app.services.answers.listing import filtered_responses

# A cell a spreadsheet would read as a formula (OWASP "CSV injection") gets a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

RESPONSE_COLUMNS = [
    "response_id",
    "survey_id",
    "invite_id",
    "score",
    "comment",
    "answered_at",
    "updated_at",
    "sentiment_label",
    "polarity",
    "subjectivity",
    "language",
    "themes",
    "theme_sentiment",
    "mismatch",
    "mismatch_reason",
    "customer_email",
    "customer_name",
    "customer_id",
    "customer_segment",
    "ticket_id",
    "agent_id",
    "agent_name",
    "agent_email",
    "team",
    "channel",
    "priority",
    "tags",
    "ticket_created_at",
    "first_response_at",
    "solved_at",
    "reopens",
    "handle_seconds",
    "first_response_seconds",
    "resolution_seconds",
]


def safe_cell(value) -> str | int | float:
    """A value as a CSV cell: text that would start a formula is neutralised; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_lines(header: list[str], rows: Iterable[list], flush_every: int = 500) -> Iterator[str]:
    """CSV text in chunks, so a large export streams instead of building in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for i, row in enumerate(rows, 1):
        writer.writerow([safe_cell(v) for v in row])
        if i % flush_every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def response_rows(workspace_id: int, filters: dict, own_agent: str | None = None) -> Iterator[list]:
    """One list per answer matching the /responses filters, newest first, read in batches
    (`own_agent`: one agent's answers only, as listing.filtered_responses narrows them).

    The export is recorded in the audit trail when asked for, before the first row is read."""
    audit.record_now(AuditAction.EXPORTED, workspace_id, "responses.csv", {"filters": filters})
    return _response_rows(workspace_id, filters, own_agent)


def _response_rows(workspace_id: int, filters: dict, own_agent: str | None) -> Iterator[list]:
    query = filtered_responses(workspace_id, filters, own_agent).execution_options(yield_per=1000)
    if db.engine.dialect.name == "postgresql":
        # yield_per streams through a server-side cursor, which PostgreSQL plans for its first
        # tenth of rows (cursor_tuple_fraction 0.1): for an agent's month that walked every answer
        # of the month newest first, looking up each one's invite, where the whole file wants the
        # agent's invites joined at once (7.6 k rows of 1 million: 26-32 s on a busy machine, 7-9 s
        # so; benchmarks/feed_scale.py). Until this transaction ends.
        db.session.execute(text("SET LOCAL cursor_tuple_fraction = 1"))
    for response, invite in db.session.execute(query):
        created = invite.ticket_created_at
        frt = (invite.first_response_at - created).total_seconds() if created and invite.first_response_at else None
        resolution = (invite.solved_at - created).total_seconds() if created and invite.solved_at else None
        yield [
            response.id,
            response.survey_id,
            response.invite_id,
            response.score,
            response.comment,
            response.answered_at,
            response.updated_at,
            response.sentiment_label,
            response.polarity,
            response.subjectivity,
            response.language,
            ";".join(response.themes or []),
            _theme_sentiment(response.themes or [], response.theme_sentiment or {}),
            response.mismatch_reason is not None,
            response.mismatch_reason,
            invite.customer_email,
            invite.customer_name,
            invite.customer_id,
            invite.customer_segment,
            invite.ticket_id,
            invite.agent_id,
            invite.agent_name,
            invite.agent_email,
            invite.team,
            invite.channel,
            invite.priority,
            ";".join(invite.tags or []),
            invite.ticket_created_at,
            invite.first_response_at,
            invite.solved_at,
            invite.reopens,
            invite.handle_seconds,
            frt,
            resolution,
        ]


METRICS_COLUMNS = [
    "section",
    "period",
    "key",
    "label",
    "kind",
    "n",
    "value",
    "ci_low",
    "ci_high",
    "low_sample",
    "delivered",
    "answered",
    "response_rate",
    "mean_polarity",
    "annotations",
]


def metrics_rows(view: dict) -> Iterator[list]:
    """The metrics view flattened: totals, then one row per period and kind, then per group and kind."""
    for summary in view["scores"]:
        rate = view["response_rate"]
        yield [
            "total",
            "",
            "",
            "",
            summary["kind"],
            summary["n"],
            summary["value"],
            summary["ci_low"],
            summary["ci_high"],
            summary["low_sample"],
            rate["delivered"],
            rate["answered"],
            rate["value"],
            view["sentiment"]["mean_polarity"],
            "",
        ]
    for item in view["series"]:
        notes = "; ".join(a.label for a in item["annotations"])
        yield from _score_rows("series", item["period"], "", "", item, notes)
    for item in view["groups"]:
        yield from _score_rows("group", "", item["key"], item["label"], item, "")


def _score_rows(section: str, period: str, key, label, item: dict, notes: str) -> Iterator[list]:
    rate, polarity = item["response_rate"], item["sentiment"]["mean_polarity"]
    scores = item["scores"] or {"": {"n": 0, "value": None, "ci_low": None, "ci_high": None, "low_sample": True}}
    for kind, s in scores.items():
        yield [
            section,
            period,
            key,
            label,
            kind,
            s["n"],
            s["value"],
            s["ci_low"],
            s["ci_high"],
            s["low_sample"],
            rate["delivered"],
            rate["answered"],
            rate["value"],
            polarity,
            notes,
        ]


def _theme_sentiment(themes: list[str], sentiment: dict) -> str:
    """`theme=polarity` per theme, in the themes' order, `;`-separated like the themes column."""
    return ";".join(f"{theme}={sentiment[theme]:+.3f}" for theme in themes if sentiment.get(theme) is not None)
