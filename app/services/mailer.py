"""Putting a message on the wire: SMTP when SMTP_URL is set, else an .eml file in the outbox."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from flask import current_app


class TemporaryFailure(Exception):
    """The server or network said "try later" (4xx, refused connection, timeout)."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx); retrying would not help."""


def send_message(msg: EmailMessage) -> None:
    """Deliver one message, classifying any failure as temporary or permanent."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        _write_to_outbox(msg)
        return
    try:
        with _connect(url) as smtp:
            # send_message applies the SMTP policy (CRLF line endings) that strict servers demand.
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        _raise_for(code, reason)
    except smtplib.SMTPResponseException as exc:
        _raise_for(exc.smtp_code, exc.smtp_error)
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(str(exc) or exc.__class__.__name__) from exc


def _raise_for(code: int, reason: bytes | str) -> None:
    text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    message = f"{code} {text}"
    if 500 <= code < 600:
        raise PermanentFailure(message)
    raise TemporaryFailure(message)


def _connect(url: str) -> smtplib.SMTP:
    parts = urlparse(url)
    query = parse_qs(parts.query)
    host = parts.hostname or "127.0.0.1"
    timeout = float(query.get("timeout", ["20"])[0])
    if parts.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
        if query.get("starttls", ["0"])[0] in ("1", "true", "yes"):
            smtp.starttls(context=ssl.create_default_context())
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp


def _write_to_outbox(msg: EmailMessage) -> None:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    message_id = msg["Message-ID"].strip("<>").split("@")[0]
    path = outbox / f"{message_id}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(path)  # atomic: a reader never sees half a file
