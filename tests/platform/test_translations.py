"""Every customer-facing string of the survey pages and the widget is in every catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.platform.i18n import LANGUAGES
from app.scoring.kinds import KINDS
from app.services.answers.wording import DEFAULT_WORDING, END_LABELS

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "app" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
# What a customer reads on our pages and in the widget (emails have their own block and test).
SOURCES = [
    *sorted((ROOT / "templates" / "respondent").rglob("*.html")),  # pages, unsubscribe, errors
    ROOT / "app" / "services" / "answers" / "wording.py",
    *sorted((ROOT / "app" / "respondent").glob("*.py")),
    ROOT / "app" / "errors.py",
]


def customer_msgids() -> set[str]:
    found = set()
    for path in SOURCES:
        method = "jinja2.ext:babel_extract" if path.suffix == ".html" else "python"
        for _, message, _, _ in extract_from_file(method, str(path), keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(lang: str):
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def test_the_kinds_default_wording_is_marked_for_translation():
    for kind in KINDS.values():
        assert {kind.question, *kind.follow_up.values()} <= set(DEFAULT_WORDING)
    assert set(END_LABELS) == set(KINDS)


def test_sources_yield_the_strings_we_expect():
    msgids = customer_msgids()
    assert {"Send my answer", "This survey has closed", "Feedback for %(name)s", "Very satisfied"} <= msgids
    assert len(msgids) >= 40


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_customer_string_is_translated(lang):
    entries = {m.id: m.string for m in catalogue(lang) if m.id}
    missing = customer_msgids() - set(entries)
    assert not missing, f"{lang}: add to messages.po: {sorted(missing)}"
    if lang == "en":
        return
    for msgid in customer_msgids():
        translated = entries[msgid]
        assert translated, f"{lang}: untranslated {msgid!r}"
        assert sorted(re.findall(r"%\(\w+\)s", translated)) == sorted(re.findall(r"%\(\w+\)s", msgid)), msgid


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogues_match_their_sources(lang):
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    source = {m.id: m.string for m in catalogue(lang) if m.id and m.string and not m.fuzzy}
    assert compiled == source, "stale .mo: run `make translations`"
