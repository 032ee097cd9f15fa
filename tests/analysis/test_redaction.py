"""Redaction examples: what a customer may type, and what we store instead.

The second table matters as much as the first: a comment about an order, a date, a price or a
ticket must reach the CX team exactly as it was written.
"""

from __future__ import annotations

import pytest

from app.analysis.redaction import iban_valid, luhn_valid, redact

REDACTED = [
    ("mail me at jane.doe+cx@example.co.uk please", "mail me at [email] please"),
    ("JANE@EXAMPLE.COM wrote twice", "[email] wrote twice"),
    ("my card 4111 1111 1111 1111 was charged twice", "my card [card] was charged twice"),
    ("card 4111-1111-1111-1111.", "card [card]."),
    ("amex 378282246310005 refunded?", "amex [card] refunded?"),
    ("refund to GB82 WEST 1234 5698 7654 32 asap", "refund to [iban] asap"),
    ("IBAN DE89370400440532013000", "IBAN [iban]"),
    ("call +44 20 7946 0958 after 5pm", "call [phone] after 5pm"),
    ("ring +1 (555) 123-4567", "ring [phone]"),
    ("my number is 0044 20 7946 0958", "my number is [phone]"),
    ("reach me on (555) 123-4567 today", "reach me on [phone] today"),
    ("portable 06 12 34 56 78 merci", "portable [phone] merci"),
    ("landline 020 7946 0958", "landline [phone]"),
    ("phone: 0612345678", "phone: [phone]"),
    ("call me on 07700900123 tomorrow", "call me on [phone] tomorrow"),
    ("ssn 123-45-6789 on file", "ssn [ssn] on file"),
    ("amex 3782 822463 10005 declined", "amex [card] declined"),
    ("visa 4012-8888-8888-1881!", "visa [card]!"),
    ("virement FR14 2004 1010 0505 0001 3M02 606 reçu", "virement [iban] reçu"),
    ("Rufen Sie +49 30 901820 an", "Rufen Sie [phone] an"),
    ("whatsapp: +34 612 345 678", "whatsapp: [phone]"),
    ("555.123.4567 is my cell", "[phone] is my cell"),
    (
        "Jane (jane@example.com, +33 6 12 34 56 78) paid with 5555 5555 5555 4444",
        "Jane ([email], [phone]) paid with [card]",
    ),
]

UNTOUCHED = [
    "order 1234567 arrived late",
    "order #123456789 never came",
    "order number 100023456789 is wrong",
    "ticket TCK-2024-000123 was closed",
    "see ticket #48213 and #48214",
    "it arrived on 2024-03-15, two weeks late",
    "delivered 15/03/2024 at 10:30",
    "on 03.15.2024 at 14:45:10",
    "it cost $1,299.00 and then 1 234,56 € more",
    "paid 1,234,567.89 in total",
    "version 2.4.11 broke the export",
    "app v10.2.3.4 crashes",
    "waited 45 minutes, 3 times",
    "my order 4111111111111112 (not a card: Luhn fails)",
    "0000 0000 0000 0000 is a placeholder",
    "GB00WEST12345698765432 has a wrong checksum",
    "rated 10/10, would buy again",
    "tracking 1Z999AA10123456784",
    "order 1234-5678-9012 is missing",
    "Amazon order 112-4567890-1234567 arrived broken",
    "invoice no. 2024 0042 17 is wrong",
    "ref: 20 4411 9087 please check",
    "call 911 if it catches fire",
    "between 9 and 5, Monday to Friday",
    "room 101, floor 3, building 12",
    "scored 4 5 5 4 3 on the five questions",
    "it took 3 - 4 business days",
    "user@ alone is not an address",
    "",
]


@pytest.mark.parametrize(("text", "expected"), REDACTED)
def test_identifiers_are_replaced_by_placeholders(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", UNTOUCHED)
def test_orders_dates_prices_tickets_versions_and_times_are_left_alone(text):
    assert redact(text) == text


@pytest.mark.parametrize(("text", "_"), REDACTED)
def test_redacting_twice_changes_nothing_more(text, _):
    once = redact(text)
    assert redact(once) == once


def test_none_stays_none():
    assert redact(None) is None


def test_checksums():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid("GB83 WEST 1234 5698 7654 32")
