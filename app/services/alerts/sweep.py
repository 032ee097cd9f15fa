"""From a recorded answer to an alert: noted (debounced) when the answer is recorded or changed,
weighed once it has stood still for the rule's debounce, then sent, subject to quiet hours,
batching and cooldown. `run_alerts` is the periodic task's body (every 30 s)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import Invite, Response, Survey, Workspace
from app.models.account import Membership, Role, User
from app.models.alert import AlertMatch, AlertNotification, AlertRule, Channel, MatchStatus
from app.models.types import utcnow
from app.services.alerts import messages
from app.services.alerts.matching import Answer, matches, needs_analysis
from app.services.alerts.notify import deliver_notifications
from app.services.cases.opening import open_case_for_match
from app.services.outbound.events import deliver_soon

# A rule on sentiment, themes or mismatch waits for the comment's analysis, but not forever:
# after this long past the debounce it is weighed on what is there (unanalysed: no match on those).
ANALYSIS_WAIT = timedelta(minutes=15)
RECHECK = timedelta(minutes=1)


def note_answer(response: Response, created: bool) -> None:
    """In the answer's transaction: each enabled rule of its survey weighs it after its debounce.
    A change restarts the wait, so an answer edited within it is weighed once, on its final value,
    and one that was not matching is weighed again. An answer already alerted is never again."""
    rules = [
        rule
        for rule in db.session.scalars(
            select(AlertRule).where(AlertRule.workspace_id == response.workspace_id, AlertRule.enabled.is_(True))
        )
        if not rule.conditions.get("survey_ids") or response.survey_id in rule.conditions["survey_ids"]
    ]
    if not rules:
        return
    now = utcnow()
    existing = (
        {}
        if created
        else {m.rule_id: m for m in db.session.scalars(select(AlertMatch).where(AlertMatch.response_id == response.id))}
    )
    for rule in rules:
        due = now + timedelta(minutes=rule.debounce_minutes)
        match = existing.get(rule.id)
        if match is None:
            db.session.add(
                AlertMatch(
                    rule_id=rule.id,
                    response_id=response.id,
                    workspace_id=response.workspace_id,
                    status=MatchStatus.PENDING,
                    due_at=due,
                )
            )
        elif match.status in (MatchStatus.PENDING, MatchStatus.MATCHED, MatchStatus.NOT_MATCHING):
            match.status, match.due_at, match.decided_at = MatchStatus.PENDING, due, None


def run_alerts(now: datetime | None = None) -> int:
    """Weigh the answers whose debounce is over, send what may be sent, deliver pending messages.
    Returns the alerts sent (one per rule and message, whatever its destinations)."""
    now = now or utcnow()
    _weigh_due(now)
    sent = _send_matched(now)
    deliver_notifications(now)
    return sent


def _answer(response: Response, invite: Invite, survey: Survey) -> Answer:
    return Answer(
        survey_id=response.survey_id,
        kind=survey.kind,
        scale_min=survey.scale_min,
        scale_max=survey.scale_max,
        score=response.score,
        sentiment=response.sentiment_label,
        themes=list(response.themes or []),
        mismatch=bool(response.mismatch_reason),
        agent={v for v in (invite.agent_id, invite.agent_email, invite.agent_name) if v},
        team=invite.team,
        channel=invite.channel,
        segment=invite.customer_segment,
    )


def _analysed(response: Response) -> bool:
    return response.analyzed_at is not None and response.analyzed_at >= response.updated_at


def _weigh_due(now: datetime) -> None:
    due = list(
        db.session.scalars(
            select(AlertMatch)
            .where(AlertMatch.status == MatchStatus.PENDING, AlertMatch.due_at <= now)
            .order_by(AlertMatch.due_at)
            .limit(1000)
            .with_for_update(skip_locked=True)
        )
    )
    for match in due:
        rule = db.session.get(AlertRule, match.rule_id)
        response = db.session.get(Response, match.response_id)
        if rule is None or response is None or not rule.enabled:
            match.status, match.decided_at = MatchStatus.NOT_MATCHING, now
            continue
        waited = response.updated_at + timedelta(minutes=rule.debounce_minutes) + ANALYSIS_WAIT
        if needs_analysis(rule.conditions) and not _analysed(response) and now < waited:
            match.due_at = now + RECHECK
            continue
        invite = db.session.get(Invite, response.invite_id)
        survey = db.session.get(Survey, response.survey_id)
        matched = matches(rule.conditions, _answer(response, invite, survey))
        match.status = MatchStatus.MATCHED if matched else MatchStatus.NOT_MATCHING
        match.decided_at = now
        if matched and rule.open_case:  # a case for every match, whatever the cooldown says
            open_case_for_match(rule, response, invite)
    db.session.commit()
    deliver_soon()  # case.opened events


def in_quiet_hours(rule: AlertRule, zone: str, now: datetime) -> datetime | None:
    """When the rule's quiet hours end, if `now` is within them; else None."""
    if not rule.quiet_start or not rule.quiet_end or rule.quiet_start == rule.quiet_end:
        return None
    local = now.astimezone(ZoneInfo(zone or "UTC"))
    start, end = (time.fromisoformat(rule.quiet_start), time.fromisoformat(rule.quiet_end))
    clock = local.time().replace(tzinfo=None)
    within = start <= clock < end if start < end else (clock >= start or clock < end)
    if not within:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends


def _send_matched(now: datetime) -> int:
    rule_ids = list(
        db.session.scalars(select(AlertMatch.rule_id).where(AlertMatch.status == MatchStatus.MATCHED).distinct())
    )
    sent = 0
    for rule_id in rule_ids:
        rule = db.session.get(AlertRule, rule_id)
        workspace = db.session.get(Workspace, rule.workspace_id)
        waiting = list(
            db.session.scalars(
                select(AlertMatch)
                .where(AlertMatch.rule_id == rule.id, AlertMatch.status == MatchStatus.MATCHED)
                .order_by(AlertMatch.decided_at, AlertMatch.id)
            )
        )
        if in_quiet_hours(rule, workspace.timezone, now):
            continue  # held: sent together when the quiet hours end
        span = None
        if rule.batch_minutes:
            if waiting[0].decided_at + timedelta(minutes=rule.batch_minutes) > now:
                continue  # the batch is still gathering
            span = timedelta(minutes=rule.batch_minutes)
        elif (
            rule.cooldown_minutes
            and rule.last_alert_at
            and rule.last_alert_at + timedelta(minutes=rule.cooldown_minutes) > now
        ):
            for match in waiting:
                match.status, match.decided_at = MatchStatus.SUPPRESSED, now
            continue
        elif len(waiting) > 1:
            span = now - min(m.decided_at for m in waiting)
        _alert(rule, waiting, span, now)
        sent += 1
    db.session.commit()
    return sent


def _alert(rule: AlertRule, waiting: list[AlertMatch], span: timedelta | None, now: datetime) -> None:
    rows = db.session.execute(
        select(Response, Invite, Survey)
        .join(Invite, Invite.id == Response.invite_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.id.in_([m.response_id for m in waiting]))
        .order_by(Response.id)
    )
    answers = [
        messages.AlertedAnswer(
            response.id,
            response.workspace_id,
            response.score,
            survey.scale_max,
            response.comment,
            invite.customer_name or invite.customer_email,
            invite.ticket_id,
            invite.agent_name or invite.agent_email or invite.agent_id,
            invite.team,
        )
        for response, invite, survey in rows
    ]
    for match in waiting:
        match.status, match.alerted_at = MatchStatus.ALERTED, now
    rule.last_alert_at = now
    if not answers:
        return
    title = messages.subject(rule, answers, span)
    common = {"rule_id": rule.id, "workspace_id": rule.workspace_id, "subject": title[:300], "answers": len(answers)}
    text = messages.email_text(rule, answers, span)
    for address in recipients(rule):
        db.session.add(
            AlertNotification(channel=Channel.EMAIL, recipient=address, body=text, next_attempt_at=now, **common)
        )
    if rule.slack_url:
        body = json.dumps(messages.slack_payload(rule, answers, span), ensure_ascii=False)
        db.session.add(AlertNotification(channel=Channel.SLACK, body=body, next_attempt_at=now, **common))
    if rule.teams_url:
        body = json.dumps(messages.teams_payload(rule, answers, span), ensure_ascii=False)
        db.session.add(AlertNotification(channel=Channel.TEAMS, body=body, next_attempt_at=now, **common))


def recipients(rule: AlertRule) -> list[str]:
    """The addresses of the rule's people and of the workspace's people in its roles."""
    query = (
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == rule.workspace_id)
    )
    wanted = []
    if rule.email_user_ids:
        wanted += db.session.scalars(query.where(User.id.in_(rule.email_user_ids)))
    if rule.email_roles:
        wanted += db.session.scalars(query.where(Membership.role.in_([str(Role(r)) for r in rule.email_roles])))
    return sorted(set(wanted))
