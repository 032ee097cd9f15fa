"""What the customer reads: the survey's wording and the widget's labels, in the chosen language.

A survey's own question is shown as written; the kinds' default wording is translated.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time
from flask_babel import get_locale

from app.models import Survey
from app.platform.i18n import gettext
from app.scoring.kinds import KINDS


def N_(text: str) -> str:
    return text


# The kinds' default wording (app/scoring/kinds.py) and end labels, for the catalogue extractor.
DEFAULT_WORDING = (
    N_("How satisfied were you with the support you received?"),
    N_("What is the main reason for your rating?"),
    N_("We're sorry. What went wrong?"),
    N_("Great to hear! What did we do well?"),
    N_("How likely are you to recommend us to a friend or colleague?"),
    N_("What is the main reason for your score?"),
    N_("What could we do better?"),
    N_("What do you like most about us?"),
    N_("The company made it easy for me to handle my issue."),
    N_("What made it easy or hard?"),
    N_("What made it hard?"),
    N_("What made it easy?"),
)
END_LABELS = {
    "csat": (N_("Very unsatisfied"), N_("Very satisfied")),
    "nps": (N_("Not at all likely"), N_("Extremely likely")),
    "ces": (N_("Strongly disagree"), N_("Strongly agree")),
}


def _default_texts(kind: str) -> set[str]:
    k = KINDS[kind]
    return {k.question, *k.follow_up.values()}


def _say(survey: Survey, text: str | None) -> str | None:
    if not text:
        return None
    return gettext(text) if text in _default_texts(survey.kind) else text


def question(survey: Survey) -> str:
    return _say(survey, survey.question)


def follow_ups(survey: Survey) -> dict[str, str]:
    """The follow-up question by score band: default, low, high."""
    wording = {band: _say(survey, survey.follow_up.get(band)) for band in ("default", "low", "high")}
    fallback = wording["default"] or gettext("Anything you would like to add?")
    return {band: text or fallback for band, text in wording.items()}


def end_labels(survey: Survey) -> tuple[str, str]:
    low, high = END_LABELS[survey.kind]
    return gettext(low), gettext(high)


def widget_strings(survey: Survey, workspace_name: str) -> dict[str, str]:
    """Every label the widget shows; embed.js itself carries no text."""
    low, high = end_labels(survey)
    return {
        "region": gettext("Feedback for %(name)s", name=workspace_name),
        "low": low,
        "high": high,
        "send": gettext("Send my answer"),
        "update": gettext("Update my answer"),
        "sending": gettext("Sending…"),
        "close": gettext("Close"),
        "choose": gettext("Choose a score first."),
        "selected": gettext("%(score)s selected.", score="{score}"),
        "thanks": gettext("Thank you!"),
        "recorded": gettext("Your answer has been recorded."),
        "locked": gettext("Your answer has been recorded and can no longer be changed."),
        "closed": gettext("This survey has closed"),
        "closed_text": gettext("Thank you for your interest. This survey no longer accepts answers."),
        "failed": gettext("Your answer could not be sent. Please try again."),
    }


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return format_skeleton("MMMd", moment, tzinfo=zone, locale=str(get_locale()))


def answered_line(score: int, answered_at: datetime, edit_until: datetime | None, timezone: str) -> str:
    """ "You answered 4 on Dec 2; you can change it until Dec 3, 2:00 PM": in the page's language,
    the dates in the workspace's time zone (the one its team works and counts days in)."""
    zone = ZoneInfo(timezone or "UTC")
    if edit_until is None:
        return gettext("You answered %(score)s on %(date)s.", score=score, date=_day(answered_at, zone))
    until = gettext(
        "%(date)s, %(time)s",
        date=_day(edit_until, zone),
        time=format_time(edit_until, "short", tzinfo=zone, locale=str(get_locale())),
    )
    return gettext(
        "You answered %(score)s on %(date)s; you can change it until %(until)s.",
        score=score,
        date=_day(answered_at, zone),
        until=until,
    )
