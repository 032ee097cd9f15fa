"""Redaction: identifiers customers type into free text, replaced by placeholders before storage.

A customer writing "call me on +44 20 7946 0958" or pasting a card number into a comment gives us
data we must not keep. Each pattern below is narrow on purpose: a false positive destroys the
meaning of a comment ("order 1234567 arrived on 2024-03-15 for $1,299.00" must survive intact), so
numbers are redacted only with a checksum (cards: Luhn; IBANs: ISO 7064 mod 97-10) or a shape no
order number, date, price, time, version or ticket id has (a phone number's leading "+", its
separators between groups, or a word like "phone" before it).

Pure: no Flask, no database. `redact` is idempotent (placeholders contain no digits or "@").
"""

from __future__ import annotations

import re

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card]"
IBAN = "[iban]"
SSN = "[ssn]"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}(?![\w-])")

# An IBAN: country code, two check digits, 11..30 letters and digits, printed plain or in groups
# of four. The checksum decides; the shape only finds candidates.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])")

# A card: 13..19 digits, plain or printed as cards are (groups of four; Amex 4-6-5, Diners 4-6-4),
# split by single spaces or hyphens; Luhn decides. Other groupings ("112-4567890-1234567", an
# order number) are not candidates: one random number in ten passes Luhn.
_CARD = re.compile(
    r"(?<![\w#/.:,-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?|\d{4}[ -]\d{6}[ -]\d{4,5})"
    r"(?![\w/:-]|[.,]\d)"
)

# A phone number. Three shapes, none of which an order number, price, date or ticket id has:
#   international: "+" (or "00") then 8..15 digits, separators allowed;
#   grouped: 9..15 digits in at least three groups split by spaces, hyphens, dots or brackets
#            ("(555) 123-4567", "06 12 34 56 78", "020 7946 0958");
#   cued: a run of 9..15 digits right after a word that says it is one ("phone", "call me on").
_PHONE_INTERNATIONAL = re.compile(r"(?<![\w+])(?:\+|00)\d(?:[ .()-]{0,2}\d){7,14}(?![\w-])")
_PHONE_GROUPED = re.compile(
    r"(?<![\w#/.:,$€£-])(?<!\d )(?:\(\d{2,5}\)|\d{2,5})(?:[ .-]\d{2,5}|\) ?\d{2,5}){2,5}(?![\w/:-]|[ .,]\d)"
)
_PHONE_CUED = re.compile(
    r"(?i)\b(phone|tel|telephone|mobile|cell|call(?: me)?(?: on| at)?|text(?: me)?(?: on| at)?|whatsapp|sms|ring me on)"
    r"(\s*(?:number|no\.?|nr\.?|#)?\s*[:.]?\s*)(\d{9,15})\b"
)

# A US social security number, dashes required (a bare 9-digit run is far more often an order).
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")


def luhn_valid(digits: str) -> bool:
    """The Luhn check every payment card number passes (and 90 % of random numbers fail)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 is 1."""
    text = candidate.replace(" ", "")
    if not 15 <= len(text) <= 34:
        return False
    moved = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    # All one digit ("0000 0000 0000 0000") passes Luhn but is a placeholder, not a card.
    if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_valid(digits):
        return CARD
    return match.group()


def _iban(match: re.Match) -> str:
    return IBAN if iban_valid(match.group()) else match.group()


# A number the words before it name as something else stays, however phone-like its grouping
# ("order 1234-5678-9012", "invoice no. 2024 0042 17").
_NAMED_OTHERWISE = re.compile(
    r"(?i)\b(order|ticket|invoice|ref|reference|case|tracking|booking|account|acct|sku|serial|id|"
    r"receipt|parcel|shipment|confirmation)s?\b(?:\s*(?:number|no\.?|nr\.?|#|:))*\s*$"
)


def _phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    if not 9 <= len(digits) <= 17 or len(set(digits)) == 1:
        return match.group()
    before = match.string[max(0, match.start() - 30) : match.start()]
    return match.group() if _NAMED_OTHERWISE.search(before) else PHONE


def redact(text: str | None) -> str | None:
    """The text with emails, phone numbers, card numbers, IBANs and SSNs replaced by placeholders."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(_iban, text)
    text = _CARD.sub(_card, text)
    text = _SSN.sub(SSN, text)
    text = _PHONE_INTERNATIONAL.sub(_phone, text)
    text = _PHONE_CUED.sub(lambda m: m.group(1) + m.group(2) + PHONE, text)
    return _PHONE_GROUPED.sub(_phone, text)
