"""The two emails an account receives: a password-reset link and an invitation to a workspace."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import current_app

from app.platform.links import public_url
from app.platform.mail import OutgoingEmail, send_email


def send_reset(to: str, token: str) -> None:
    link = public_url(f"/reset/{token}")
    _send(
        to,
        "Reset your Afterword password",
        f"Someone asked to reset the password of this Afterword account.\n\n"
        f"Choose a new password here (the link works once, for an hour):\n{link}\n\n"
        f"If it was not you, ignore this email: your password stays as it is.\n",
    )


def send_invitation(to: str, token: str, workspace_name: str) -> None:
    link = public_url(f"/invitations/{token}")
    _send(
        to,
        f"You are invited to {workspace_name} on Afterword",
        f"You are invited to join the workspace {workspace_name} on Afterword.\n\n"
        f"Accept here (the link works once, for a week):\n{link}\n",
    )


def _send(to: str, subject: str, body: str) -> None:
    message = EmailMessage(policy=email.policy.SMTP)
    sender = current_app.config["MAIL_FROM"]
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(domain="afterword")
    message.set_content(body)
    send_email(OutgoingEmail(parseaddr(sender)[1], to, message["Message-ID"], message.as_bytes()))
