"""The invite email: an HTML body with the whole scale as one-click links, and a plain-text twin.

Built for common email clients: table layout, inline styles, no script; branded with the
workspace's name, colour and logo; in the invite's language; with one-click unsubscribe
(List-Unsubscribe + List-Unsubscribe-Post, RFC 8058).
"""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, render_template

from app.i18n import force_locale_for, gettext
from app.models import Invite, Survey, Workspace
from app.services.kinds import KINDS
from app.services.links import survey_url, unsubscribe_url


def scale_points(survey: Survey, invite: Invite) -> list[dict]:
    """Each point of the scale with its one-click link (the click only pre-selects)."""
    return [
        {"score": n, "url": survey_url(invite.token, n)} for n in range(survey.scale_min, survey.scale_max + 1)
    ]


def build_invite_email(invite: Invite, survey: Survey, workspace: Workspace, reminder: bool = False) -> EmailMessage:
    unsubscribe = unsubscribe_url(invite.token)
    with force_locale_for(invite.locale):
        context = {
            "invite": invite,
            "survey": survey,
            "workspace": workspace,
            "question": survey.question if survey.question != KINDS[survey.kind].question else gettext(survey.question),
            "points": scale_points(survey, invite),
            "low_label": _end_label(survey, "low"),
            "high_label": _end_label(survey, "high"),
            "survey_link": survey_url(invite.token),
            "unsubscribe_url": unsubscribe,
            "reminder": reminder,
        }
        if reminder:
            subject = gettext("A reminder: one quick question from %(name)s", name=workspace.name)
        else:
            subject = gettext("How did we do? A quick question from %(name)s", name=workspace.name)
        text = render_template("email/invite.txt", **context)
        html = render_template("email/invite.html", **context)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = formataddr((invite.customer_name or "", invite.customer_email))
    kind = "reminder" if reminder else "invite"
    msg["Message-ID"] = make_msgid(idstring=f"{kind}-{invite.id}", domain="afterword.localhost")
    msg["X-Afterword-Invite"] = str(invite.id)
    msg["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def _end_label(survey: Survey, end: str) -> str:
    labels = {
        "csat": ("Very unsatisfied", "Very satisfied"),
        "nps": ("Not at all likely", "Extremely likely"),
        "ces": ("Strongly disagree", "Strongly agree"),
    }[survey.kind]
    return gettext(labels[0] if end == "low" else labels[1])
