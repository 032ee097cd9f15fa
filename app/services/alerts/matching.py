"""Whether an answer matches a rule's conditions: every condition given must hold."""

from __future__ import annotations

from dataclasses import dataclass

from app.scoring.kinds import band

# The answer groups a rule may name, by the follow-up band the score falls in: NPS detractors,
# passives and promoters; on CSAT and CES scales the low, middle and high answers.
GROUPS = {"detractor": "low", "passive": "default", "promoter": "high"}
# Conditions that need the comment's analysis: such a rule waits for it (sweep.py).
NEEDS_ANALYSIS = frozenset({"sentiments", "themes", "mismatch"})


@dataclass(frozen=True)
class Answer:
    """What the conditions read of an answer (its final value, once the debounce is over)."""

    survey_id: int
    kind: str
    scale_min: int
    scale_max: int
    score: int
    sentiment: str | None
    themes: list[str]
    mismatch: bool
    agent: set[str]  # the agent's id, email and name, any of which a rule may name
    team: str | None
    channel: str | None
    segment: str | None


def _folded(values) -> set[str]:
    return {str(v).strip().casefold() for v in values or () if v}


def matches(conditions: dict, answer: Answer) -> bool:
    c = conditions
    if c.get("survey_ids") and answer.survey_id not in c["survey_ids"]:
        return False
    if c.get("score_at_most") is not None and answer.score > c["score_at_most"]:
        return False
    if c.get("score_at_least") is not None and answer.score < c["score_at_least"]:
        return False
    if c.get("groups"):
        group = band(answer.kind, answer.scale_min, answer.scale_max, answer.score)
        if group not in {GROUPS[g] for g in c["groups"]}:
            return False
    if c.get("sentiments") and answer.sentiment not in c["sentiments"]:
        return False
    if c.get("themes") and not _folded(c["themes"]) & _folded(answer.themes):
        return False
    if c.get("mismatch") is not None and c["mismatch"] != answer.mismatch:
        return False
    for name, value in (("agents", answer.agent), ("teams", {answer.team}), ("channels", {answer.channel})):
        if c.get(name) and not _folded(c[name]) & _folded(value):
            return False
    return not (c.get("segments") and not _folded(c["segments"]) & _folded({answer.segment}))


def needs_analysis(conditions: dict) -> bool:
    return any(conditions.get(name) not in (None, [], "") for name in NEEDS_ANALYSIS)
