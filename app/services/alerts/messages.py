"""What an alert says: an email's subject and text, a Slack message (`text` plus blocks) and a
Microsoft Teams message (an Adaptive Card), for one answer or a batch of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.models.alert import AlertRule
from app.platform.links import public_url

SHOWN = 10  # answers listed in one message; a batch beyond says how many more
COMMENT_CHARS = 300


@dataclass(frozen=True)
class AlertedAnswer:
    response_id: int
    workspace_id: int
    score: int
    scale_max: int
    comment: str | None
    customer: str | None
    ticket_id: str | None
    agent: str | None
    team: str | None

    @property
    def link(self) -> str:
        return public_url(f"/w/{self.workspace_id}/responses/{self.response_id}")

    def line(self) -> str:
        about = ", ".join(
            part
            for part in (
                self.customer,
                f"ticket {self.ticket_id}" if self.ticket_id else None,
                f"agent {self.agent}" if self.agent else None,
                self.team,
            )
            if part
        )
        comment = (self.comment or "").strip()
        if len(comment) > COMMENT_CHARS:
            comment = comment[: COMMENT_CHARS - 1] + "…"
        said = f": “{comment}”" if comment else " (no comment)"
        return f"Score {self.score}/{self.scale_max}" + (f" from {about}" if about else "") + said


def _span(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return "hour" if hours == 1 else f"{hours} hours"
    return "minute" if minutes == 1 else f"{minutes} minutes"


def _noun(rule: AlertRule, count: int) -> str:
    groups = (rule.conditions or {}).get("groups") or []
    word = groups[0] if len(groups) == 1 else "answer"
    return word if count == 1 else f"{word}s"


def subject(rule: AlertRule, answers: list[AlertedAnswer], span: timedelta | None) -> str:
    if len(answers) == 1:
        return f"{rule.name}: score {answers[0].score}/{answers[0].scale_max}" + (
            f" from {answers[0].customer}" if answers[0].customer else ""
        )
    when = f" in the last {_span(span)}" if span else ""
    return f"{rule.name}: {len(answers)} new {_noun(rule, len(answers))}{when}"


def email_text(rule: AlertRule, answers: list[AlertedAnswer], span: timedelta | None) -> str:
    lines = [subject(rule, answers, span), ""]
    for answer in answers[:SHOWN]:
        lines += [answer.line(), answer.link, ""]
    if len(answers) > SHOWN:
        lines.append(f"…and {len(answers) - SHOWN} more.")
    lines.append(f"You get this because of the alert rule “{rule.name}” in Afterword.")
    return "\n".join(lines) + "\n"


def _mrkdwn(text: str) -> str:
    # Slack's three control characters; everything else is shown as typed.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(rule: AlertRule, answers: list[AlertedAnswer], span: timedelta | None) -> dict:
    """An incoming-webhook message: `text` (notifications, and clients without blocks) and blocks."""
    title = subject(rule, answers, span)
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    for answer in answers[:SHOWN]:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"{_mrkdwn(answer.line())}\n<{answer.link}|Open the answer>"},
            }
        )
    if len(answers) > SHOWN:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {len(answers) - SHOWN} more."}]}
        )
    return {"text": title, "blocks": blocks}


def teams_payload(rule: AlertRule, answers: list[AlertedAnswer], span: timedelta | None) -> dict:
    """A Teams incoming-webhook message carrying an Adaptive Card."""
    title = subject(rule, answers, span)
    body: list[dict] = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}]
    for answer in answers[:SHOWN]:
        body.append({"type": "TextBlock", "text": f"{answer.line()} [Open]({answer.link})", "wrap": True})
    if len(answers) > SHOWN:
        body.append({"type": "TextBlock", "text": f"…and {len(answers) - SHOWN} more.", "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    return {
        "type": "message",
        "text": title,
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }
