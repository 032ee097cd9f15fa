"""What the analysis says of one comment: the value every caller of the package receives."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CommentAnalysis:
    polarity: float | None  # -1..1; None when empty or not English
    subjectivity: float | None  # 0..1; None when empty or not English
    label: str  # negative | neutral | positive | unsupported_language | empty
    language: str  # ISO 639-1 guess, e.g. "en"
    drivers: list[str] = field(default_factory=list)  # phrases that drove the polarity
    # Theme keys, most salient first (the primary theme first): workspace themes, then the
    # default catalogue's and discovered ones by how strongly the comment speaks of them.
    themes: list[str] = field(default_factory=list)
    # Each theme's polarity (-1..1), from the clauses that mention it ("quick response but nothing
    # was fixed": response speed positive, resolution negative).
    theme_sentiment: dict[str, float] = field(default_factory=dict)
