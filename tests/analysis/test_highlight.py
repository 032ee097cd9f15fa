"""Marking a comment's themes: the pieces give the comment back exactly, and only the themes the
answer carries are marked, on the words that name them."""

from __future__ import annotations

import pytest

from app.analysis.highlight import theme_segments


def test_the_catalogues_phrases_for_the_answers_themes_are_marked():
    text = "The refund took forever and nobody answered my emails."
    assert theme_segments(text, ["refund", "response speed"]) == [
        ("The ", None),
        ("refund took forever", "refund"),
        (" and ", None),
        ("nobody answered", "response speed"),
        (" my emails.", None),
    ]


def test_a_theme_the_answer_does_not_carry_is_not_marked():
    text = "The refund took forever and nobody answered my emails."
    assert theme_segments(text, ["refund"])[2] == (" and nobody answered my emails.", None)
    assert theme_segments(text, []) == [(text, None)]


@pytest.mark.parametrize(
    "text",
    [
        "Charged twice, terrible billing.",
        "Great, excellent support! Very quick reply.",
        "ok 👍\ufe0f refund took forever",  # normalising drops the variation selector: nothing marked
        "<b>refund</b> took forever",
        "",
    ],
)
def test_the_pieces_join_back_into_the_comment(text):
    pieces = theme_segments(text, ["refund", "billing", "charged twice", "response speed", "helpfulness"])
    assert "".join(piece for piece, _ in pieces) == text
