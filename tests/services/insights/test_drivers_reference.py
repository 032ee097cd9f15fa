"""/drivers counts its tickets in SQL, grouped by every driver's bucket at once; this checks every
figure against a plain Python reference (one ticket at a time, as the service once did) over
random tickets: durations on both sides of every bucket edge, missing facts, reopens, channels
with their own SLA targets, answered and unanswered tickets. On SQLite and, when it runs, PostgreSQL
(which computes durations and medians its own way)."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from app.extensions import db
from app.models import Response, Workspace
from app.scoring.scores import score_summary
from app.services.insights.drivers import DRIVERS, FRT_BUCKETS, RESOLUTION_BUCKETS, drivers
from app.services.insights.settings import load_settings, save_settings, sla_targets
from tests.conftest import unit_config
from tests.support.factories import Factory

T0 = datetime(2026, 6, 1, tzinfo=UTC)
EDGES = [0, 1, 119, 120, 121, 599, 600, 3599, 3600, 14400, 14401, 86399, 86400, 43200, 172800, 172801, 400000]


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path):
    if request.param == "sqlite":
        app = create_app(unit_config(tmp_path))
        name = None
    else:
        from tests.integration.services import create_database, port_open

        if not port_open("127.0.0.1", 5432):
            pytest.skip("PostgreSQL on 127.0.0.1:5432 is not available")
        url, name = create_database()
        app = create_app({**unit_config(tmp_path), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()
    if name:
        from tests.integration.services import drop_database

        drop_database(name)


def _ticket(rng: random.Random) -> dict:
    created = T0 + timedelta(minutes=rng.randint(0, 5000))
    frt = rng.choice(EDGES + [None, -60])
    resolution = rng.choice(EDGES + [None, -5])
    return {
        "created": created if rng.random() > 0.05 else None,
        "first": None if frt is None else created + timedelta(seconds=frt),
        "solved": None if resolution is None else created + timedelta(seconds=resolution),
        "reopens": rng.choice([None, 0, 0, 0, 1, 2]),
        "handle": rng.choice([None, 60, 300, 1234]),
        "channel": rng.choice(["email", "chat", "phone", None]),
        "score": rng.choice([None, 1, 2, 3, 4, 5, 5]),
    }


def _reference(tickets: list[dict], settings: dict, low: int, high: int) -> dict:
    def seconds(later, earlier):
        return (later - earlier).total_seconds() if earlier and later and later >= earlier else None

    def bucket(value, edges):
        if value is None:
            return "unknown"
        return next(name for upper, name in edges if upper is None or value < upper)

    def yes_no(flag):
        return {True: "yes", False: "no", None: "unknown"}[flag]

    found: dict = {driver: defaultdict(lambda: [0, Counter()]) for driver in DRIVERS}
    frts, resolutions, handles, flags = [], [], [], defaultdict(list)
    for t in tickets:
        frt, res = seconds(t["first"], t["created"]), seconds(t["solved"], t["created"])
        frt_target, res_target = sla_targets(settings, t["channel"])
        frt_met = None if frt is None or frt_target is None else frt <= frt_target
        res_met = None if res is None or res_target is None else res <= res_target
        known = [m for m in (frt_met, res_met) if m is not None]
        sla = all(known) if known else None
        reopened = None if t["reopens"] is None else t["reopens"] > 0
        fcr = None if t["reopens"] is None else (t["solved"] is not None and t["reopens"] == 0)
        names = {
            "first_response": bucket(frt, FRT_BUCKETS),
            "resolution": bucket(res, RESOLUTION_BUCKETS),
            "reopened": yes_no(reopened),
            "fcr": yes_no(fcr),
            "sla": {True: "met", False: "missed", None: "unknown"}[sla],
            "channel": t["channel"] or "unknown",
        }
        for driver, name in names.items():
            found[driver][name][0] += 1
            if t["score"] is not None:
                found[driver][name][1][t["score"]] += 1
        frts += [frt] if frt is not None else []
        resolutions += [res] if res is not None else []
        handles += [t["handle"]] if t["handle"] is not None else []
        for name, flag in (("reopened", reopened), ("fcr", fcr), ("frt", frt_met), ("res", res_met), ("sla", sla)):
            flags[name].append(flag)

    def rate(values):
        known = [v for v in values if v is not None]
        return (sum(known), len(known))

    return {
        "tickets": len(tickets),
        "frt": (
            len(frts),
            round(statistics.fmean(frts), 2) if frts else None,
            round(statistics.median(frts), 2) if frts else None,
        ),
        "res": (
            len(resolutions),
            round(statistics.fmean(resolutions), 2) if resolutions else None,
            round(statistics.median(resolutions), 2) if resolutions else None,
        ),
        "aht": (len(handles), round(statistics.fmean(handles), 2) if handles else None),
        "rates": {name: rate(values) for name, values in flags.items()},
        "buckets": {
            driver: {
                name: (tickets_n, score_summary("csat", low, high, dict(scores))["value"] if scores else None)
                for name, (tickets_n, scores) in by_name.items()
            }
            for driver, by_name in found.items()
        },
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_drivers_equal_a_ticket_by_ticket_reference(any_db, seed):
    rng = random.Random(seed)
    f = Factory()
    ws = f.workspace()
    survey = f.survey(ws, "csat")
    save_settings(
        ws.id,
        {
            "sla": {
                "channels": {
                    "chat": {"first_response_minutes": 2, "resolution_hours": 4},
                    "phone": {"resolution_hours": None},
                }
            }
        },
    )
    db.session.commit()
    tickets = [_ticket(rng) for _ in range(250)]
    for t in tickets:
        invite = f.invite(survey, channel=t["channel"])
        invite.created_at = T0
        invite.ticket_created_at, invite.first_response_at, invite.solved_at = t["created"], t["first"], t["solved"]
        invite.reopens, invite.handle_seconds = t["reopens"], t["handle"]
        if t["score"] is not None:
            db.session.add(
                Response(
                    workspace_id=ws.id,
                    survey_id=survey.id,
                    invite_id=invite.id,
                    score=t["score"],
                    answered_at=T0,
                    updated_at=T0,
                    themes=[],
                )
            )
    db.session.commit()
    settings = load_settings(ws.id)
    want = _reference(tickets, settings, survey.scale_min, survey.scale_max)
    got = drivers(db.session.get(Workspace, ws.id), {"since": T0 - timedelta(days=1), "until": T0 + timedelta(days=1)})
    ops = got["operations"]
    assert ops["tickets"] == want["tickets"] == 250
    for key, (n, mean, median) in (("first_response_seconds", want["frt"]), ("resolution_seconds", want["res"])):
        assert (ops[key]["n"], ops[key]["mean"], ops[key]["median"]) == (n, pytest.approx(mean, abs=0.011), median)
    assert (ops["average_handle_seconds"]["n"], ops["average_handle_seconds"]["value"]) == want["aht"]
    for name, figure in (
        ("reopened", ops["reopen_rate"]),
        ("fcr", ops["fcr"]),
        ("frt", ops["sla"]["first_response"]),
        ("res", ops["sla"]["resolution"]),
        ("sla", ops["sla"]["overall"]),
    ):
        yes, known = want["rates"][name]
        assert figure["n"] == known and figure["value"] == (round(100 * yes / known, 2) if known else None), name
    for driver in DRIVERS:
        seen = {
            b["bucket"]: (b["tickets"], b["scores"]["csat"]["value"]) for b in got["drivers"][driver] if b["tickets"]
        }
        assert seen == want["buckets"][driver], driver
