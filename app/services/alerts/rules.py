"""A workspace's alert rules: create, read, change, remove. Chat webhook URLs are stored encrypted
and never shown again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, select

from app.errors import APIError
from app.extensions import db
from app.models import Membership
from app.models.alert import AlertMatch, AlertNotification, AlertRule
from app.platform.crypto import encrypt_text
from app.platform.outbound_http import UnsafeURL, check_url
from app.services.alerts.notify import CHAT_URL_PURPOSE
from app.services.surveys import live_survey

MAX_RULES = 100


@dataclass(frozen=True)
class RuleView:
    id: int
    name: str
    enabled: bool
    conditions: dict
    email: dict
    slack: bool
    teams: bool
    debounce_minutes: int
    cooldown_minutes: int
    quiet_hours: dict | None
    batch_minutes: int | None
    case: dict
    last_alert_at: datetime | None
    created_at: datetime


def rule_view(rule: AlertRule) -> RuleView:
    return RuleView(
        rule.id,
        rule.name,
        rule.enabled,
        {k: v for k, v in (rule.conditions or {}).items() if v not in (None, [])},
        {"user_ids": list(rule.email_user_ids or []), "roles": list(rule.email_roles or [])},
        rule.slack_url is not None,
        rule.teams_url is not None,
        rule.debounce_minutes,
        rule.cooldown_minutes,
        {"start": rule.quiet_start, "end": rule.quiet_end} if rule.quiet_start else None,
        rule.batch_minutes,
        {
            "open": rule.open_case,
            "assign": rule.case_assign,
            "user_id": rule.case_user_id,
            "user_ids": list(rule.case_user_ids or []),
            "due_hours": rule.case_due_hours,
            "resurvey_survey_id": rule.case_resurvey_survey_id,
        },
        rule.last_alert_at,
        rule.created_at,
    )


def list_rules(workspace_id: int) -> list[AlertRule]:
    return list(
        db.session.scalars(select(AlertRule).where(AlertRule.workspace_id == workspace_id).order_by(AlertRule.id))
    )


def get_rule(workspace_id: int, rule_id: int) -> AlertRule:
    rule = db.session.scalar(select(AlertRule).where(AlertRule.id == rule_id, AlertRule.workspace_id == workspace_id))
    if rule is None:
        raise APIError(404, "not_found", f"No alert rule {rule_id} in this workspace.")
    return rule


def create_rule(workspace_id: int, data: dict) -> RuleView:
    if len(list_rules(workspace_id)) >= MAX_RULES:
        raise APIError(409, "conflict", f"A workspace may have at most {MAX_RULES} alert rules.")
    rule = AlertRule(workspace_id=workspace_id, conditions={}, email_user_ids=[], email_roles=[], case_user_ids=[])
    _apply(rule, data)
    _check_has_destination(rule)
    db.session.add(rule)
    db.session.commit()
    return rule_view(rule)


def update_rule(rule: AlertRule, data: dict) -> RuleView:
    _apply(rule, data)
    _check_has_destination(rule)
    db.session.commit()
    return rule_view(rule)


def delete_rule(rule: AlertRule) -> None:
    # Spelled out rather than left to ON DELETE CASCADE, which SQLite applies only when asked.
    db.session.execute(delete(AlertMatch).where(AlertMatch.rule_id == rule.id))
    db.session.execute(delete(AlertNotification).where(AlertNotification.rule_id == rule.id))
    db.session.delete(rule)
    db.session.commit()


def _invalid(field: str, message: str) -> APIError:
    return APIError(422, "validation_error", message, {field: [message]})


def _members(workspace_id: int, user_ids: list[int], field: str) -> list[int]:
    found = set(
        db.session.scalars(
            select(Membership.user_id).where(Membership.workspace_id == workspace_id, Membership.user_id.in_(user_ids))
        )
    )
    missing = [uid for uid in user_ids if uid not in found]
    if missing:
        raise _invalid(field, f"Not people of this workspace: {', '.join(map(str, missing))}.")
    return list(dict.fromkeys(user_ids))


def _chat_url(url: str | None, field: str) -> str | None:
    if not url:
        return None
    try:
        check_url(url, current_app.config["OUTBOUND_ALLOW_LOCAL"])
    except UnsafeURL as exc:
        raise _invalid(field, str(exc)) from None
    return encrypt_text(url, CHAT_URL_PURPOSE)


def _apply(rule: AlertRule, data: dict) -> None:
    for name in ("name", "enabled", "debounce_minutes", "cooldown_minutes", "batch_minutes"):
        if name in data:
            setattr(rule, name, data[name])
    if "conditions" in data:
        rule.conditions = {k: v for k, v in data["conditions"].items() if v not in (None, [])}
    if "email" in data:
        rule.email_user_ids = _members(rule.workspace_id, data["email"].get("user_ids", []), "email")
        rule.email_roles = sorted(set(data["email"].get("roles", [])))
    if "slack_webhook_url" in data:
        rule.slack_url = _chat_url(data["slack_webhook_url"], "slack_webhook_url")
    if "teams_webhook_url" in data:
        rule.teams_url = _chat_url(data["teams_webhook_url"], "teams_webhook_url")
    if "quiet_hours" in data:
        quiet = data["quiet_hours"]
        rule.quiet_start, rule.quiet_end = (quiet["start"], quiet["end"]) if quiet else (None, None)
    if "case" in data:
        case = data["case"]
        rule.open_case = case["open"]
        rule.case_assign = case.get("assign") if case["open"] else None
        rule.case_due_hours = case.get("due_hours", 24)
        rule.case_user_id = case.get("user_id")
        rule.case_user_ids = _members(rule.workspace_id, case.get("user_ids", []), "case")
        resurvey = case.get("resurvey_survey_id")
        rule.case_resurvey_survey_id = live_survey(rule.workspace_id, resurvey).id if resurvey else None
        if rule.case_user_id is not None:
            _members(rule.workspace_id, [rule.case_user_id], "case")
        if rule.open_case and rule.case_assign == "person" and rule.case_user_id is None:
            raise _invalid("case", "Name the person (user_id) who gets the cases.")
        if rule.open_case and rule.case_assign == "round_robin" and not rule.case_user_ids:
            raise _invalid("case", "Name the people (user_ids) the cases go round.")


def _check_has_destination(rule: AlertRule) -> None:
    if not (rule.email_user_ids or rule.email_roles or rule.slack_url or rule.teams_url or rule.open_case):
        raise APIError(
            422,
            "validation_error",
            "Give the rule a destination (email, Slack, Teams) or have it open cases.",
            {"email": ["Give the rule a destination."]},
        )
