"""Discovered themes tag words as TextBlob's pattern tagger does, without its per-word overhead."""

from __future__ import annotations

import csv
from pathlib import Path

from textblob.en import parser

from app.analysis.themes import pattern_tags

ROOT = Path(__file__).resolve().parents[2]


def sentences() -> list[list[str]]:
    """Words of real comments (Banking77's test set), split as the tagger is called: capitalised
    first words, unknown words, numbers, hyphenated and suffixed forms all occur."""
    with (ROOT / "benchmarks" / "themes" / "data" / "banking77_test.csv").open(encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    extra = ["Top-up 3.50 GBP 12:30 50% $20 1-2-3", "Refunds Arrived Quickly", "ABC Bank ruined everything"]
    return [text.replace("?", " ?").replace(",", " ,").split() for text in texts + extra]


def test_tags_are_the_pattern_taggers():
    checked = 0
    for words in sentences():
        assert pattern_tags(words) == [tag for _, tag in parser.find_tags(words)], words
        checked += len(words)
    assert checked > 10_000
