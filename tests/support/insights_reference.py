"""A naive reference for the metrics: plain Python over plain rows, written without the app's code.

The property tests (SQLite) and the PostgreSQL integration test build random rows with
`insert_rows`, ask /metrics, and compare every figure with `reference`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import Invite, Response, Survey

UTC = UTC
Z = 1.959963984540054
ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
    "Asia/Beirut",
    "Pacific/Chatham",
]
# Six weeks around the March/April DST changes of both hemispheres.
BASE = datetime(2026, 3, 1, tzinfo=UTC)
SPAN_MINUTES = 42 * 24 * 60
SURVEYS = [("csat", 1, 5), ("nps", 0, 10), ("ces", 1, 7), ("csat", 1, 3)]
AGENTS = [(None, None, None), ("a1", None, "Ann"), (None, "bob@example.com", "Bob"), (None, None, "Cy"), ("", "", "")]
TEAMS = [None, "Billing", "Tech"]
CHANNELS = [None, "email", "chat"]
PRIORITIES = [None, "high", "low"]
SEGMENTS = [None, "smb", "enterprise"]
TAGS = ["refund", "bug", "vip"]


@dataclass
class Row:
    survey: int  # index into SURVEYS
    agent: int
    team: int
    channel: int
    priority: int
    segment: int
    tags: list[str]
    sent: int | None  # minutes after BASE; None = never delivered
    answered: int | None  # minutes after BASE; None = not answered
    score: int = 0  # fraction of the scale in 0..1000, mapped onto the survey's scale
    polarity: float | None = None

    def score_on(self, low: int, high: int) -> int:
        return low + (self.score * (high - low + 1)) // 1001


def at(minutes: int | None) -> datetime | None:
    return None if minutes is None else BASE + timedelta(minutes=minutes)


def create_surveys(workspace_id: int) -> list[Survey]:
    surveys = []
    for kind, low, high in SURVEYS:
        survey = Survey(
            workspace_id=workspace_id,
            name=f"{kind} {low}-{high}",
            kind=kind,
            question="?",
            scale_min=low,
            scale_max=high,
            follow_up={},
            exclude_tags=[],
        )
        db.session.add(survey)
        surveys.append(survey)
    db.session.commit()
    return surveys


def insert_rows(workspace_id: int, surveys: list[Survey], rows: list[Row]) -> list[tuple[Invite, Response | None]]:
    out = []
    for i, row in enumerate(rows):
        survey = surveys[row.survey]
        agent_id, agent_email, agent_name = AGENTS[row.agent]
        invite = Invite(
            workspace_id=workspace_id,
            survey_id=survey.id,
            token=f"tok-{workspace_id}-{i}-{id(row)}",
            status="sent",
            agent_id=agent_id,
            agent_email=agent_email,
            agent_name=agent_name,
            team=TEAMS[row.team],
            channel=CHANNELS[row.channel],
            priority=PRIORITIES[row.priority],
            customer_segment=SEGMENTS[row.segment],
            tags=list(row.tags),
            sent_at=at(row.sent),
            answered_at=at(row.answered),
            created_at=at(row.sent) or BASE,
            due_at=BASE,
        )
        db.session.add(invite)
        db.session.flush()
        response = None
        if row.answered is not None:
            response = Response(
                workspace_id=workspace_id,
                survey_id=survey.id,
                invite_id=invite.id,
                score=row.score_on(survey.scale_min, survey.scale_max),
                answered_at=at(row.answered),
                updated_at=at(row.answered),
                polarity=row.polarity,
                themes=[],
            )
            db.session.add(response)
        out.append((invite, response))
    db.session.commit()
    return out


# --- the reference ----------------------------------------------------------------------------


def agent_key(row: Row) -> str:
    agent_id, agent_email, agent_name = AGENTS[row.agent]
    return agent_id or agent_email or agent_name or ""


def dims(row: Row) -> dict[str, str]:
    return {
        "agent": agent_key(row),
        "team": TEAMS[row.team] or "",
        "channel": CHANNELS[row.channel] or "",
        "priority": PRIORITIES[row.priority] or "",
        "segment": SEGMENTS[row.segment] or "",
    }


def matches(row: Row, filters: dict, survey_ids: list[int], survey_id: int | None) -> bool:
    if survey_id is not None and survey_ids[row.survey] != survey_id:
        return False
    for name, value in filters.items():
        if name == "tag":
            if value not in row.tags:
                return False
        elif dims(row)[name] != value:
            return False
    return True


def group_keys(row: Row, group_by: str | None) -> list[str | None]:
    if group_by is None:
        return [None]
    if group_by == "tag":
        return list(dict.fromkeys(row.tags))
    return [dims(row)[group_by]]


def good_from(kind: str, low: int, high: int, thresholds: dict) -> int:
    if kind == "nps":
        return 9
    points = (thresholds.get(kind) or {}).get("good_points" if kind == "csat" else "easy_points")
    if points:
        return max(low + 1, min(high, high - points + 1))
    if kind == "ces":
        return 5 if high == 7 else 4
    n_points = high - low + 1
    return high - max(1, round(0.4 * n_points)) + 1


def wilson(k: int, n: int) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


@dataclass
class Acc:
    scores: list = field(default_factory=list)  # (kind, low, high, score)
    polarities: list = field(default_factory=list)
    delivered: int = 0
    answered: int = 0


def kind_value(kind: str, items: list, thresholds: dict) -> dict:
    n = len(items)
    good = sum(1 for k, lo, hi, s in items if s >= good_from(k, lo, hi, thresholds))
    out = {"n": n, "low_sample": n < 30}
    if kind == "nps":
        bad = sum(1 for *_, s in items if s <= 6)
        out["value"] = 100 * (good - bad) / n if n else None
        if n:
            pp, pm = good / n, bad / n
            se = 100 * math.sqrt(max(0.0, pp + pm - (pp - pm) ** 2) / n)
            out["ci_low"], out["ci_high"] = max(-100, out["value"] - Z * se), min(100, out["value"] + Z * se)
    else:
        out["value"] = 100 * good / n if n else None
        out["ci_low"], out["ci_high"] = wilson(good, n)
    if kind == "ces" and len({(lo, hi) for _, lo, hi, _ in items}) == 1:
        out["mean"] = sum(s for *_, s in items) / n
    return out


def reference(
    rows: list[Row], surveys: list[Survey], query: dict, ws_zone: str, thresholds: dict | None = None
) -> dict:
    """Every figure /metrics returns, computed the slow obvious way."""
    thresholds = thresholds or {}
    zone = ZoneInfo(query.get("tz") or ws_zone)
    since, until, interval = query["since"], query["until"], query["interval"]
    survey_ids = [s.id for s in surveys]
    filters = {k: query[k] for k in ("agent", "team", "channel", "priority", "segment", "tag") if k in query}
    group_by = query.get("group_by")

    def period(d: date) -> date:
        if interval == "day":
            return d
        if interval == "week":
            return d - timedelta(days=d.weekday())
        return d.replace(day=1)

    total, previous = Acc(), Acc()
    series: dict[date, Acc] = defaultdict(Acc)
    groups: dict[str, Acc] = defaultdict(Acc)
    prev_since = since - (until - since)
    for row in rows:
        if not matches(row, filters, survey_ids, query.get("survey_id")):
            continue
        kind, low, high = SURVEYS[row.survey]
        if row.answered is not None:
            answered = at(row.answered)
            item = (kind, low, high, row.score_on(low, high))
            if since <= answered < until:
                for acc in [total, series[period(answered.astimezone(zone).date())]] + [
                    groups[key] for key in group_keys(row, group_by) if group_by
                ]:
                    acc.scores.append(item)
                    if row.polarity is not None:
                        acc.polarities.append(row.polarity)
            elif prev_since <= answered < since:
                previous.scores.append(item)
        if row.sent is not None and since <= at(row.sent) < until:
            for acc in [total, series[period(at(row.sent).astimezone(zone).date())]] + [
                groups[key] for key in group_keys(row, group_by) if group_by
            ]:
                acc.delivered += 1
                acc.answered += row.answered is not None
    kinds = {kind for (kind, *_), sid in zip(SURVEYS, survey_ids) if query.get("survey_id") in (None, sid)}
    return {
        "total": total,
        "previous": previous,
        "series": series,
        "groups": groups,
        "thresholds": thresholds,
        "kinds": kinds,
    }


def close(a, b, tol: float = 0.011) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def assert_matches(view: dict, ref: dict, query: dict) -> None:
    """Compare every figure of a /metrics answer with the reference."""
    thresholds = ref["thresholds"]
    kinds = ref["kinds"]
    total: Acc = ref["total"]
    # Headline: one summary per kind and scale, with its distribution.
    by_scale = defaultdict(list)
    for item in total.scores:
        by_scale[item[:3]].append(item)
    assert {(s["kind"], *s["scale"]) for s in view["scores"]} == set(by_scale)
    prev_by_scale = defaultdict(list)
    for item in ref["previous"].scores:
        prev_by_scale[item[:3]].append(item)
    for summary in view["scores"]:
        key = (summary["kind"], *summary["scale"])
        items = by_scale[key]
        expected = kind_value(key[0], items, thresholds)
        assert summary["n"] == expected["n"]
        assert summary["low_sample"] == expected["low_sample"]
        assert close(summary["value"], expected["value"]), (summary, expected)
        assert close(summary["ci_low"], expected["ci_low"]) and close(summary["ci_high"], expected["ci_high"])
        counts = defaultdict(int)
        for *_, s in items:
            counts[s] += 1
        assert summary["distribution"] == {str(s): counts[s] for s in range(key[1], key[2] + 1)}
        before = kind_value(key[0], prev_by_scale[key], thresholds) if prev_by_scale[key] else None
        assert summary["change"]["previous_n"] == (before["n"] if before else 0)
        if before:
            assert close(summary["change"]["previous_value"], before["value"])
            assert close(summary["change"]["delta"], expected["value"] - before["value"], 0.02)
    # Response rate and sentiment.
    assert view["response_rate"]["delivered"] == total.delivered
    assert view["response_rate"]["answered"] == total.answered
    mean = sum(total.polarities) / len(total.polarities) if total.polarities else None
    assert close(view["sentiment"]["mean_polarity"], mean, 0.0001)
    assert view["sentiment"]["n"] == len(total.polarities)
    # Series: every period present, each with its own figures.
    seen = {}
    for item in view["series"]:
        seen[item["period"]] = item
    assert len(seen) == len(view["series"])
    for start in ref["series"]:
        assert start.isoformat() in seen, (start, list(seen))
    for label, item in seen.items():
        acc = ref["series"].get(date.fromisoformat(label), Acc())
        _compare_cell(item, acc, thresholds, kinds)
    # Groups.
    if query.get("group_by"):
        got = {g["key"] or "": g for g in view["groups"]}
        expected_keys = {k for k, acc in ref["groups"].items() if acc.scores or acc.delivered}
        assert set(got) == expected_keys, (set(got), expected_keys)
        for key, acc in ref["groups"].items():
            if key in got:
                _compare_cell(got[key], acc, thresholds, kinds)
    else:
        assert view["groups"] == []


def _compare_cell(item: dict, acc: Acc, thresholds: dict, kinds: set) -> None:
    assert item["n"] == len(acc.scores)
    assert item["response_rate"]["delivered"] == acc.delivered
    assert item["response_rate"]["answered"] == acc.answered
    mean = sum(acc.polarities) / len(acc.polarities) if acc.polarities else None
    assert close(item["sentiment"]["mean_polarity"], mean, 0.0001)
    by_kind = defaultdict(list)
    for entry in acc.scores:
        by_kind[entry[0]].append(entry)
    assert set(item["scores"]) == kinds
    for kind in kinds:
        entries = by_kind[kind]
        expected = kind_value(kind, entries, thresholds)
        got = item["scores"][kind]
        assert got["n"] == expected["n"] and got["low_sample"] == expected["low_sample"]
        assert close(got["value"], expected["value"]), (kind, got, expected)
        assert close(got.get("ci_low"), expected.get("ci_low")) and close(got.get("ci_high"), expected.get("ci_high"))
        if "mean" in expected and entries:
            assert close(got["mean"], expected["mean"], 0.0011)
