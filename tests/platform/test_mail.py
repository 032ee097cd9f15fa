"""The held connection's MAIL, RCPT and DATA put smtplib's own bytes on the wire, and fail as it does."""

from __future__ import annotations

import io
import random
import smtplib

import pytest

from app.platform.mail import _PLAIN_ADDRESS, _SMTP

OK = b"250 OK\r\n"
DONE = OK + OK + b"354 go ahead\r\n" + OK


class FakeSocket:
    """What smtplib writes, and the server's scripted replies."""

    def __init__(self, replies: bytes):
        self.sent = bytearray()
        self.replies = io.BytesIO(replies)

    def sendall(self, data: bytes) -> None:
        self.sent += data

    def makefile(self, mode: str):
        return self.replies

    def close(self) -> None:
        pass


def transaction(cls, sender, recipient, data, options, replies):
    """Run one sendmail on a connection of class `cls` already past EHLO; what went out and what came of it."""
    smtp = cls()
    smtp.sock = sock = FakeSocket(replies)
    smtp.ehlo_resp, smtp.does_esmtp = b"hello", True
    smtp.esmtp_features = {"size": "33554432", "8bitmime": "", "smtputf8": ""}
    try:
        outcome = smtp.sendmail(sender, [recipient], data, mail_options=options)
    except smtplib.SMTPException as exc:
        outcome = (type(exc), exc.args)
    return bytes(sock.sent), outcome, smtp.sock is None, smtp.command_encoding


MESSAGES = [
    b"Subject: hi\r\n\r\nbody\r\n",
    b"Subject: hi\r\n\r\n.starts a line\r\n..two\r\nend.\r\n",
    b".first line is a dot\r\n",
    b"no final line break",
    b"ends with a bare LF\n",
    b"",
    b"\r\n.\r\n",
    b"Subject: =?utf-8?q?Zo=C3=AB?=\r\n\r\nquoted=3Dprintable=\r\n soft\r\n",
    "8-bit: Zoë\r\n.Ärger\r\n".encode(),
]
ADDRESSES = [
    ("surveys@afterword.localhost", "c1@example.com", ()),
    ("Afterword <surveys@afterword.localhost>", "Ann Lee <ann@example.com>", ()),
    ("surveys@afterword.localhost", '"quoted local"@example.com', ()),
    ("surveys@afterword.localhost", "zoë@exämple.com", ("SMTPUTF8",)),
    ("surveys@afterword.localhost", "o'brien+tag@mail.example.co.uk", ()),
    ("surveys@afterword.localhost", "<>", ()),
    ("surveys@afterword.localhost", "a..b@example.com", ()),
]
REPLIES = [
    DONE,
    b"550 sender refused\r\n" + OK,  # MAIL refused: smtplib resets
    b"421 closing\r\n",  # MAIL 421: smtplib closes
    OK + b"550 no such user\r\n" + OK,  # RCPT refused
    OK + b"421 closing\r\n",
    OK + OK + b"451 not now\r\n",  # DATA itself refused
    OK + OK + b"354 go ahead\r\n" + b"552 too big\r\n" + OK,  # the message refused: reset
    OK + OK + b"354 go ahead\r\n" + b"421 closing\r\n",
    b"250-multi\r\n250 line\r\n" + OK + b"354 go ahead\r\n" + OK,
]


@pytest.mark.parametrize("data", MESSAGES)
@pytest.mark.parametrize("sender, recipient, options", ADDRESSES)
def test_a_message_goes_out_as_smtplib_sends_it(data, sender, recipient, options):
    assert transaction(_SMTP, sender, recipient, data, options, DONE) == transaction(
        smtplib.SMTP, sender, recipient, data, options, DONE
    )


@pytest.mark.parametrize("replies", REPLIES)
@pytest.mark.parametrize("sender, recipient, options", ADDRESSES[:2] + ADDRESSES[3:4])
def test_a_refusal_ends_as_smtplibs_does(replies, sender, recipient, options):
    data = MESSAGES[0]
    assert transaction(_SMTP, sender, recipient, data, options, replies) == transaction(
        smtplib.SMTP, sender, recipient, data, options, replies
    )


def test_a_plain_address_is_what_smtplib_would_quote():
    # Addresses near the pattern's edges (plain ones with a character swapped for a special, a
    # space, a quote or a non-ASCII one): every one it takes must be what quoteaddr puts in <>.
    atext = "abz09!#$%&'*+/=?^_`{|}~-"
    odd = '.@ "<>()[],;:\\\tç'
    rng = random.Random(17)
    taken = refused = 0
    for _ in range(20000):
        local = ".".join("".join(rng.choices(atext, k=rng.randint(1, 4))) for _ in range(rng.randint(1, 3)))
        domain = ".".join("".join(rng.choices("ab0-", k=rng.randint(1, 4))) for _ in range(rng.randint(1, 3)))
        text = list(f"{local}@{domain}")
        for _ in range(rng.choice((0, 0, 1, 2))):
            text[rng.randrange(len(text))] = rng.choice(odd)
        text = "".join(text)
        if _PLAIN_ADDRESS.match(text):
            taken += 1
            assert smtplib.quoteaddr(text) == f"<{text}>", text
        else:
            refused += 1
    assert taken > 5000 and refused > 5000


def test_a_plain_message_skips_the_parse_and_the_scan(monkeypatch):
    def unexpected(*args):
        raise AssertionError("smtplib's slow path taken")

    monkeypatch.setattr(smtplib, "quoteaddr", unexpected)
    monkeypatch.setattr(smtplib, "_quote_periods", unexpected)
    sent, outcome, closed, _ = transaction(
        _SMTP, "surveys@afterword.localhost", "c1@example.com", MESSAGES[0], (), DONE
    )
    assert outcome == {} and not closed
    assert sent == (
        b"mail FROM:<surveys@afterword.localhost> size=21\r\nrcpt TO:<c1@example.com>\r\ndata\r\n"
        b"Subject: hi\r\n\r\nbody\r\n.\r\n"
    )
