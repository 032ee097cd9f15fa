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
    themes: list[str] = field(default_factory=list)  # workspace theme names, then auto keys
