"""GET /themes: what answers talk about, how much each theme moves the survey's score, and each
theme split into praise and complaints (by the polarity of the clauses that mention it)."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import and_, case, func, or_, select

from app.analysis import default_theme_keys
from app.errors import APIError
from app.extensions import db
from app.models import Response, ResponseTheme, Survey, Theme
from app.models.theme import ThemeSource
from app.scoring.scores import score_summary
from app.services.answers.listing import filtered_responses

EXAMPLES = 3
# A theme discovered in one answer only is a phrase, not yet a theme: the report shows it once it recurs.
MIN_DISCOVERED_MENTIONS = 2
# A mention's side, from its polarity (the same cut as the comment labels).
PRAISE_AT, COMPLAINT_AT = 0.1, -0.1
PRAISE, COMPLAINT, NEUTRAL = "praise", "complaint", "neutral"


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
    # One pass over the answers for their distribution and how many carry a comment.
    has_comment = and_(base.c.comment.is_not(None), base.c.comment != "")
    overall_dist, comments = {}, 0
    for score, count, commented in db.session.execute(
        select(base.c.score, func.count(), func.count().filter(has_comment)).group_by(base.c.score)
    ):
        overall_dist[score] = count
        comments += commented
    side = case(
        (ResponseTheme.polarity >= PRAISE_AT, PRAISE),
        (ResponseTheme.polarity <= COMPLAINT_AT, COMPLAINT),
        else_=NEUTRAL,
    )
    tagged = (
        select(
            ResponseTheme.theme,
            side,
            base.c.score,
            func.count(),
            func.sum(base.c.polarity),
            func.count(base.c.polarity),
            func.sum(ResponseTheme.polarity),
            func.count(ResponseTheme.polarity),
        )
        .join(base, base.c.id == ResponseTheme.response_id)
        .group_by(ResponseTheme.theme, side, base.c.score)
    )
    dists: dict[str, Counter] = defaultdict(Counter)
    side_dists: dict[tuple[str, str], Counter] = defaultdict(Counter)
    polarity: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    side_polarity: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    for theme, which, score, count, polarity_sum, polarity_n, theme_sum, theme_n in db.session.execute(tagged):
        dists[theme][score] += count
        side_dists[theme, which][score] += count
        polarity[theme][0] += polarity_sum or 0.0
        polarity[theme][1] += polarity_n
        side_polarity[theme, which][0] += theme_sum or 0.0
        side_polarity[theme, which][1] += theme_n

    kind, low, high = survey.kind, survey.scale_min, survey.scale_max
    overall = score_summary(kind, low, high, overall_dist)

    def effect(dist: Counter) -> tuple[dict, float | None]:
        summary = score_summary(kind, low, high, dict(dist))
        rest = score_summary(kind, low, high, {s: c - dist.get(s, 0) for s, c in overall_dist.items()})
        impact = None
        if overall["value"] is not None and rest["value"] is not None:
            impact = round(overall["value"] - rest["value"], 2)
        return summary, impact

    catalogue = _catalogue(workspace_id, list(dists))
    items = []
    for theme, dist in dists.items():
        mentions = sum(dist.values())
        label, source = catalogue.get(theme, (theme, ThemeSource.AUTO))
        if source == ThemeSource.AUTO and mentions < MIN_DISCOVERED_MENTIONS:
            continue
        summary, impact = effect(dist)
        polarity_sum, polarity_n = polarity[theme]
        item = {
            "theme": theme,
            "label": label,
            "source": source,
            "mentions": mentions,
            "share": round(100 * mentions / comments, 2) if comments else None,
            "mean_score": round(sum(s * c for s, c in dist.items()) / mentions, 3),
            "score": summary,
            "mean_polarity": round(polarity_sum / polarity_n, 3) if polarity_n else None,
            "impact": impact,
        }
        for field, which in (("praise", PRAISE), ("complaints", COMPLAINT)):
            side_dist = side_dists.get((theme, which), Counter())
            n = sum(side_dist.values())
            side_summary, side_impact = effect(side_dist)
            theme_sum, theme_n = side_polarity[theme, which]
            item[field] = {
                "mentions": n,
                "mean_score": round(sum(s * c for s, c in side_dist.items()) / n, 3) if n else None,
                "score": side_summary,
                "mean_polarity": round(theme_sum / theme_n, 3) if theme_n else None,
                "impact": side_impact if n else None,
                "example_response_ids": [],
            }
        item["neutral_mentions"] = sum(side_dists.get((theme, NEUTRAL), Counter()).values())
        items.append(item)
    # Most negative impact first; themes without one (every answer mentions them) last.
    items.sort(key=lambda i: (i["impact"] is None, i["impact"] or 0.0, -i["mentions"], i["theme"]))
    items = items[:limit]
    _add_examples(base, items)
    # Complaints ranked by what they cost the score: the answers complaining about a theme,
    # compared with every other answer.
    complained = [i for i in items if i["complaints"]["mentions"]]
    complained.sort(
        key=lambda i: (
            i["complaints"]["impact"] is None,
            i["complaints"]["impact"] or 0.0,
            -i["complaints"]["mentions"],
            i["theme"],
        )
    )
    return {
        "survey_id": survey.id,
        "kind": kind,
        "answers": overall["n"],
        "comments": comments,
        "overall": overall,
        "items": items,
        "complaints": [
            {
                "theme": i["theme"],
                "label": i["label"],
                "mentions": i["complaints"]["mentions"],
                "mean_score": i["complaints"]["mean_score"],
                "impact": i["complaints"]["impact"],
            }
            for i in complained
        ],
    }


def _survey(workspace_id: int, survey_id: int) -> Survey:
    # Archived surveys keep their history, so they are reportable too.
    survey = db.session.scalar(select(Survey).where(Survey.id == survey_id, Survey.workspace_id == workspace_id))
    if survey is None:
        raise APIError(404, "not_found", f"No survey {survey_id} in this workspace.", {"survey_id": ["Unknown."]})
    return survey


def _catalogue(workspace_id: int, keys: list[str]) -> dict[str, tuple[str, str]]:
    """key -> (label, source) of the themes answers carry; a default theme the workspace has no
    row for yet keeps its key as its label."""
    found = {key: (key, ThemeSource.DEFAULT) for key in default_theme_keys()}
    if keys:
        query = select(Theme.key, Theme.label, Theme.source).where(
            Theme.workspace_id == workspace_id, Theme.key.in_(keys)
        )
        found.update({key: (label, source) for key, label, source in db.session.execute(query)})
    return found


def _add_examples(base, items: list[dict]) -> None:
    """Up to three answers per theme that show its effect: lowest scores for a theme that drags
    the score down, highest otherwise; and up to three per theme and side: the lowest scores among
    its complaints, the highest among its praise; newest first among equals. Both rankings come
    from one pass over the themes' mentions (each pass joins and sorts every mention in range)."""
    keys = [item["theme"] for item in items]
    if not keys:
        return
    negative = [item["theme"] for item in items if (item["impact"] or 0) < 0]
    towards_effect = case((ResponseTheme.theme.in_(negative), base.c.score), else_=-base.c.score)
    rank = func.row_number().over(
        partition_by=ResponseTheme.theme, order_by=(towards_effect, base.c.answered_at.desc(), base.c.id.desc())
    )
    # A mention without polarity falls in the neutral side, which has no examples.
    which = case(
        (ResponseTheme.polarity >= PRAISE_AT, PRAISE),
        (ResponseTheme.polarity <= COMPLAINT_AT, COMPLAINT),
        else_=NEUTRAL,
    )
    towards_side = case((ResponseTheme.polarity <= COMPLAINT_AT, base.c.score), else_=-base.c.score)
    side_rank = func.row_number().over(
        partition_by=(ResponseTheme.theme, which),
        order_by=(towards_side, base.c.answered_at.desc(), base.c.id.desc()),
    )
    ranked = (
        select(ResponseTheme.theme, which.label("side"), base.c.id, rank.label("rank"), side_rank.label("side_rank"))
        .join(base, base.c.id == ResponseTheme.response_id)
        .where(ResponseTheme.theme.in_(keys))
        .subquery()
    )
    query = select(ranked.c.theme, ranked.c.side, ranked.c.id, ranked.c.rank, ranked.c.side_rank).where(
        or_(ranked.c.rank <= EXAMPLES, and_(ranked.c.side_rank <= EXAMPLES, ranked.c.side != NEUTRAL))
    )
    examples: dict[str, list[tuple[int, int]]] = defaultdict(list)
    side_examples: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for theme, side, response_id, theme_rank, rank_in_side in db.session.execute(query):
        if theme_rank <= EXAMPLES:
            examples[theme].append((theme_rank, response_id))
        if rank_in_side <= EXAMPLES and side != NEUTRAL:
            side_examples[theme, side].append((rank_in_side, response_id))
    for item in items:
        item["example_response_ids"] = [i for _, i in sorted(examples[item["theme"]])]
        for field, side in (("praise", PRAISE), ("complaints", COMPLAINT)):
            item[field]["example_response_ids"] = [i for _, i in sorted(side_examples[item["theme"], side])]
