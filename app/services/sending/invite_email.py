"""The invite email: an HTML body with the whole scale as one-click links, and a plain-text twin.

Built for common email clients: table layout, inline styles, no script; branded with the
workspace's name, colour and logo; in the invite's language; with one-click unsubscribe
(List-Unsubscribe + List-Unsubscribe-Post, RFC 8058).

A worker renders each (survey, language, kind) once, and again only after an edit to the survey
or to the workspace's branding: `InviteEmailTemplate` renders the Jinja templates with
placeholders where the invite's own values go (its token, customer name and ticket), encodes the
headers and the lines of text that every copy shares, and then makes each invite's message by
filling in and quoted-printable encoding (C code) only the lines with its own values, not a Jinja
render and an `email` package build and flatten per message.
"""

from __future__ import annotations

import binascii
import email.policy
import random
import re
import sys
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from itertools import groupby
from types import SimpleNamespace

from flask import current_app, render_template
from markupsafe import escape

from app.models import Invite, Survey, Workspace
from app.platform.i18n import force_locale_for, gettext
from app.platform.links import survey_url, unsubscribe_url
from app.platform.mail import OutgoingEmail
from app.scoring.kinds import KINDS
from app.services.branding import branding

# Placeholders: private-use characters, so neither HTML escaping, gettext formatting nor URL
# building changes them, and no real text contains them.
_MARK = "\ue000"
TOKEN, NAME, TICKET = f"{_MARK}T{_MARK}", f"{_MARK}N{_MARK}", f"{_MARK}K{_MARK}"
# Templates are kept per app across batches (a render is ~3 ms, a batch needs up to one per
# language); this bounds the memory of a worker that serves many surveys.
MAX_CACHED_TEMPLATES = 512
_SMTP = email.policy.SMTP


def scale_points(survey: Survey, invite) -> list[dict]:
    """Each point of the scale with its one-click link (the click only pre-selects)."""
    return [{"score": n, "url": survey_url(invite.token, n)} for n in range(survey.scale_min, survey.scale_max + 1)]


def build_invite_email(invite: Invite, survey: Survey, workspace: Workspace, reminder: bool = False) -> EmailMessage:
    """The invite's message as an `EmailMessage` (for reading it; sending uses the bytes)."""
    data = InviteEmailTemplate.for_invite(invite, survey, workspace, reminder).render(invite).data
    return email.message_from_bytes(data, policy=email.policy.default)


def sample_invite_html(survey: Survey, workspace: Workspace) -> str:
    """The HTML part of the invite email a sample customer would get: for the survey editor's
    preview. Rendered without the app's template cache (a draft survey has no id or updated_at to
    key it by) and from a stand-in invite, so nothing is stored."""
    template = InviteEmailTemplate(survey, workspace, survey.locale, False, True, True)
    sample = SimpleNamespace(
        id=0, token="preview", customer_name="Ada", ticket_id="T-1001", customer_email="ada@example.com"
    )
    message = email.message_from_bytes(template.render(sample).data, policy=email.policy.default)
    return message.get_body(("html",)).get_content()


class InviteEmailTemplate:
    """Every invite of one survey, language and kind, rendered once with placeholders."""

    def __init__(
        self, survey: Survey, workspace: Workspace, locale: str, reminder: bool, has_name: bool, has_ticket: bool
    ):
        stand_in = SimpleNamespace(
            token=TOKEN,
            locale=locale,
            customer_name=NAME if has_name else None,
            ticket_id=TICKET if has_ticket else None,
        )
        with force_locale_for(locale):
            context = {
                "invite": stand_in,
                "survey": survey,
                "workspace": workspace,
                "brand": branding(workspace),
                "question": survey.question
                if survey.question != KINDS[survey.kind].question
                else gettext(survey.question),
                "points": scale_points(survey, stand_in),
                "low_label": _end_label(survey, "low"),
                "high_label": _end_label(survey, "high"),
                "survey_link": survey_url(TOKEN),
                "unsubscribe_url": unsubscribe_url(TOKEN),
                "reminder": reminder,
            }
            if reminder:
                subject = gettext("A reminder: one quick question from %(name)s", name=workspace.name)
            else:
                subject = gettext("How did we do? A quick question from %(name)s", name=workspace.name)
            self.text = render_template("email/invite.txt", **context)
            self.html = render_template("email/invite.html", **context)
        self.text_part, self.html_part = _PartTemplate("plain", self.text), _PartTemplate("html", self.html)
        mail_from = sender_header(workspace)
        self.sender = parseaddr(mail_from)[1]
        self.kind = "reminder" if reminder else "invite"
        self.unsubscribe = unsubscribe_url(TOKEN)
        reply_to = _fold("Reply-To", workspace.reply_to) if workspace.reply_to else ""
        self.head = (_fold("Subject", subject) + _fold("From", mail_from) + reply_to).encode()
        self.boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="

    @classmethod
    def for_invite(
        cls, invite: Invite, survey: Survey, workspace: Workspace, reminder: bool = False, cache: dict | None = None
    ) -> InviteEmailTemplate:
        """The template this invite's message comes from, reused from `cache` (default: the app's)."""
        if cache is None:
            cache = current_app.extensions.setdefault("invite_email_templates", {})
        # Everything the rendered text depends on is in the key, so an edit makes a new template
        # rather than reusing a stale one: the survey through its updated_at (set on every UPDATE
        # SQLAlchemy issues), the workspace's branding, the sender and the public host.
        key = (
            survey.id,
            survey.updated_at,
            workspace.id,
            workspace.name,
            workspace.brand_colour,
            workspace.logo_url,
            workspace.mail_from_name,
            workspace.reply_to,
            current_app.config["MAIL_FROM"],
            current_app.config["PUBLIC_URL"],
            invite.locale,
            reminder,
            bool(invite.customer_name),
            bool(invite.ticket_id),
        )
        template = cache.get(key)
        if template is None:
            if len(cache) >= MAX_CACHED_TEMPLATES:
                del cache[next(iter(cache))]  # the oldest; edited surveys' templates age out this way
            template = cache[key] = cls(survey, workspace, *key[-4:])
        return template

    def render(self, invite: Invite) -> OutgoingEmail:
        """This invite's message: its token, name and ticket put in, headers and parts encoded."""
        name, ticket = invite.customer_name or "", invite.ticket_id or ""
        parts = [
            self.text_part.render(invite.token, name, ticket),
            self.html_part.render(invite.token, str(escape(name)), str(escape(ticket))),
        ]
        message_id = make_msgid(idstring=f"{self.kind}-{invite.id}", domain="afterword.localhost")
        to = formataddr((name, invite.customer_email), charset="utf-8")
        to_header = f"To: {to}\r\n" if len(to) < 74 else _fold("To", to)
        boundary = self.boundary
        while any(boundary.encode() in part for part in parts):  # as unlikely as the email package makes it
            boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
        head = (
            f"{to_header}Message-ID: {message_id}\r\nX-Afterword-Invite: {invite.id}\r\n"
            f"Auto-Submitted: auto-generated\r\n"
            f"List-Unsubscribe: <{self.unsubscribe.replace(TOKEN, invite.token)}>\r\n"
            f"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n'
        ).encode()
        b = boundary.encode()
        data = b"".join(
            (self.head, head, b"--", b, b"\r\n", parts[0], b"\r\n--", b, b"\r\n", parts[1], b"\r\n--", b, b"--\r\n")
        )
        return OutgoingEmail(self.sender, invite.customer_email, message_id, data)


def sender_header(workspace: Workspace) -> str:
    """The From header: the workspace's sender name, if it set one, beside MAIL_FROM's address.

    The address itself stays the operator's: it is the one their SPF and DKIM records vouch for, so
    a workspace names itself without making its mail look forged. Replies go to its reply-to.
    """
    configured = current_app.config["MAIL_FROM"]
    if not workspace.mail_from_name:
        return configured
    return formataddr((workspace.mail_from_name, parseaddr(configured)[1]), charset="utf-8")


def _fold(name: str, value: str) -> str:
    """A header line as the SMTP policy writes it: encoded words for non-ASCII, folded, CRLF."""
    return _SMTP.header_factory(name, value).fold(policy=_SMTP)


def _part(subtype: str, content: str) -> bytes:
    """One text part, 7bit when it is short-lined ASCII (as the email package would), else quoted-printable."""
    content = content.replace("\r\n", "\n")
    if not content.endswith("\n"):
        content += "\n"
    if content.isascii() and max(map(len, content.split("\n"))) <= 78:
        body, cte = content.encode(), "7bit"
    else:
        body, cte = binascii.b2a_qp(content.encode(), istext=True), "quoted-printable"
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n'.encode()
        + body.replace(b"\n", b"\r\n")
    )


class _PartTemplate:
    """A text part of the template, encoded once: per message, only the lines that hold an
    invite's own values are filled in and encoded, the same bytes as `_part` of the whole text.

    Quoted-printable is line by line (its soft breaks and trailing-space rule look no further
    than the line's end), so the fixed lines' encodings are kept for both transfer encodings;
    which one a message gets is decided as `_part` does, from the fixed lines' properties kept
    here and the filled-in lines. A render took ~105 us, half of it encoding the whole HTML; then ~50 us.

    The lines whose only own value is the token (the scale's links, unsubscribe) are most of what
    is left, and a token as `new_token` makes it has a fixed length and only characters that
    quoted-printable keeps as they are, so those lines' encodings are kept too, as the bytes around
    each token character's place: a message puts its token's characters in (`_Spliced`). Encoding
    them per message was ~12 us of the HTML's ~19 us. Any other token goes the general way.
    """

    def __init__(self, subtype: str, content: str):
        self.subtype, self.content = subtype, content.replace("\r\n", "\n")
        lines = (self.content if self.content.endswith("\n") else self.content + "\n").split("\n")[:-1]
        fixed = [line for line in lines if _MARK not in line]
        # 7bit needs every line ASCII and at most 78 characters: the fixed lines alone may rule it out.
        self.may_be_7bit = all(line.isascii() for line in fixed) and max(map(len, fixed), default=0) <= 78
        # Runs of fixed lines as (7bit, quoted-printable) CRLF bytes; runs of lines with placeholders as str.
        self.pieces = _pieces(lines, lambda line: _MARK not in line)
        # The same for a plain token: lines with no value but the token are kept encoded as well.
        token_lines = [
            line.replace(TOKEN, "A" * _TOKEN_LENGTH) for line in lines if _MARK not in line.replace(TOKEN, "")
        ]
        self.plain_token_may_be_7bit = all(line.isascii() for line in token_lines) and (
            max(map(len, token_lines), default=0) <= 78
        )
        self.plain_token_pieces = _pieces(lines, lambda line: _MARK not in line.replace(TOKEN, ""))

    def render(self, token: str, name: str, ticket: str) -> bytes:
        if any("\r" in value or "\n" in value for value in (token, name, ticket)):  # lines of its own
            return _part(self.subtype, self.content.replace(TOKEN, token).replace(NAME, name).replace(TICKET, ticket))
        if _PLAIN_TOKEN.match(token):
            pieces, may_be_7bit = self.plain_token_pieces, self.plain_token_may_be_7bit
        else:
            pieces, may_be_7bit = self.pieces, self.may_be_7bit
        filled = [
            piece
            if not isinstance(piece, str)
            else piece.replace(TOKEN, token).replace(NAME, name).replace(TICKET, ticket)
            for piece in pieces
        ]
        seven_bit = may_be_7bit and all(
            piece.isascii() and max(map(len, piece.split("\n"))) <= 78 for piece in filled if isinstance(piece, str)
        )
        kept, token_bytes = (0 if seven_bit else 1), token.encode()  # kept pieces: [0] 7bit, [1] quoted-printable
        body = []
        for piece in filled:
            if isinstance(piece, tuple):
                body.append(piece[kept])
            elif isinstance(piece, _Spliced):
                body.append(piece.fill(kept, token_bytes))
            elif seven_bit:
                body.append(piece.encode().replace(b"\n", b"\r\n"))
            else:
                body.append(binascii.b2a_qp(piece.encode(), istext=True).replace(b"\n", b"\r\n"))
        cte = "7bit" if seven_bit else "quoted-printable"
        return (
            f'Content-Type: text/{self.subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n'.encode()
            + b"".join(body)
        )


# What new_token makes (secrets.token_urlsafe(24)): 32 characters that quoted-printable keeps as they are.
_TOKEN_LENGTH = 32
_PLAIN_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{_TOKEN_LENGTH}}}\Z")


def _pieces(lines: list[str], kept) -> list:
    """Runs of lines: those `kept` encoded now (as a pair of bytes, or `_Spliced` if they hold the
    token), the others as their text with placeholders, filled in and encoded per message."""
    pieces: list = []
    for is_kept, run in groupby(lines, key=kept):
        text = "".join(line + "\n" for line in run)
        if not is_kept:
            pieces.append(text)
        elif TOKEN in text:
            pieces.append(_Spliced(text))
        else:
            raw = text.encode()
            pieces.append((raw.replace(b"\n", b"\r\n"), binascii.b2a_qp(raw, istext=True).replace(b"\n", b"\r\n")))
    return pieces


class _Spliced:
    """Lines whose only placeholder is the token, encoded both ways for any plain token.

    7bit: the text around the tokens. Quoted-printable: the encoding of the lines with a stand-in
    token, cut around each of its characters. A plain token's characters are each one character
    of output, as the stand-in's are, so its soft breaks fall in the same places (possibly inside
    a token): two stand-ins, all A and all B, find those places, where their encodings differ.
    """

    def __init__(self, text: str):
        self.seven_bit = [segment.encode().replace(b"\n", b"\r\n") for segment in text.split(TOKEN)]
        a, b = (
            binascii.b2a_qp(text.replace(TOKEN, c * _TOKEN_LENGTH).encode(), istext=True).replace(b"\n", b"\r\n")
            for c in "AB"
        )
        places = [i for i in range(len(a)) if a[i] != b[i]]
        if len(a) != len(b) or len(places) != _TOKEN_LENGTH * text.count(TOKEN):
            raise AssertionError("a plain token's characters are not each one character of quoted-printable")
        # Constant bytes and (start, end) slices of the token, in order.
        self.quoted: list[bytes | tuple[int, int]] = []
        done = 0
        for k, place in enumerate(places):
            first = k % _TOKEN_LENGTH
            if first == 0 or place != places[k - 1] + 1:  # a token's first character, or after a soft break
                self.quoted += [a[done:place], (first, first + 1)]
            else:
                self.quoted[-1] = (self.quoted[-1][0], first + 1)
            done = place + 1
        self.quoted.append(a[done:])

    def fill(self, kept: int, token: bytes) -> bytes:
        if kept == 0:
            return token.join(self.seven_bit)
        return b"".join(piece if isinstance(piece, bytes) else token[piece[0] : piece[1]] for piece in self.quoted)


def _end_label(survey: Survey, end: str) -> str:
    labels = {
        "csat": ("Very unsatisfied", "Very satisfied"),
        "nps": ("Not at all likely", "Extremely likely"),
        "ces": ("Strongly disagree", "Strongly agree"),
    }[survey.kind]
    return gettext(labels[0] if end == "low" else labels[1])
