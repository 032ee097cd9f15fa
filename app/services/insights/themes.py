"""GET /themes: what answers talk about, how much each theme moves the survey's score, and each
theme split into praise and complaints (by the polarity of the clauses that mention it)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    BigInteger,
    ColumnCollection,
    ColumnElement,
    Date,
    Float,
    FromClause,
    Integer,
    Numeric,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)

from app.analysis import default_theme_keys
from app.errors import APIError
from app.extensions import db
from app.models import Response, ResponseTheme, Survey, Theme
from app.models.theme import ThemeSource
from app.scoring.periods import period_start
from app.scoring.scores import score_summary
from app.services.answers.listing import matching_answers
from app.services.insights import theme_rollups
from app.services.insights.cells import Scope, local_day, without_jit

EXAMPLES = 3
# A theme discovered in one answer only is a phrase, not yet a theme: the report shows it once it recurs.
MIN_DISCOVERED_MENTIONS = 2
# A mention's side, from its polarity (the same cut as the comment labels).
PRAISE_AT, COMPLAINT_AT = 0.1, -0.1
PRAISE, COMPLAINT, NEUTRAL = "praise", "complaint", "neutral"


def theme_report(workspace_id: int, filters: dict, limit: int = 50, examples: bool = True) -> dict:
    """Per theme: mentions, share, the survey's score among its answers, and its impact on the score.

    A score only means something within one kind and scale, so the report is per survey
    (`filters["survey_id"]` is required). impact = overall score − the score of the answers
    that do not mention the theme: a theme whose answers drag the score down has a negative
    impact; had its answers scored like the rest, the overall score would move by −impact.
    Themes come most negative impact first. `examples=False` leaves the example answer ids empty
    (no ranking of the theme rows, for a summary that shows no comment).
    """
    return _report(workspace_id, filters, limit, examples)[0]


def theme_report_with_weeks(
    workspace_id: int, filters: dict, limit: int, zone_name: str
) -> tuple[dict, dict[str, dict[date, int]]]:
    """The theme report, and per theme its mentions per week (Monday of the local week in
    `zone_name`) for the themes' sparklines, from the same read of the theme rows. The filters
    need `since` and `until`."""
    scope = Scope(workspace_id, zone_name)

    def day(at):
        return local_day(at, scope, filters["since"], filters["until"])

    report, by_day = _report(workspace_id, filters, limit, True, day, zone_name)
    weekly: dict[str, dict[date, int]] = defaultdict(Counter)
    for theme, days in by_day.items():
        for on, count in days.items():
            weekly[theme][period_start(on, "week")] += count
    return report, weekly


def _report(
    workspace_id: int,
    filters: dict,
    limit: int,
    examples: bool,
    day: Callable | None = None,
    zone_name: str | None = None,
) -> tuple[dict, dict]:
    survey = _survey(workspace_id, filters["survey_id"])
    without_jit()
    # On PostgreSQL, whole days from the rollups and the partial days at the edges from the rows.
    plan = theme_rollups.rollup_plan(workspace_id, filters, zone_name if day is not None else None)
    if plan is None:
        overall_dist, comments, found = _raw_read(workspace_id, filters, examples, day)
    else:
        rolled = theme_rollups.rolled_up(workspace_id, filters, plan, day is not None)
        overall_dist, comments = rolled.overall, rolled.comments
        found = Found(counts=rolled.counts, by_day=rolled.by_day)
        for start, end in plan.edges:
            edge = {**filters, "since": start, "until": end}
            edge_dist, edge_comments, edge_found = _raw_read(workspace_id, edge, False, day)
            overall_dist.update(edge_dist)
            comments += edge_comments
            found.counts.extend(edge_found.counts)
            for theme, days in edge_found.by_day.items():
                found.by_day[theme].update(days)
    dists: dict[str, Counter] = defaultdict(Counter)
    side_dists: dict[tuple[str, str], Counter] = defaultdict(Counter)
    # Polarity sums are exact on PostgreSQL (Decimal: see EXACT), so added up here in any order.
    polarity: dict[str, list] = defaultdict(lambda: [0, 0])
    side_polarity: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0])
    for theme, which, score, count, polarity_sum, polarity_n, theme_sum, theme_n in found.counts:
        dists[theme][score] += count
        side_dists[theme, which][score] += count
        polarity[theme][0] += polarity_sum or 0
        polarity[theme][1] += polarity_n
        side_polarity[theme, which][0] += theme_sum or 0
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
            "mean_polarity": round(float(polarity_sum / polarity_n), 3) if polarity_n else None,
            "impact": impact,
        }
        for field_name, which in (("praise", PRAISE), ("complaints", COMPLAINT)):
            side_dist = side_dists.get((theme, which), Counter())
            n = sum(side_dist.values())
            side_summary, side_impact = effect(side_dist)
            theme_sum, theme_n = side_polarity[theme, which]
            item[field_name] = {
                "mentions": n,
                "mean_score": round(sum(s * c for s, c in side_dist.items()) / n, 3) if n else None,
                "score": side_summary,
                "mean_polarity": round(float(theme_sum / theme_n), 3) if theme_n else None,
                "impact": side_impact if n else None,
                "example_response_ids": [],
            }
        item["neutral_mentions"] = sum(side_dists.get((theme, NEUTRAL), Counter()).values())
        items.append(item)
    # Most negative impact first; themes without one (every answer mentions them) last.
    items.sort(key=lambda i: (i["impact"] is None, i["impact"] or 0.0, -i["mentions"], i["theme"]))
    items = items[:limit]
    if plan is not None and examples:
        shown = {item["theme"] for item in items}
        cells = {(theme, side, score) for theme, side, score, count, *_ in found.counts if theme in shown and count}
        found.ranked = theme_rollups.ranked_examples(workspace_id, filters, cells)
    _add_examples(found, items)
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
    report = {
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
    return report, found.by_day


def _raw_read(workspace_id: int, filters: dict, examples: bool, day: Callable | None) -> tuple[Counter, int, Found]:
    """Answers by score, how many have a comment, and the read of their theme rows, from the rows."""
    # Every answer matching the /responses filters (tenant and survey included), as a subquery.
    base = (
        matching_answers(workspace_id, filters)
        .with_only_columns(Response.id, Response.score, Response.polarity, Response.comment, Response.answered_at)
        .subquery()
    )
    commented = and_(base.c.comment.is_not(None), base.c.comment != "")
    overall_dist, comments = Counter(), 0
    for score, count, with_comment in db.session.execute(
        select(base.c.score, func.count(), func.count(case((commented, 1)))).group_by(base.c.score)
    ):
        overall_dist[score] = count
        comments += with_comment
    return overall_dist, comments, _mentions_read(base, examples, day)


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


def _side(theme_polarity) -> ColumnElement:
    """A mention's side, from the polarity of the clauses that mention the theme."""
    return case(
        (theme_polarity >= PRAISE_AT, PRAISE),
        (theme_polarity <= COMPLAINT_AT, COMPLAINT),
        else_=NEUTRAL,
    )


@dataclass(frozen=True)
class Mentions:
    """The theme rows of a set of answers: `source` joins them to the answers, `c` names their
    `theme` and `theme_polarity` columns."""

    source: FromClause
    c: ColumnCollection


def _mentions(base) -> Mentions:
    """The theme rows (response_themes) of the answers in the subquery `base`, joined to them.

    On PostgreSQL each answer's rows are looked up by its id through the (response_id, theme)
    index, in a LATERAL subquery that OFFSET 0 keeps from being flattened into a plain join:
    as a plain join the planner hashed every theme row of the workspace's history to match a
    month's answers (~800 k rows read for ~17 k at 1 M answers: benchmarks/dashboard_pages.py).
    SQLite has no LATERAL; its plain join already goes answer by answer through the index.
    """
    if db.engine.dialect.name == "postgresql":
        rows = (
            select(ResponseTheme.theme.label("theme"), ResponseTheme.polarity.label("theme_polarity"))
            .where(ResponseTheme.response_id == base.c.id)
            .offset(0)
            .lateral("mentions")
        )
        return Mentions(base.join(rows, true()), rows.c)
    rows = select(
        ResponseTheme.response_id, ResponseTheme.theme, ResponseTheme.polarity.label("theme_polarity")
    ).subquery("mentions")
    return Mentions(base.join(rows, rows.c.response_id == base.c.id), rows.c)


@dataclass
class Found:
    """What one read of the answers' theme rows gives: counts by (theme, side, score), the
    candidates for examples ranked three ways within their theme, and mentions per local day."""

    # (theme, side, score, mentions, answers' polarity sum and count, theme polarity sum and count)
    counts: list = field(default_factory=list)
    # (theme, side, response id, rank by lowest score, by highest score, within its side)
    ranked: list = field(default_factory=list)
    # theme -> local day -> mentions
    by_day: dict = field(default_factory=lambda: defaultdict(Counter))


# Polarity sums, exact on PostgreSQL (numeric, read as Decimal): theme_rollups holds them so, and a
# mean on a rounding tie must round the same way whichever order, partial days or source the
# sums come from (doubles added in another order differ in the last bit). SQLite keeps doubles.
EXACT = Numeric().with_variant(Float(), "sqlite")

# The columns of the one statement _mentions_read sends, with their types: each part fills its
# own, a typed NULL elsewhere (PostgreSQL types a UNION's untyped NULLs as text, two parts at a time).
_PART_COLUMNS = {
    "theme": String,
    "side": String,
    "score": Integer,
    "n": BigInteger,
    "polarity_sum": EXACT,
    "polarity_n": BigInteger,
    "theme_sum": EXACT,
    "theme_n": BigInteger,
    "id": Integer,
    "lowest": BigInteger,
    "highest": BigInteger,
    "in_side": BigInteger,
    "day": Date,
}
COUNTS, RANKED, BY_DAY = 0, 1, 2


def _part(number: int, **columns) -> Select:
    return select(
        literal(number).label("part"),
        *(columns.get(name, cast(null(), kind)).label(name) for name, kind in _PART_COLUMNS.items()),
    )


def _mentions_read(base, examples: bool, day: Callable | None = None) -> Found:
    """Counts of the theme rows of the answers in `base`; with `examples` the answers each theme's
    examples come from; with `day` (a function of the answer's time giving its local day, in SQL)
    each theme's mentions per day. All in one statement: the theme rows are joined to the answers
    once (a CTE read by each part, which PostgreSQL materialises), where a statement per part
    joined them again each time (~0.2 s each at 1 M answers, benchmarks/dashboard_pages.py).

    Each theme's examples are its lowest scores when its impact is negative, else its highest; the
    impact is known only once the counts are, so both rankings are read and the report picks.
    Within a side: the lowest scores among complaints, the highest among praise (and neutral
    mentions, which are never shown by side). Newest first among equal scores.
    """
    mentions = _mentions(base)
    theme_polarity = mentions.c.theme_polarity
    rows = (
        select(
            mentions.c.theme.label("theme"),
            _side(theme_polarity).label("side"),
            base.c.id,
            base.c.score,
            base.c.polarity,
            theme_polarity.label("theme_polarity"),
            base.c.answered_at,
        )
        .select_from(mentions.source)
        .cte("mentioned")
    )
    m = rows.c
    parts = [
        _part(
            COUNTS,
            theme=m.theme,
            side=m.side,
            score=m.score,
            n=func.count(),
            # Summed exactly (numeric), as theme_rollups holds them: a mean on a rounding tie
            # rounds the same way whichever order the rows come in, and whichever source.
            polarity_sum=func.sum(cast(m.polarity, EXACT)),
            polarity_n=func.count(m.polarity),
            theme_sum=func.sum(cast(m.theme_polarity, EXACT)),
            theme_n=func.count(m.theme_polarity),
        ).group_by(m.theme, m.side, m.score)
    ]
    if examples:
        newest = (m.answered_at.desc(), m.id.desc())
        towards_side = case((m.theme_polarity <= COMPLAINT_AT, m.score), else_=-m.score)
        ranked = select(
            m.theme,
            m.side,
            m.id,
            func.row_number().over(partition_by=m.theme, order_by=(m.score, *newest)).label("lowest"),
            func.row_number().over(partition_by=m.theme, order_by=(-m.score, *newest)).label("highest"),
            # A mention without polarity is neutral: it ranks among the neutral ones, never shown by side.
            func.row_number().over(partition_by=(m.theme, m.side), order_by=(towards_side, *newest)).label("in_side"),
        ).subquery()
        r = ranked.c
        parts.append(
            _part(
                RANKED, theme=r.theme, side=r.side, id=r.id, lowest=r.lowest, highest=r.highest, in_side=r.in_side
            ).where(or_(r.lowest <= EXAMPLES, r.highest <= EXAMPLES, and_(r.in_side <= EXAMPLES, r.side != NEUTRAL)))
        )
    if day is not None:
        on = day(m.answered_at)
        parts.append(_part(BY_DAY, theme=m.theme, n=func.count(), day=on).group_by(m.theme, on))
    found = Found()
    for row in db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
        if row.part == COUNTS:
            found.counts.append(
                (row.theme, row.side, row.score, row.n, row.polarity_sum, row.polarity_n, row.theme_sum, row.theme_n)
            )
        elif row.part == RANKED:
            found.ranked.append((row.theme, row.side, row.id, row.lowest, row.highest, row.in_side))
        else:
            on = row.day if isinstance(row.day, date) else date.fromisoformat(row.day)
            found.by_day[row.theme][on] += row.n
    return found


def _add_examples(found: Found, items: list[dict]) -> None:
    """Up to three answers per theme that show its effect: lowest scores for a theme that drags
    the score down, highest otherwise; and up to three per theme and side: the lowest scores among
    its complaints, the highest among its praise."""
    shown = {item["theme"] for item in items}
    negative = {item["theme"] for item in items if (item["impact"] or 0) < 0}
    examples: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_side: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for theme, side, response_id, lowest, highest, in_side in found.ranked:
        if theme not in shown:
            continue
        rank = lowest if theme in negative else highest
        if rank <= EXAMPLES:
            examples[theme].append((rank, response_id))
        if in_side <= EXAMPLES and side != NEUTRAL:
            by_side[theme, side].append((in_side, response_id))
    for item in items:
        item["example_response_ids"] = [rid for _, rid in sorted(examples[item["theme"]])]
        for field_name, side in (("praise", PRAISE), ("complaints", COMPLAINT)):
            item[field_name]["example_response_ids"] = [rid for _, rid in sorted(by_side[item["theme"], side])]
