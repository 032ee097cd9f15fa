"""Tone-score mismatch: a comment whose tone contradicts the score it came with.

A promoter whose comment is clearly angry, or a bottom score with clear praise, usually means
the customer misread the scale or the score hides a problem; either way a CX lead wants to
read it. A bottom score with only thanks or politeness ("Thanks for trying" with a 1) and a
top score whose comment is mainly a complaint ("9 - but it took three chats") both count; a 9
with "fine, a bit slow" is not a contradiction.

The thresholds were set on tests/analysis/data/mismatch_sample.csv (108 hand-labelled
comment, score and kind rows; run benchmarks/sentiment/mismatch.py): the old ones (-0.3 and
+0.4) flagged nothing wrongly but missed a quarter of the contradictions, chiefly a plain
"thanks" (+0.3) under a bottom score. Neither threshold reaches into the neutral band, so a
comment the analyzer calls neutral is never flagged.
"""

from __future__ import annotations

from functools import lru_cache

from app.analysis.result import CommentAnalysis

CLEARLY_NEGATIVE = -0.2
CLEARLY_POSITIVE = 0.25
# Share of the scale's points that count as its top or bottom box (docs/kpis.md: CSAT top box is
# the upper 40 % of points; CES "easy" is 5-7 of 7 and 4-5 of 5, the same share).
_BOX_SHARE = 0.4
_MAX_QUOTED = 3


@lru_cache(maxsize=64)  # a handful of scales, asked once per scored answer
def _box_size(scale_min: int, scale_max: int) -> int:
    return max(1, round((scale_max - scale_min + 1) * _BOX_SHARE))


def _is_top(kind: str, score: int, scale_min: int, scale_max: int) -> bool:
    if kind == "nps":
        return score >= scale_max - 1  # promoters: 9-10 of 10
    return score > scale_max - _box_size(scale_min, scale_max)


def _is_bottom(kind: str, score: int, scale_min: int, scale_max: int) -> bool:
    return score < scale_min + _box_size(scale_min, scale_max)


def _quoted(drivers: list[str]) -> str:
    return ", ".join(f"'{d}'" for d in drivers[:_MAX_QUOTED])


def detect_mismatch(kind: str, score: int, scale_min: int, scale_max: int, analysis: CommentAnalysis) -> str | None:
    """Reason text when the comment's tone contradicts the score, else None.

    kind is "csat", "nps" or "ces"; for all three a higher score is the better answer.
    """
    polarity = analysis.polarity
    if polarity is None or scale_max <= scale_min:
        return None
    if polarity <= CLEARLY_NEGATIVE and _is_top(kind, score, scale_min, scale_max):
        tone = "negative"
    elif polarity >= CLEARLY_POSITIVE and _is_bottom(kind, score, scale_min, scale_max):
        tone = "positive"
    else:
        return None
    detail = f"polarity {polarity:+.2f}"
    if analysis.drivers:
        detail += ": " + _quoted(analysis.drivers)
    return f"score {score} of {scale_max} but the comment is {tone} ({detail})"
