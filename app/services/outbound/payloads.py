"""What each event's `data` holds. Built from attribute access, so ORM rows and Core rows with the
same column names both fit."""

from __future__ import annotations


def _ticket(invite) -> dict:
    return {
        "id": invite.ticket_id,
        "agent_id": invite.agent_id,
        "agent_name": invite.agent_name,
        "agent_email": invite.agent_email,
        "team": invite.team,
        "channel": invite.channel,
    }


def _customer(invite) -> dict:
    return {
        "email": invite.customer_email,
        "name": invite.customer_name,
        "id": invite.customer_id,
        "segment": invite.customer_segment,
    }


def response_data(response, invite, analysis: dict | None = None) -> dict:
    """response.created / response.updated (and, with `analysis`, response.analyzed)."""
    data = {
        "response": {
            "id": response.id,
            "survey_id": response.survey_id,
            "invite_id": invite.id,
            "score": response.score,
            "comment": response.comment,
            "answered_at": response.answered_at,
            "updated_at": response.updated_at,
        },
        "ticket": _ticket(invite),
        "customer": _customer(invite),
    }
    if analysis is not None:
        data["analysis"] = analysis
    return data


def analysis_data(values: dict) -> dict:
    """The analysis columns as an event shows them."""
    return {
        "sentiment": values["sentiment_label"],
        "polarity": values["polarity"],
        "language": values["language"],
        "themes": values["themes"],
        "mismatch_reason": values["mismatch_reason"],
    }


def invite_data(invite, status: str, reason: str | None, sent_at=None) -> dict:
    """invite.sent / invite.failed."""
    return {
        "invite": {
            "id": invite.id,
            "survey_id": invite.survey_id,
            "status": status,
            "sent_at": sent_at,
            "reason": reason,
        },
        "ticket": _ticket(invite),
        "customer": _customer(invite),
    }
