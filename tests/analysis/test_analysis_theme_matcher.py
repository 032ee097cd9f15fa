"""The compiled custom-theme matcher finds exactly what the former per-comment regexes found."""

import random
import re
import sys
from pathlib import Path

import pytest

from app.analysis import analyze_comment, analyze_comments, default_theme_keys
from app.analysis.themes import _normal_words, compile_custom_themes, custom_theme_matches
from app.analysis.tokens import normalise

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from analysis_throughput import SUPPORT_COMMENTS


# The implementation before the matcher, kept verbatim as the reference: one regex per theme,
# an alternation of its terms, run over the comment's normalised words joined by spaces.
def _reference_matchers(themes):
    matchers = []
    for name, keywords in themes.items():
        phrases = [" ".join(map(re.escape, _normal_words(k))) for k in keywords]
        phrases = [p for p in phrases if p]
        if phrases:
            matchers.append((name, re.compile(r"(?<= )(?:" + "|".join(phrases) + r")(?= )")))
    return matchers


def reference_matches(text, themes):
    if not text or not themes:
        return [], set()
    joined = " " + " ".join(_normal_words(text)) + " "
    names, used = [], set()
    for name, regex in _reference_matchers(themes):
        found = regex.findall(joined)
        if found:
            names.append(name)
            for phrase in found:
                used.update(phrase.split())
    return names, used


CATALOGUES = [
    {"Refunds": ["refund", "money back"], "Billing": ["Invoice", "charged twice"], "Speed": ["wait time"]},
    {
        "billing": ["invoice", "charged", "bill"],
        "waiting": ["waiting", "slow", "no reply", "took forever"],
        "food": ["food", "pizza", "burger"],
    },
    # Overlapping and nested terms, where the order of the alternatives and non-overlap matter.
    {
        "a": ["customer service", "service team", "service"],
        "b": ["team", "service team was"],
        "c": ["the the", "the"],
        "d": ["!!!", "", "  "],
        "e": ["Log-in", "log in", "login"],
    },
    {
        "plural": ["Refunds", "BOXES", "wait times", "status", "process", "glasses"],
        "numbers": ["10/10", "2 weeks"],
        "apostrophe": ["didn't", "customer's", "don't reply"],
        "accents": ["Café", "naïve"],
    },
    # Matches never overlap: after "money back", "back office" cannot start at "back".
    {"o": ["money back", "back office", "office chair"], "p": ["support"]},
]

TEXTS = [
    "I want my MONEY BACK; both invoices are wrong",
    "Refunds take ages",
    "the wait times are long",
    "refundable ticket",
    "",
    "   ",
    "refund",
    "REFUND!!!",
    "The customer service team was rude, the service team was slow, service service",
    "the the the the",
    "The, the. The!",
    "log-in broken; log in broken; Login broken",
    "Charged twice, charged... twice? charged-twice",
    "10/10 would wait 2 weeks again",
    "I didn't get a reply, they don't reply, customer's complaint",
    "Café was naïve, cafe CAFÉS",
    "boxes box glasses glass status statuses processes process",
    "El reembolso nunca llegó, pizza",
    "Pizza,burger;food:bill(invoice)",
    "no reply no  reply no-reply",
    "It took forever... took   forever",
    "money back office chair",
    "money back office support",
    "back office",
    "The money back office team",
    "❤️ great service 👍 :)",
    "see https://example.com/refund or mail refund@example.com",
]


def _random_texts(n=300, seed=4):
    rng = random.Random(seed)
    vocab = [
        "refund",
        "refunds",
        "money",
        "back",
        "invoice",
        "invoices",
        "charged",
        "twice",
        "wait",
        "time",
        "times",
        "service",
        "team",
        "was",
        "customer",
        "the",
        "log",
        "in",
        "login",
        "status",
        "statuses",
        "box",
        "boxes",
        "slow",
        "no",
        "reply",
        "took",
        "forever",
        "pizza",
        "food",
        "didn't",
        "don't",
        "reply",
        "customer's",
        "10/10",
        "2",
        "weeks",
        "café",
        "office",
        "chair",
        "support",
        ",",
        ".",
        "!",
        "?",
        ";",
        "-",
        ":)",
        "😡",
    ]
    return [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 14))) for _ in range(n)]


ALL_TEXTS = TEXTS + SUPPORT_COMMENTS + _random_texts()


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_matcher_equals_the_regex_reference(catalogue):
    for text in ALL_TEXTS:
        assert custom_theme_matches(text, catalogue) == reference_matches(text, catalogue), text


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_analysis_puts_the_matched_custom_themes_first(catalogue):
    # Workspace themes come first, in catalogue order, exactly as the reference matches them;
    # no other theme is built from words they matched (defaults and discovered themes follow).
    default_keys = set(default_theme_keys())
    results = analyze_comments(ALL_TEXTS, catalogue)
    for text, result in zip(ALL_TEXTS, results):
        names, used = reference_matches(normalise(text), catalogue)
        if analyze_comment(text).language != "en":
            names = []  # themes are for English comments
        assert result.themes[: len(names)] == names, text
        assert analyze_comment(text, catalogue).themes == result.themes
        assert set(result.theme_sentiment) == set(result.themes)
        for key in result.themes[len(names) :]:
            assert key not in catalogue, text
            if key not in default_keys:
                assert used.isdisjoint(key.split()), text


def test_a_catalogue_is_compiled_once_per_content():
    first = compile_custom_themes({"x": ["refund"], "y": ["money back"]})
    assert compile_custom_themes({"x": ["refund"], "y": ["money back"]}) is first
    assert compile_custom_themes({"x": ["refund"], "y": ["money"]}) is not first
    assert compile_custom_themes({}) is None and compile_custom_themes(None) is None
