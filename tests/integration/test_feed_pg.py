"""The feed's count on PostgreSQL, read from the rollups where they hold the filter: it must equal
the number of answers the feed lists (and its CSV holds) for every filter, range and zone."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import Workspace
from app.services.answers.listing import ROLLUP_FILTERS, count_responses, count_up_to, filtered_responses
from app.services.insights.exports import response_rows
from tests.integration.test_insights_pg import random_row
from tests.support.factories import Factory
from tests.support.insights_reference import (
    BASE,
    CHANNELS,
    PRIORITIES,
    SEGMENTS,
    TAGS,
    TEAMS,
    create_surveys,
    insert_rows,
)

pytestmark = pytest.mark.integration

# An agent filter's values: an id, the email of an agent who also has an id (matched by the
# listing, keyed by the id in the rollups), an email that is a key, a name that is a key, the name
# of an agent who has an id (matches nothing), and no one.
AGENT_VALUES = ["a1", "ann@example.com", "bob@example.com", "Cy", "Ann", "nobody"]


def listed(workspace: Workspace, filters: dict) -> int:
    return len(db.session.execute(filtered_responses(workspace.id, filters)).all())


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "Pacific/Chatham"])
def test_the_rollup_count_equals_the_listed_answers(pg_app, zone):
    rng = random.Random(f"feed-{zone}")
    ws = Factory().workspace(f"Feed count {zone}").row
    ws.timezone = zone
    db.session.commit()
    surveys = create_surveys(ws.id)
    insert_rows(ws.id, surveys, [random_row(rng) for _ in range(400)])
    # Some of agent a1's tickets carry their email too: the rollups key those answers by the id,
    # the listing matches them by either.
    db.session.execute(
        text(
            "UPDATE invites SET agent_email = 'ann@example.com' WHERE workspace_id = :ws AND agent_id = 'a1' AND id % 2 = 0"
        ),
        {"ws": ws.id},
    )
    db.session.commit()
    workspace = db.session.get(Workspace, ws.id)

    cases = [{}, *({"agent": agent} for agent in AGENT_VALUES)]
    for _ in range(60):
        filters: dict = {}
        if rng.random() < 0.3:
            filters["survey_id"] = rng.choice(surveys).id
        if rng.random() < 0.5:
            filters["since"] = BASE + timedelta(minutes=rng.randrange(42 * 24 * 60))
        if rng.random() < 0.5:
            filters["until"] = filters.get("since", BASE) + timedelta(minutes=rng.randrange(1, 30 * 24 * 60))
        if rng.random() < 0.4:
            filters["score_min"] = rng.randrange(0, 6)
        if rng.random() < 0.4:
            filters["score_max"] = rng.randrange(2, 11)
        for name, values in (("team", TEAMS), ("channel", CHANNELS), ("priority", PRIORITIES), ("segment", SEGMENTS)):
            if rng.random() < 0.2:
                filters[name] = rng.choice([v for v in values if v])
        if rng.random() < 0.25:
            filters["tag"] = rng.choice(TAGS)
        if rng.random() < 0.3:
            filters["agent"] = rng.choice(AGENT_VALUES)
        cases.append(filters)
    for filters in cases:
        assert set(filters) <= ROLLUP_FILTERS
        assert count_responses(workspace, filters) == listed(workspace, filters), filters
    # A reader narrowed to their own answers is counted from the rows, and agrees as well.
    assert count_responses(workspace, {"tag": "vip"}, own_agent="a1") == len(
        db.session.execute(filtered_responses(workspace.id, {"tag": "vip"}, "a1")).all()
    )


def test_a_capped_count_stops_past_the_cap_and_rollup_counts_stay_exact(pg_app):
    rng = random.Random("feed-cap")
    ws = Factory().workspace("Feed count cap").row
    surveys = create_surveys(ws.id)
    insert_rows(ws.id, surveys, [random_row(rng) for _ in range(200)])
    workspace = db.session.get(Workspace, ws.id)
    team = next(t for t in TEAMS if t)
    # Counted from the rows (a filter the rollups lack, or a reader narrowed to their own): to the cap.
    for filters, own in (({}, "a1"), ({"mismatch": False}, None), ({"score_min": 3, "mismatch": False}, None)):
        n = len(db.session.execute(filtered_responses(workspace.id, filters, own)).all())
        assert n > 5, filters
        assert count_up_to(workspace, filters, own, 5) == (5, True)
        assert count_up_to(workspace, filters, own, n) == (n, False)
        assert count_up_to(workspace, filters, own, n + 10) == (n, False)
    # From the rollups: exact, whatever the cap.
    for filters in ({}, {"team": team}, {"score_max": 4}, {"agent": "a1"}):
        n = listed(workspace, filters)
        assert n > 5
        assert count_up_to(workspace, filters, None, 5) == (n, False) == (count_responses(workspace, filters), False)


def test_the_csv_streams_exactly_the_listed_answers(pg_app):
    # The export plans its streamed query for the whole result (SET LOCAL cursor_tuple_fraction):
    # the same rows, in the same order, as the listing.
    rng = random.Random("feed-csv")
    ws = Factory().workspace("Feed CSV").row
    insert_rows(ws.id, create_surveys(ws.id), [random_row(rng) for _ in range(150)])
    for filters in ({}, {"agent": "a1"}, {"agent": "bob@example.com", "score_min": 3}):
        expected = [r.id for r, _ in db.session.execute(filtered_responses(ws.id, filters)).all()]
        assert expected
        assert [row[0] for row in response_rows(ws.id, filters)] == expected
        db.session.commit()
