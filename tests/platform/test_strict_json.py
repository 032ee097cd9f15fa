"""The one JSON loader: what json.loads takes but no column or calculation can hold is refused."""

from __future__ import annotations

import pytest

from app.platform.strict_json import MAX_DEPTH, Refused, loads, text_problem


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"[" * 100_000, "nested too deeply"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested too deeply"),
        (b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "nested too deeply"),
        (b'{"score": Infinity}', "Infinity is not a number"),
        (b'{"score": -Infinity}', "-Infinity is not a number"),
        (b'{"score": NaN}', "NaN is not a number"),
        (b'{"score": 1e400}', "out of range"),
        (b'{"id": ' + b"9" * 5000 + b"}", "number too long"),
        (b'{"comment": "\\ud800"}', "lone surrogate"),
        (b'{"\\udfff": 1}', "lone surrogate"),
        (b'{"comment": "a\\u0000b"}', "NUL"),
        (b'["ok", ["deeper", {"k": "\\u0000"}]]', "NUL"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
    ],
)
def test_refused_with_a_reason(raw, reason):
    with pytest.raises(Refused, match=reason):
        loads(raw)


@pytest.mark.parametrize(
    "raw, value",
    [
        (b'{"comment": "Great \\ud83d\\ude00 service", "score": 9}', {"comment": "Great 😀 service", "score": 9}),
        (
            b'{"note": "a literal \\\\x00 and \\\\ud800 typed by hand"}',
            {"note": "a literal \\x00 and \\ud800 typed by hand"},
        ),
        # Integers of any sane length: each schema bounds its fields to their columns (a 422 naming the field).
        (
            b'{"big": 1000000000000000000000000000000, "f": 1.5e300, "neg": -2}',
            {"big": 10**30, "f": 1.5e300, "neg": -2},
        ),
        ('{"text": "déjà vu"}', {"text": "déjà vu"}),
    ],
)
def test_accepted_as_json_loads_would(raw, value):
    assert loads(raw) == value


def test_nesting_up_to_the_limit_is_accepted():
    value = loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    depth = 0
    while isinstance(value, list):
        depth, value = depth + 1, value[0] if value else None
    assert depth == MAX_DEPTH


def test_text_problem_names_nul_and_lone_surrogates_only():
    assert text_problem("plain, ünïcode and 😀") is None
    assert "NUL" in text_problem("a\x00b")
    assert "surrogate" in text_problem("a\ud800b")
