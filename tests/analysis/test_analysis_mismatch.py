"""Tone-score mismatch flags a clear contradiction, with the reason."""

import pytest

from app.analysis import analyze_comment, detect_mismatch

ANGRY = analyze_comment("Still waiting, useless support 😡")
PRAISE = analyze_comment("Brilliant, very helpful agent, thank you!")
MILD = analyze_comment("fine, a bit slow")


def test_promoter_with_an_angry_comment_is_flagged_with_its_reason():
    reason = detect_mismatch("nps", 10, 0, 10, ANGRY)
    assert reason is not None
    assert reason.startswith("score 10 of 10 but the comment is negative (polarity -")
    assert "'Still waiting'" in reason and "'useless'" in reason


def test_bottom_score_with_clear_praise_is_flagged():
    reason = detect_mismatch("csat", 1, 1, 5, PRAISE)
    assert reason is not None and "score 1 of 5 but the comment is positive" in reason


@pytest.mark.parametrize(
    "kind, score, low, high, flagged",
    [
        ("nps", 9, 0, 10, True),
        ("nps", 8, 0, 10, False),  # passives are not top box
        ("csat", 5, 1, 5, True),
        ("csat", 4, 1, 5, True),  # CSAT top box is 4-5 (docs/kpis.md)
        ("csat", 3, 1, 5, False),
        ("ces", 5, 1, 7, True),  # CES "easy" is 5-7
        ("ces", 4, 1, 7, False),
    ],
)
def test_top_box_per_survey_kind(kind, score, low, high, flagged):
    assert (detect_mismatch(kind, score, low, high, ANGRY) is not None) is flagged


def test_agreeing_or_mild_comments_are_not_flagged():
    assert detect_mismatch("nps", 10, 0, 10, PRAISE) is None
    assert detect_mismatch("nps", 0, 0, 10, ANGRY) is None
    assert detect_mismatch("nps", 10, 0, 10, MILD) is None
    assert detect_mismatch("csat", 1, 1, 5, MILD) is None


def test_unscored_comments_are_never_flagged():
    assert detect_mismatch("nps", 10, 0, 10, analyze_comment("Pésimo servicio, nadie responde")) is None
    assert detect_mismatch("nps", 10, 0, 10, analyze_comment("")) is None
