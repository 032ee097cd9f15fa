"""The text refusal every inbound schema runs: NUL (PostgreSQL text cannot hold it) and lone
surrogates (no database can encode them), found anywhere in a body."""

from __future__ import annotations

import pytest

from app.platform.strict_json import walk_text_problem


@pytest.mark.parametrize(
    "value",
    [
        "a\x00b",
        {"customer": {"name": "x\x00"}},
        {"ticket": {"tags": ["ok", "bad\x00"]}},
        {"key\x00": "value"},
        [[["\x00"]]],
    ],
)
def test_nul_anywhere_is_found(value):
    assert "NUL" in walk_text_problem(value)


@pytest.mark.parametrize(
    "value",
    [
        "a\ud800b",
        {"customer": {"name": "x\udfff"}},
        {"ticket": {"tags": ["ok", "bad\udc00"]}},
        {"key\ud83d": "value"},
    ],
)
def test_lone_surrogates_anywhere_are_found(value):
    assert "surrogate" in walk_text_problem(value)


@pytest.mark.parametrize(
    "value",
    [
        {"comment": r"a literal \x00 typed as text"},
        {"comment": r"a literal \ud800 typed as text"},
        {"comment": "back\\slash", "n": 10**100, "ok": None, "list": [1.5, True]},
        {"comment": "a paired surrogate is a real character: \U0001f600"},
        "plain",
    ],
)
def test_text_without_nul_or_lone_surrogates_passes(value):
    assert walk_text_problem(value) is None


def test_very_deep_input_is_checked_without_crashing():
    deep = "\x00"
    for _ in range(5000):
        deep = [deep]
    assert "NUL" in walk_text_problem(deep)  # the walk is iterative: any depth, no RecursionError
    shallow = {"a": ["x", {"b": "y\x00"}]}
    assert "NUL" in walk_text_problem(shallow)
