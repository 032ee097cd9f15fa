"""Emails to the people of a workspace (not its customers): notices, alerts, digests."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Membership, User
from app.models.account import Role
from app.platform.mail import OutgoingEmail, send_email


def send_staff_email(to: str, subject: str, text: str, html: str | None = None, headers: dict | None = None) -> None:
    """One message, plain text with an optional HTML alternative; raises the mail layer's failures."""
    message = EmailMessage(policy=email.policy.SMTP)
    sender = current_app.config["MAIL_FROM"]
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(domain="afterword")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    send_email(OutgoingEmail(parseaddr(sender)[1], to, message["Message-ID"], message.as_bytes()))


def addresses_of_roles(workspace_id: int, roles: set[Role]) -> list[str]:
    """The email addresses of the workspace's people holding one of `roles`, sorted."""
    return sorted(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == workspace_id, Membership.role.in_([str(r) for r in roles]))
        )
    )
