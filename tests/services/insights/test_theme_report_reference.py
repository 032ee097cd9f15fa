"""/themes counts each theme's mentions by score and side in SQL, and picks its example answers
with windows over the answers' theme rows; on PostgreSQL those rows are looked up answer by answer
(a LATERAL subquery), on SQLite by a plain join. This checks every figure and example against a
plain Python reference over random answers, on SQLite and, when it runs, PostgreSQL: answers in
and out of the range and of the survey, untagged and uncommented answers, mentions on each side
and without polarity, ties in score and time broken by the newest answer."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.analysis import default_theme_keys
from app.extensions import db
from app.models import Response, ResponseTheme
from app.scoring.periods import period_start
from app.scoring.scores import score_summary
from app.services.insights.themes import COMPLAINT_AT, EXAMPLES, PRAISE_AT, theme_report, theme_report_with_weeks
from tests.services.insights.test_drivers_reference import any_db  # noqa: F401 (the fixture)
from tests.support.factories import Factory

T0 = datetime(2026, 6, 7, 20, tzinfo=UTC)  # a Sunday evening: the range spans two local weeks
SINCE, UNTIL = T0, T0 + timedelta(days=3)


def _answers(rng: random.Random, f: Factory, ws, survey, other) -> list[dict]:
    keys = sorted(default_theme_keys())[:6]
    made = []
    for _ in range(300):
        target = survey if rng.random() < 0.9 else other
        # Few distinct instants, some outside the range: ties in score and time are common.
        at = T0 + timedelta(hours=rng.choice([-5, 0, 1, 1, 30, 71, 72, 80]))
        score = rng.randint(1, 5)
        comment = rng.choice([None, "", "about things", "more things"])
        polarity = rng.choice([None, -0.6, 0.0, 0.4])
        invite = f.invite(target)
        response = Response(
            workspace_id=ws.id,
            survey_id=target.id,
            invite_id=invite.id,
            score=score,
            comment=comment,
            polarity=polarity,
            answered_at=at,
            updated_at=at,
            themes=[],
        )
        db.session.add(response)
        db.session.flush()
        themes = {}
        if comment:
            for key in rng.sample(keys, rng.choice([0, 1, 1, 2])):
                themes[key] = rng.choice([None, -0.5, -0.1, 0.0, 0.05, 0.1, 0.7])
                db.session.add(ResponseTheme(response_id=response.id, theme=key, polarity=themes[key]))
        made.append(
            {
                "id": response.id,
                "survey": target.id,
                "score": score,
                "at": at,
                "comment": comment,
                "polarity": polarity,
                "themes": themes,
            }
        )
    db.session.commit()
    return made


def _reference(answers: list[dict], survey) -> dict:
    low, high = survey.scale_min, survey.scale_max
    rows = [a for a in answers if a["survey"] == survey.id and SINCE <= a["at"] < UNTIL]
    overall_dist = Counter(a["score"] for a in rows)
    overall = score_summary("csat", low, high, dict(overall_dist))["value"]

    def impact(dist: Counter):
        rest = score_summary("csat", low, high, {s: c - dist.get(s, 0) for s, c in overall_dist.items()})["value"]
        return None if overall is None or rest is None else round(overall - rest, 2)

    def side(polarity):
        if polarity is None:
            return "neutral"
        return "praise" if polarity >= PRAISE_AT else "complaint" if polarity <= COMPLAINT_AT else "neutral"

    mentions = defaultdict(list)  # theme -> [(answer, side)]
    for a in rows:
        for key, polarity in a["themes"].items():
            mentions[key].append((a, side(polarity)))
    out = {}
    for key, found in mentions.items():
        if len(found) < 2:
            continue  # compared from two mentions up (default themes show from one, discovered from two)
        dist = Counter(a["score"] for a, _ in found)
        item_impact = impact(dist)
        towards = 1 if (item_impact or 0) < 0 else -1
        newest = lambda a: (-a["at"].timestamp(), -a["id"])
        ranked = sorted(found, key=lambda m: (towards * m[0]["score"], *newest(m[0])))
        item = {"mentions": len(found), "impact": item_impact, "examples": [a["id"] for a, _ in ranked[:EXAMPLES]]}
        for field, which, sign in (("praise", "praise", -1), ("complaints", "complaint", 1)):
            sided = [a for a, s in found if s == which]
            side_dist = Counter(a["score"] for a in sided)
            item[field] = (
                len(sided),
                impact(side_dist) if sided else None,
                [a["id"] for a in sorted(sided, key=lambda a: (sign * a["score"], *newest(a)))[:EXAMPLES]],
            )
        out[key] = item
    return {"answers": len(rows), "comments": sum(1 for a in rows if a["comment"]), "items": out}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_theme_report_equals_an_answer_by_answer_reference(any_db, seed):  # noqa: F811
    rng = random.Random(seed)
    f = Factory()
    ws = f.workspace()
    survey, other = f.survey(ws, "csat"), f.survey(ws, "csat")
    answers = _answers(rng, f, ws, survey, other)
    want = _reference(answers, survey)
    got = theme_report(ws.id, {"survey_id": survey.id, "since": SINCE, "until": UNTIL})
    assert (got["answers"], got["comments"]) == (want["answers"], want["comments"])
    seen = {
        item["theme"]: {
            "mentions": item["mentions"],
            "impact": item["impact"],
            "examples": item["example_response_ids"],
            **{
                field: (item[field]["mentions"], item[field]["impact"], item[field]["example_response_ids"])
                for field in ("praise", "complaints")
            },
        }
        for item in got["items"]
        if item["mentions"] >= 2
    }
    assert seen == want["items"]
    assert len(seen) >= 4  # the draw reaches several themes, each with examples on both sides


def test_the_weekly_mentions_come_from_the_same_read_and_equal_a_reference(any_db):  # noqa: F811
    f = Factory()
    ws = f.workspace()
    survey, other = f.survey(ws, "csat"), f.survey(ws, "csat")
    answers = _answers(random.Random(3), f, ws, survey, other)
    zone = ZoneInfo("America/St_Johns")  # a half-hour zone: local days are not whole UTC hours
    want: dict[str, Counter] = defaultdict(Counter)
    for a in answers:
        if a["survey"] == survey.id and SINCE <= a["at"] < UNTIL:
            for key in a["themes"]:
                want[key][period_start(a["at"].astimezone(zone).date(), "week")] += 1
    filters = {"survey_id": survey.id, "since": SINCE, "until": UNTIL}
    report, weekly = theme_report_with_weeks(ws.id, filters, 50, zone.key)
    assert report == theme_report(ws.id, filters)
    assert {theme: dict(weeks) for theme, weeks in weekly.items()} == {k: dict(v) for k, v in want.items()}
    assert any(len(weeks) == 2 for weeks in want.values())
