"""Importing answers exported from another tool: validate every row, then write all or nothing."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.extensions import db
from app.models import Invite, InviteEvent, Response, Survey
from app.models.invite import InviteEventKind, InviteStatus
from app.services.invites.tickets import new_token
from app.services.privacy.policy import clean_free_text

# Our field -> (required, parser). Parsers take the stripped text and raise ValueError with a reason.
FIELDS = (
    "score",
    "answered_at",
    "comment",
    "sent_at",
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
)
REQUIRED = ("score", "answered_at")
# Column names other tools commonly export, matched case-insensitively after our own names.
ALIASES = {
    "rating": "score",
    "value": "score",
    "answer": "score",
    "submitted_at": "answered_at",
    "responded_at": "answered_at",
    "created_at": "answered_at",
    "date": "answered_at",
    "feedback": "comment",
    "comments": "comment",
    "reason": "comment",
    "email": "customer_email",
    "requester_email": "customer_email",
    "customer": "customer_name",
    "requester": "customer_name",
    "assignee": "agent_name",
    "assignee_email": "agent_email",
    "agent": "agent_name",
    "group": "team",
    "via": "channel",
    "source": "channel",
    "segment": "customer_segment",
    "ticket": "ticket_id",
    "ticket_created": "ticket_created_at",
    "solved": "solved_at",
}
LIMITS = {
    "comment": 5000,
    "customer_email": 320,
    "customer_name": 200,
    "customer_id": 200,
    "customer_segment": 100,
    "ticket_id": 200,
    "agent_id": 200,
    "agent_name": 200,
    "agent_email": 320,
    "team": 200,
    "channel": 50,
    "priority": 50,
}
MAX_ERRORS = 100


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    errors: list[str] = field(default_factory=list)
    response_ids: list[int] = field(default_factory=list)


def column_mapping(header: list[str], overrides: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """{csv column: our field} from our names, the aliases and --map overrides; plus problems."""
    problems = [f"--map {src}={dst}: unknown field {dst!r}" for src, dst in overrides.items() if dst not in FIELDS]
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in header:
        name = column.strip().lower()
        target = overrides.get(column) or overrides.get(name)
        if target is None:
            target = name if name in FIELDS else ALIASES.get(name)
        if target in FIELDS and target not in taken:
            mapping[column] = target
            taken.add(target)
    problems += [
        f"no column for required field {f!r} (name one with --map COLUMN={f})" for f in REQUIRED if f not in taken
    ]
    return mapping, problems


def parse_row(raw: dict[str, str], mapping: dict[str, str], survey: Survey) -> tuple[dict, list[str]]:
    values: dict = {}
    errors: list[str] = []
    for column, target in mapping.items():
        text = (raw.get(column) or "").strip()
        if not text:
            continue
        try:
            values[target] = _parse(target, text, survey)
        except ValueError as exc:
            errors.append(f"{target} ({column!r}): {exc}")
    errors += [f"{f}: required" for f in REQUIRED if f not in values and not any(e.startswith(f) for e in errors)]
    return values, errors


def _parse(target: str, text: str, survey: Survey):
    if target == "score":
        try:
            value = int(float(text)) if float(text).is_integer() else None
        except ValueError:
            value = None
        if value is None or not survey.scale_min <= value <= survey.scale_max:
            raise ValueError(f"{text!r} is not a whole number from {survey.scale_min} to {survey.scale_max}")
        return value
    if target.endswith("_at"):
        try:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO 8601 date-time") from None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    if target in ("reopens", "handle_seconds"):
        if not text.isdigit():
            raise ValueError(f"{text!r} is not a whole number ≥ 0")
        return int(text)
    if target == "tags":
        separator = ";" if ";" in text else "|" if "|" in text else ","
        tags = list(dict.fromkeys(t.strip() for t in text.split(separator) if t.strip()))
        if any(len(t) > 100 for t in tags):
            raise ValueError("a tag is longer than 100 characters")
        return tags
    if len(text) > LIMITS[target]:
        raise ValueError(f"longer than {LIMITS[target]} characters")
    return text.lower() if target in ("customer_email", "agent_email") else text


def read_rows(handle) -> tuple[list[str], Iterable[tuple[int, dict]]]:
    """The header and (line number, row) pairs; the number is the row's first line in the file."""
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []

    def rows():
        line = reader.line_num + 1
        for row in reader:
            yield line, row
            line = reader.line_num + 1

    return header, rows()


def import_responses(
    survey: Survey,
    handle,
    overrides: dict[str, str] | None = None,
    progress: Callable[[Iterable], Iterable] = lambda rows: rows,
    dry_run: bool = False,
) -> ImportResult:
    """Validate every row; only if none fails, write every invite and answer in one transaction."""
    result = ImportResult()
    header, rows = read_rows(handle)
    mapping, problems = column_mapping(header, overrides or {})
    if problems:
        result.errors = [f"line 1: {p}" for p in problems]
        return result
    parsed: list[dict] = []
    for line, raw in progress(rows):
        result.rows += 1
        if None in raw:  # more cells than the header has columns
            result.errors.append(f"line {line}: {len(raw[None])} cell(s) beyond the header's columns")
            continue
        values, errors = parse_row(raw, mapping, survey)
        result.errors += [f"line {line}: {e}" for e in errors]
        if len(result.errors) >= MAX_ERRORS:
            result.errors.append(f"stopped after {MAX_ERRORS} errors")
            return result
        parsed.append(values)
    if result.errors or dry_run:
        return result
    try:
        responses = [_add(survey, values) for values in parsed]
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.imported = len(responses)
    result.response_ids = [r.id for r in responses]
    return result


def _add(survey: Survey, v: dict) -> Response:
    answered = v["answered_at"]
    sent = v.get("sent_at") or answered
    invite = Invite(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        token=new_token(),
        status=InviteStatus.SENT,
        locale=survey.locale,
        customer_email=v.get("customer_email"),
        customer_name=v.get("customer_name"),
        customer_id=v.get("customer_id"),
        customer_segment=v.get("customer_segment"),
        ticket_id=v.get("ticket_id"),
        agent_id=v.get("agent_id"),
        agent_name=v.get("agent_name"),
        agent_email=v.get("agent_email"),
        team=v.get("team"),
        channel=v.get("channel"),
        priority=v.get("priority"),
        tags=v.get("tags", []),
        ticket_created_at=v.get("ticket_created_at"),
        first_response_at=v.get("first_response_at"),
        solved_at=v.get("solved_at"),
        reopens=v.get("reopens"),
        handle_seconds=v.get("handle_seconds"),
        created_at=sent,
        due_at=sent,
        sent_at=sent,
        answered_at=answered,
    )
    invite.events.append(InviteEvent(at=answered, status=InviteEventKind.IMPORTED, detail=f"score {v['score']}"))
    db.session.add(invite)
    db.session.flush()
    response = Response(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        invite_id=invite.id,
        score=v["score"],
        comment=clean_free_text(survey.workspace_id, v.get("comment")),
        answered_at=answered,
        updated_at=answered,
        themes=[],
    )
    db.session.add(response)
    return response
