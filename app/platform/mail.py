"""Putting a message on the wire: SMTP when SMTP_URL is set, else an .eml file in the outbox.

Each worker process (thread) holds one SMTP connection and reuses it across messages: a batch
of invites costs one TCP and TLS handshake and one login, not one per email. A connection idle
for a while is checked with NOOP before reuse, and renewed after SMTP_MAX_MESSAGES_PER_CONNECTION messages.

The connection is smtplib's, with its MAIL, RCPT and DATA made cheaper for the common case
(`_LeanCommands`): the same commands and bytes on the wire, less Python per message.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from flask import current_app


@dataclass(frozen=True)
class OutgoingEmail:
    """One message ready for the wire: envelope, Message-ID and the CRLF bytes."""

    sender: str
    recipient: str
    message_id: str
    data: bytes


CHECK_AFTER_IDLE_SECONDS = 10.0


class TemporaryFailure(Exception):
    """The server or network said "try later" (4xx, refused connection, timeout)."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx); retrying would not help."""


class _Held(threading.local):
    smtp: smtplib.SMTP | None = None
    url: str | None = None
    used_at: float = 0.0
    sent: int = 0


_held = _Held()


def send_email(mail: OutgoingEmail) -> None:
    """Deliver one message, classifying any failure as temporary or permanent."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        _write_to_outbox(mail)
        return
    try:
        smtp = _connection(url)
        # The bytes already have the CRLF line endings strict servers demand; smtplib dot-stuffs.
        options = () if mail.recipient.isascii() else ("SMTPUTF8",)
        smtp.sendmail(mail.sender, [mail.recipient], mail.data, mail_options=options)
        _held.used_at = time.monotonic()
        _held.sent += 1
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        _raise_for(code, reason)  # the server reset the transaction: the connection stays usable
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code == 421 or exc.smtp_code < 400:
            close_connection()  # 421: the server is closing the channel
        _raise_for(exc.smtp_code, exc.smtp_error)
    except (OSError, smtplib.SMTPException) as exc:
        close_connection()
        raise TemporaryFailure(str(exc) or exc.__class__.__name__) from exc


def close_connection() -> None:
    """Drop this process's held connection (politely if it still answers)."""
    smtp, _held.smtp, _held.url, _held.sent = _held.smtp, None, None, 0
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _connection(url: str) -> smtplib.SMTP:
    limit = current_app.config["SMTP_MAX_MESSAGES_PER_CONNECTION"]
    if _held.smtp is not None and (_held.url != url or _held.sent >= limit):
        close_connection()
    if _held.smtp is not None and time.monotonic() - _held.used_at > CHECK_AFTER_IDLE_SECONDS:
        try:
            code, _ = _held.smtp.noop()
        except (OSError, smtplib.SMTPException):
            code = 0
        if code != 250:
            close_connection()
    if _held.smtp is None:
        _held.smtp, _held.url, _held.sent = _connect(url), url, 0
        _held.used_at = time.monotonic()
    return _held.smtp


def _raise_for(code: int, reason: bytes | str) -> None:
    text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    message = f"{code} {text}"
    if 500 <= code < 600:
        raise PermanentFailure(message)
    raise TemporaryFailure(message)


# An address smtplib's quoteaddr gives back unchanged inside <>: dot-separated atoms of RFC 5322
# atext on both sides of one @ (no quotes, comments, brackets, spaces or non-ASCII).
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\Z"
)


class _LeanCommands:
    """smtplib's MAIL, RCPT and DATA, the same bytes on the wire, with less work per message.

    smtplib parses both addresses of every message with `email.utils.parseaddr` (quoteaddr) and
    scans the whole message with a multi-line regular expression for lines to dot-stuff: ~40 us of
    the ~120 us of CPU its `sendmail` spends on a 6.5 kB invite. A plain address is its own quoted
    form, and a message without a line that starts with a dot needs no stuffing (`in` finds that
    in ~1 us). Anything else (other addresses, SMTPUTF8, debug output) goes to smtplib's own.
    `sendmail` itself is smtplib's: its replies, resets and exceptions are unchanged.
    """

    def mail(self, sender, options=()):
        if not _PLAIN_ADDRESS.match(sender) or any(option.lower() == "smtputf8" for option in options):
            return super().mail(sender, options)
        optionlist = " " + " ".join(options) if options and self.does_esmtp else ""
        self.putcmd("mail", f"FROM:<{sender}>{optionlist}")
        return self.getreply()

    def rcpt(self, recip, options=()):
        if not _PLAIN_ADDRESS.match(recip):
            return super().rcpt(recip, options)
        optionlist = " " + " ".join(options) if options and self.does_esmtp else ""
        self.putcmd("rcpt", f"TO:<{recip}>{optionlist}")
        return self.getreply()

    def data(self, msg):
        if not isinstance(msg, bytes) or self.debuglevel > 0 or msg.startswith(b".") or b"\n." in msg:
            return super().data(msg)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        self.send(msg + b".\r\n" if msg.endswith(b"\r\n") else msg + b"\r\n.\r\n")
        return self.getreply()


class _SMTP(_LeanCommands, smtplib.SMTP):
    pass


class _SMTP_SSL(_LeanCommands, smtplib.SMTP_SSL):
    pass


def _connect(url: str) -> smtplib.SMTP:
    parts = urlparse(url)
    query = parse_qs(parts.query)
    host = parts.hostname or "127.0.0.1"
    timeout = float(query.get("timeout", ["20"])[0])
    if parts.scheme == "smtps":
        smtp: smtplib.SMTP = _SMTP_SSL(host, parts.port or 465, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = _SMTP(host, parts.port or 25, timeout=timeout)
        if query.get("starttls", ["0"])[0] in ("1", "true", "yes"):
            smtp.starttls(context=ssl.create_default_context())
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp


def _write_to_outbox(mail: OutgoingEmail) -> None:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    message_id = mail.message_id.strip("<>").split("@")[0]
    path = outbox / f"{message_id}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(mail.data)
    tmp.replace(path)  # atomic: a reader never sees half a file
