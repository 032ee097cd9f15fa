"""GET /themes: what answers talk about, and how much each theme moves the survey's score."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import case, func, select

from app.errors import APIError
from app.extensions import db
from app.models import Response, ResponseTheme, Survey, Theme
from app.models.theme import ThemeSource
from app.scoring.scores import score_summary
from app.services.answers.listing import filtered_responses

EXAMPLES = 3


def theme_report(workspace_id: int, filters: dict, limit: int = 50) -> dict:
    """Per theme: mentions, share, the survey's score among its answers, and its impact on the score.

    A score only means something within one kind and scale, so the report is per survey
    (`filters["survey_id"]` is required). impact = overall score − the score of the answers
    that do not mention the theme: a theme whose answers drag the score down has a negative
    impact; had its answers scored like the rest, the overall score would move by −impact.
    Themes come most negative impact first.
    """
    survey = _survey(workspace_id, filters["survey_id"])
    # Every answer matching the /responses filters (tenant and survey included), as a subquery.
    base = (
        filtered_responses(workspace_id, filters)
        .order_by(None)
        .with_only_columns(Response.id, Response.score, Response.polarity, Response.comment, Response.answered_at)
        .subquery()
    )
    overall_dist = dict(db.session.execute(select(base.c.score, func.count()).group_by(base.c.score)).all())
    comments = db.session.scalar(
        select(func.count()).select_from(base).where(base.c.comment.is_not(None), base.c.comment != "")
    )
    tagged = (
        select(ResponseTheme.theme, base.c.score, func.count(), func.sum(base.c.polarity), func.count(base.c.polarity))
        .join(base, base.c.id == ResponseTheme.response_id)
        .group_by(ResponseTheme.theme, base.c.score)
    )
    dists: dict[str, Counter] = defaultdict(Counter)
    polarity: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for theme, score, count, polarity_sum, polarity_n in db.session.execute(tagged):
        dists[theme][score] += count
        polarity[theme][0] += polarity_sum or 0.0
        polarity[theme][1] += polarity_n

    kind, low, high = survey.kind, survey.scale_min, survey.scale_max
    overall = score_summary(kind, low, high, overall_dist)
    items = []
    for theme, dist in dists.items():
        mentions = sum(dist.values())
        summary = score_summary(kind, low, high, dict(dist))
        rest = score_summary(kind, low, high, {s: c - dist.get(s, 0) for s, c in overall_dist.items()})
        impact = None
        if overall["value"] is not None and rest["value"] is not None:
            impact = round(overall["value"] - rest["value"], 2)
        polarity_sum, polarity_n = polarity[theme]
        items.append(
            {
                "theme": theme,
                "mentions": mentions,
                "share": round(100 * mentions / comments, 2) if comments else None,
                "mean_score": round(sum(s * c for s, c in dist.items()) / mentions, 3),
                "score": summary,
                "mean_polarity": round(polarity_sum / polarity_n, 3) if polarity_n else None,
                "impact": impact,
            }
        )
    # Most negative impact first; themes without one (every answer mentions them) last.
    items.sort(key=lambda i: (i["impact"] is None, i["impact"] or 0.0, -i["mentions"], i["theme"]))
    items = items[:limit]
    _add_catalogue(workspace_id, items)
    _add_examples(base, items)
    return {
        "survey_id": survey.id,
        "kind": kind,
        "answers": overall["n"],
        "comments": comments,
        "overall": overall,
        "items": items,
    }


def _survey(workspace_id: int, survey_id: int) -> Survey:
    # Archived surveys keep their history, so they are reportable too.
    survey = db.session.scalar(select(Survey).where(Survey.id == survey_id, Survey.workspace_id == workspace_id))
    if survey is None:
        raise APIError(404, "not_found", f"No survey {survey_id} in this workspace.", {"survey_id": ["Unknown."]})
    return survey


def _add_catalogue(workspace_id: int, items: list[dict]) -> None:
    keys = [item["theme"] for item in items]
    query = select(Theme).where(Theme.workspace_id == workspace_id, Theme.key.in_(keys))
    themes = {theme.key: theme for theme in db.session.scalars(query)}
    for item in items:
        theme = themes.get(item["theme"])
        item["label"] = theme.label if theme else item["theme"]
        item["source"] = theme.source if theme else ThemeSource.AUTO


def _add_examples(base, items: list[dict]) -> None:
    """Up to three answers per theme that show its effect: lowest scores for a theme that drags
    the score down, highest otherwise; newest first among equals."""
    keys = [item["theme"] for item in items]
    if not keys:
        return
    negative = [item["theme"] for item in items if (item["impact"] or 0) < 0]
    towards_effect = case((ResponseTheme.theme.in_(negative), base.c.score), else_=-base.c.score)
    rank = func.row_number().over(
        partition_by=ResponseTheme.theme, order_by=(towards_effect, base.c.answered_at.desc(), base.c.id.desc())
    )
    ranked = (
        select(ResponseTheme.theme, base.c.id, rank.label("rank"))
        .join(base, base.c.id == ResponseTheme.response_id)
        .where(ResponseTheme.theme.in_(keys))
        .subquery()
    )
    examples: dict[str, list[int]] = defaultdict(list)
    query = select(ranked.c.theme, ranked.c.id).where(ranked.c.rank <= EXAMPLES).order_by(ranked.c.theme, ranked.c.rank)
    for theme, response_id in db.session.execute(query):
        examples[theme].append(response_id)
    for item in items:
        item["example_response_ids"] = examples[item["theme"]]
