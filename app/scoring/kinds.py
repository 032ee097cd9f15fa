"""The three survey kinds: default wording, allowed scales, and which answers count as good."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    question: str
    default_scale: tuple[int, int]
    scales: tuple[tuple[int, int], ...]
    follow_up: dict[str, str]


KINDS: dict[str, Kind] = {
    "csat": Kind(
        "csat",
        "How satisfied were you with the support you received?",
        (1, 5),
        ((1, 5), (1, 3), (1, 10)),
        {
            "default": "What is the main reason for your rating?",
            "low": "We're sorry. What went wrong?",
            "high": "Great to hear! What did we do well?",
        },
    ),
    "nps": Kind(
        "nps",
        "How likely are you to recommend us to a friend or colleague?",
        (0, 10),
        ((0, 10),),
        {
            "default": "What is the main reason for your score?",
            "low": "What could we do better?",
            "high": "What do you like most about us?",
        },
    ),
    "ces": Kind(
        "ces",
        "The company made it easy for me to handle my issue.",
        (1, 7),
        ((1, 7), (1, 5)),
        {
            "default": "What made it easy or hard?",
            "low": "What made it hard?",
            "high": "What made it easy?",
        },
    ),
}


def good_threshold(kind: str, scale_min: int, scale_max: int) -> int:
    """The lowest score that counts as good: CSAT top box, NPS promoter, CES "easy"."""
    if kind == "nps":
        return 9
    if kind == "ces":
        return 5 if scale_max == 7 else 4
    points = scale_max - scale_min + 1
    # docs/kpis.md: top box is the upper 40 % of points (1-5 -> 4-5, 1-10 -> 7-10, 1-3 -> 3).
    return scale_max - max(1, round(0.4 * points)) + 1


def bad_threshold(kind: str, scale_min: int, scale_max: int) -> int:
    """The highest score that counts as bad: NPS detractor, the low end elsewhere."""
    if kind == "nps":
        return 6
    points = scale_max - scale_min + 1
    return scale_min + max(1, round(0.4 * points)) - 1 if kind == "csat" else scale_min + (points // 2) - 1


def band(kind: str, scale_min: int, scale_max: int, score: int) -> str:
    """'low', 'high' or 'default': which follow-up wording a score gets."""
    if score >= good_threshold(kind, scale_min, scale_max):
        return "high"
    if score <= bad_threshold(kind, scale_min, scale_max):
        return "low"
    return "default"


def band_limits(kind: str, scale_min: int, scale_max: int) -> dict[str, int]:
    """The band edges for pages and the widget, so the browser never re-derives the rules."""
    return {
        "low_max": bad_threshold(kind, scale_min, scale_max),
        "high_min": good_threshold(kind, scale_min, scale_max),
    }
