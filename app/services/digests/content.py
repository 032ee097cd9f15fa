"""What a digest says for one reader: each survey's score with its change and whether the change
is more than chance, themes rising and falling, three verbatims, open and overdue cases."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Membership, Response, ResponseTheme, Survey
from app.models.case import CLOSED, Case
from app.scoring.kinds import good_threshold
from app.scoring.stats import Z95, nps_standard_error, two_proportion_z
from app.services.accounts.permissions import Action, can

VERBATIMS = 3
THEMES = 3


@dataclass(frozen=True)
class SurveyScore:
    name: str
    kind: str
    n: int
    value: float | None  # CSAT/CES: % good; NPS: -100..100
    previous: float | None
    change: float | None
    significant: bool  # the change is beyond the 95 % interval of chance
    bar_percent: int  # the bar's length, 0-100


@dataclass(frozen=True)
class ThemeMove:
    theme: str
    count: int
    previous: int


@dataclass(frozen=True)
class Verbatim:
    score: int
    scale_max: int
    comment: str


@dataclass
class Digest:
    workspace_name: str
    since: datetime
    until: datetime
    scores: list[SurveyScore] = field(default_factory=list)
    rising: list[ThemeMove] = field(default_factory=list)
    falling: list[ThemeMove] = field(default_factory=list)
    verbatims: list[Verbatim] = field(default_factory=list)
    open_cases: int | None = None  # None: the reader does not work follow-ups
    overdue_cases: int | None = None

    @property
    def empty(self) -> bool:
        return not any(s.n for s in self.scores) and not self.open_cases


def _distribution(survey_id: int, since: datetime, until: datetime) -> Counter:
    rows = db.session.execute(
        select(Response.score, func.count())
        .where(Response.survey_id == survey_id, Response.answered_at >= since, Response.answered_at < until)
        .group_by(Response.score)
    )
    return Counter(dict(rows.all()))


def _score(survey: Survey, now: Counter, before: Counter) -> SurveyScore:
    good_at = good_threshold(survey.kind, survey.scale_min, survey.scale_max)

    def parts(dist: Counter) -> tuple[int, int, int]:
        n = sum(dist.values())
        return n, sum(c for s, c in dist.items() if s >= good_at), sum(c for s, c in dist.items() if s <= 6)

    n, good, low = parts(now)
    n0, good0, low0 = parts(before)
    if survey.kind == "nps":
        value = 100 * (good - low) / n if n else None
        previous = 100 * (good0 - low0) / n0 if n0 else None
        significant = False
        if n and n0:
            se = math.hypot(nps_standard_error(good, low, n), nps_standard_error(good0, low0, n0))
            significant = se > 0 and abs((value - previous) / 100) / se > Z95
        bar = round((value + 100) / 2) if value is not None else 0
    else:
        value = 100 * good / n if n else None
        previous = 100 * good0 / n0 if n0 else None
        z = two_proportion_z(good, n, good0, n0)
        significant = z is not None and abs(z) > Z95
        bar = round(value) if value is not None else 0
    change = value - previous if value is not None and previous is not None else None
    return SurveyScore(
        survey.name,
        survey.kind,
        n,
        round(value, 1) if value is not None else None,
        round(previous, 1) if previous is not None else None,
        round(change, 1) if change is not None else None,
        significant,
        max(0, min(100, bar)),
    )


def _theme_counts(workspace_id: int, since: datetime, until: datetime) -> Counter:
    rows = db.session.execute(
        select(ResponseTheme.theme, func.count())
        .join(Response, Response.id == ResponseTheme.response_id)
        .where(Response.workspace_id == workspace_id, Response.answered_at >= since, Response.answered_at < until)
        .group_by(ResponseTheme.theme)
    )
    return Counter(dict(rows.all()))


def build_digest(membership: Membership, workspace_name: str, until: datetime, days: int) -> Digest:
    since, before = until - timedelta(days=days), until - timedelta(days=2 * days)
    digest = Digest(workspace_name, since, until)
    workspace_id = membership.workspace_id
    surveys = db.session.scalars(
        select(Survey).where(Survey.workspace_id == workspace_id, Survey.archived.is_(False)).order_by(Survey.id)
    )
    for survey in surveys:
        digest.scores.append(
            _score(survey, _distribution(survey.id, since, until), _distribution(survey.id, before, since))
        )
    now, then = _theme_counts(workspace_id, since, until), _theme_counts(workspace_id, before, since)
    moves = [ThemeMove(t, now.get(t, 0), then.get(t, 0)) for t in set(now) | set(then)]
    digest.rising = sorted((m for m in moves if m.count > m.previous), key=lambda m: (m.previous - m.count, m.theme))[
        :THEMES
    ]
    digest.falling = sorted((m for m in moves if m.count < m.previous), key=lambda m: (m.count - m.previous, m.theme))[
        :THEMES
    ]
    if can(membership, Action.READ_VERBATIMS):
        rows = db.session.execute(
            select(Response.score, Survey.scale_max, Response.comment)
            .join(Survey, Survey.id == Response.survey_id)
            .where(
                Response.workspace_id == workspace_id,
                Response.answered_at >= since,
                Response.answered_at < until,
                Response.comment.is_not(None),
            )
            .order_by(Response.score, Response.answered_at.desc())
            .limit(VERBATIMS)
        )
        digest.verbatims = [Verbatim(score, top, comment) for score, top, comment in rows]
    if can(membership, Action.WORK_FOLLOW_UPS):
        open_cases = select(func.count()).where(
            Case.workspace_id == workspace_id, Case.status.not_in([str(s) for s in CLOSED])
        )
        digest.open_cases = db.session.scalar(open_cases)
        digest.overdue_cases = db.session.scalar(open_cases.where(Case.due_at < until))
    return digest
