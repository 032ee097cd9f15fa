"""The NUL refusal every inbound schema runs (PostgreSQL text cannot hold NUL)."""

from __future__ import annotations

import pytest

from app.schemas.common import _has_nul


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
    assert _has_nul(value) is True


@pytest.mark.parametrize(
    "value",
    [
        {"comment": r"a literal \x00 typed as text"},
        {"comment": "back\\slash", "n": 10**100, "ok": None, "list": [1.5, True]},
        "plain",
    ],
)
def test_text_without_nul_passes(value):
    assert _has_nul(value) is False


def test_very_deep_input_is_checked_without_crashing():
    deep = "\x00"
    for _ in range(5000):
        deep = [deep]
    assert _has_nul(deep) is False  # beyond the walk's depth: not a crash, and json.loads refuses such depth anyway
    shallow = {"a": ["x", {"b": "y\x00"}]}
    assert _has_nul(shallow) is True
