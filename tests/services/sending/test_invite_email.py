"""The invite email built from one template per (survey, language, kind): each copy is its own."""

from __future__ import annotations

import email
import email.header
import email.policy

import pytest

from app.extensions import db
from app.models import Workspace
from app.services.sending.invite_email import InviteEmailTemplate


def parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def parts(msg) -> tuple[str, str]:
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_content()
    html = next(p for p in msg.walk() if p.get_content_type() == "text/html").get_content()
    return text, html


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace, "csat")


def test_one_template_makes_each_invites_own_message(app, make, survey):
    first, second = make.invite(survey), make.invite(survey)
    cache: dict = {}
    ws = db.session.get(Workspace, survey.workspace_id)
    mails = [InviteEmailTemplate.for_invite(i, survey, ws, cache=cache).render(i) for i in (first, second)]
    assert len(cache) == 1  # same survey, language and kind: rendered once
    for invite, other, mail in ((first, second, mails[0]), (second, first, mails[1])):
        msg = parsed(mail.data)
        text, html = parts(msg)
        assert invite.token in text and invite.token in html and other.token not in text + html
        assert msg["X-Afterword-Invite"] == str(invite.id) and msg["Message-ID"] == mail.message_id
        assert msg["List-Unsubscribe"] == f"<http://afterword.test/u/{invite.token}>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg["To"].addresses[0].addr_spec == invite.customer_email == mail.recipient
        assert f"Hi {invite.customer_name}," in text and f"#{invite.ticket_id}" in text
        assert f"http://afterword.test/s/{invite.token}?score=5" in html
        assert b"\r\n" in mail.data and b"\n" not in mail.data.replace(b"\r\n", b"")  # CRLF only, for SMTP


def test_names_are_escaped_in_html_and_encoded_in_headers(app, make, survey):
    invite = make.invite(survey)
    invite.customer_name, invite.locale, invite.ticket_id = 'Zoë "<b>Ärger</b>" & Co', "es", "A<1>"
    ws = db.session.get(Workspace, survey.workspace_id)
    mail = InviteEmailTemplate.for_invite(invite, survey, ws).render(invite)
    assert mail.data.isascii()  # encoded words and quoted-printable: no 8-bit data on the wire
    msg = parsed(mail.data)
    text, html = parts(msg)
    assert msg["To"].addresses[0].display_name == 'Zoë "<b>Ärger</b>" & Co'
    assert str(msg["Subject"]).startswith("¿Qué tal lo hicimos?")
    assert "Zoë &#34;&lt;b&gt;Ärger&lt;/b&gt;&#34; &amp; Co" in html and "<b>" not in html
    assert "A&lt;1&gt;" in html and "A<1>" in text and 'Zoë "<b>Ärger</b>" & Co' in text


def test_an_invite_without_name_or_ticket_gets_the_plain_greeting(app, make, survey):
    invite = make.invite(survey)
    invite.customer_name, invite.ticket_id = None, None
    ws = db.session.get(Workspace, survey.workspace_id)
    text, html = parts(parsed(InviteEmailTemplate.for_invite(invite, survey, ws).render(invite).data))
    assert text.startswith("Hi,") and "#" not in text and "\ue000" not in text + html


def test_a_worker_keeps_templates_across_batches_until_the_survey_or_branding_changes(app, make, survey):
    ws = db.session.get(Workspace, survey.workspace_id)
    first, second = make.invite(survey), make.invite(survey)
    template = InviteEmailTemplate.for_invite(first, survey, ws)
    assert InviteEmailTemplate.for_invite(second, survey, ws) is template  # no batch cache given: the app's

    survey.question = "Was the answer what you needed?"
    db.session.commit()  # bumps updated_at
    text, _ = parts(parsed(InviteEmailTemplate.for_invite(first, survey, ws).render(first).data))
    assert "Was the answer what you needed?" in text

    ws.brand_colour, ws.logo_url = "#c0ffee", "https://cdn.example.com/logo.png"
    db.session.commit()
    _, html = parts(parsed(InviteEmailTemplate.for_invite(first, survey, ws).render(first).data))
    assert "#c0ffee" in html and "https://cdn.example.com/logo.png" in html

    ws.name = "Acme Support"
    db.session.commit()
    msg = parsed(InviteEmailTemplate.for_invite(first, survey, ws).render(first).data)
    assert "Acme Support" in msg["Subject"] and "Acme Support" in parts(msg)[0]


def test_the_workspace_names_the_sender_and_takes_the_replies(app, make, survey):
    ws = db.session.get(Workspace, survey.workspace_id)
    invite = make.invite(survey)
    msg = parsed(InviteEmailTemplate.for_invite(invite, survey, ws).render(invite).data)
    assert str(msg["From"]) == app.config["MAIL_FROM"] and msg["Reply-To"] is None  # nothing set: as configured

    ws.mail_from_name, ws.reply_to = "Zoë at Acme", "help@acme.example"
    db.session.commit()
    mail = InviteEmailTemplate.for_invite(invite, survey, ws).render(invite)
    msg = parsed(mail.data)
    sender = msg["From"].addresses[0]
    # The name is the workspace's; the address stays MAIL_FROM's, which SPF and DKIM vouch for.
    assert sender.display_name == "Zoë at Acme" and sender.addr_spec == mail.sender
    assert mail.sender in app.config["MAIL_FROM"] and mail.data.isascii()
    assert msg["Reply-To"].addresses[0].addr_spec == "help@acme.example"


def test_the_kept_templates_are_bounded(app, make, survey, monkeypatch):
    monkeypatch.setattr("app.services.sending.invite_email.MAX_CACHED_TEMPLATES", 2)
    ws = db.session.get(Workspace, survey.workspace_id)
    for locale in ("en", "es", "fr"):
        invite = make.invite(survey)
        invite.locale = locale
        InviteEmailTemplate.for_invite(invite, survey, ws)
    kept = app.extensions["invite_email_templates"]
    assert len(kept) == 2 and {key[-4] for key in kept} == {"es", "fr"}


@pytest.mark.parametrize(
    "name, ticket",
    [
        ("Sam", "T-1"),
        ("Zoë Ärger", "Ä-1"),
        ('"<b>" & = .', "=3D"),
        ("x" * 120, "y" * 90),  # lines past 78 characters: quoted-printable with soft breaks
        ("trailing  ", "tab\t"),
        ("two\nlines", "T-2"),
        ("", ""),
    ],
)
@pytest.mark.parametrize("locale", ["en", "de"])
def test_a_message_has_the_bytes_of_its_whole_text_encoded(app, make, survey, name, ticket, locale):
    # Only the lines with an invite's own values are encoded per message: the result must be
    # what encoding the whole filled-in text gives.
    from markupsafe import escape

    from app.services.sending.invite_email import NAME, TICKET, TOKEN, _part

    invite = make.invite(survey)
    invite.customer_name, invite.ticket_id, invite.locale = name, ticket, locale
    ws = db.session.get(Workspace, survey.workspace_id)
    template = InviteEmailTemplate.for_invite(invite, survey, ws)
    data = template.render(invite).data
    text = template.text.replace(TOKEN, invite.token).replace(NAME, name).replace(TICKET, ticket)
    html = (
        template.html.replace(TOKEN, invite.token).replace(NAME, str(escape(name))).replace(TICKET, str(escape(ticket)))
    )
    assert _part("plain", text) in data and _part("html", html) in data


@pytest.mark.parametrize("name", ["Sam", "Zoë", "x" * 80, "a\r\nb", " . "])
def test_a_part_template_encodes_as_the_whole_text_would(name):
    from app.services.sending.invite_email import NAME, TOKEN, _part, _PartTemplate

    content = f"Hi {NAME},\nshort and fixed\n.\n{TOKEN} {NAME}\nend \n"
    filled = content.replace(TOKEN, "tok").replace(NAME, name)
    assert _PartTemplate("plain", content).render("tok", name, "") == _part("plain", filled)


@pytest.mark.parametrize("seed", range(40))
def test_a_new_tokens_lines_kept_encoded_are_the_whole_texts_encoding(seed):
    # A token as new_token makes it goes into lines kept encoded: wherever quoted-printable's soft
    # breaks fall (inside a token too), next to escapes, dots and trailing spaces, the bytes must
    # be those of encoding the filled-in text.
    import random

    from app.services.sending.invite_email import NAME, TICKET, TOKEN, _part, _PartTemplate, _Spliced

    rng = random.Random(seed)
    if seed % 2:  # long lines, some not ASCII: quoted-printable
        filler, most = ["a", "é", "=", ".", " ", "\t", "x" * 30, '<a href="', "?score=1", TOKEN, TOKEN + TOKEN], 14
    else:  # short ASCII lines: 7bit, unless a name makes a line too long
        filler, most = ["a", ".", " ", "=", "?score=1", TOKEN], 3
    lines = ["".join(rng.choices(filler, k=rng.randint(0, most))) for _ in range(rng.randint(1, 8))]
    lines.insert(rng.randrange(len(lines) + 1), f"Hi {NAME}, #{TICKET} {TOKEN}")
    content = "\n".join(lines) + rng.choice(["", "\n"])
    template = _PartTemplate(rng.choice(["plain", "html"]), content)
    for _ in range(5):
        token = "".join(rng.choices("AZaz09-_", k=32))
        name = rng.choice(["Sam", "Zoë", "x" * 90, ""])
        filled = content.replace(TOKEN, token).replace(NAME, name).replace(TICKET, "T-1")
        assert template.render(token, name, "T-1") == _part(template.subtype, filled)
    if TOKEN in content.replace(f"Hi {NAME}, #{TICKET} {TOKEN}", ""):
        assert any(isinstance(piece, _Spliced) for piece in template.plain_token_pieces)
