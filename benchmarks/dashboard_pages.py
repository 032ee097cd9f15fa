"""Dashboard pages at scale: each page's server time beside the JSON endpoint it shares services with.

    .venv/bin/python benchmarks/dashboard_pages.py                   # 1 million answers
    .venv/bin/python benchmarks/dashboard_pages.py --rows 100000     # a quick run
    .venv/bin/python benchmarks/dashboard_pages.py --drop            # drop the database afterwards
    .venv/bin/python benchmarks/dashboard_pages.py --rollups         # themes and drivers: raw rows vs rollups, 30 d / 90 d / all

Builds a PostgreSQL database with metrics_scale.py's loader (benchmarks/scale_data.py: rows
made by PostgreSQL in time order, triggers off, one rebuild of each rollup), which also writes
what the dashboard reads beyond the rollups: comments, their sentiment labels and languages,
tone–score mismatches and theme rows (response_themes). The database is named after --rows and
--days and kept, so a second run reuses it (--fresh rebuilds it); `--db afterword_bench_10m`
times metrics_scale.py's 10 M database.

Each page is requested through the Flask app as a signed-in owner (the session cookie, CSRF and
templates included) and timed p50/p99 over --repeat runs after one warm-up, beside the JSON
endpoint whose service it calls with the same query. The view is the dashboard's default, the
last 30 local days, ending where the loaded history ends. Never run from the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from benchmarks import metrics_scale
from benchmarks.metrics_scale import ADMIN_URL, END, ZONE, build_app, timed

OWNER = "owner@dashboard-bench.example.com"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="answers (default 1 million)")
    parser.add_argument("--days", type=int, default=730, help="days of history the answers spread over")
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per page and endpoint")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="rebuild the database even if it exists")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--db", help="the database's name (default: afterword_dashboard_bench_ROWS_DAYS)")
    parser.add_argument("--only", choices=["themes", "drivers"], help="with --rollups: one report only")
    parser.add_argument(
        "--rollups",
        action="store_true",
        help="time the themes and drivers pages and endpoints over 30 days, 90 days and all time, each read"
        " from the raw rows (the rollups switched off) and from the rollups, in interleaved rounds",
    )
    args = parser.parse_args()

    # A branch with a migration of its own benchmarks a database of its own: the shared one
    # would be upgraded past what other branches know.
    name = args.db or f"afterword_dashboard_bench_{args.rows}_{args.days}"
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
        if exists and args.fresh:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        app = build_app(sa_url)
        if not exists or not _loaded(url):
            started = time.perf_counter()
            metrics_scale.load(app, url, args)  # comments, labels, mismatches and themes included
            print(f"database {name} built in {time.perf_counter() - started:.0f} s")
        else:
            print(f"database {name} reused")
        if args.rollups:
            compare_rollups(app, args)
        else:
            report(app, url, args)
    finally:
        if args.drop:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            print(f"kept database {name} (--drop removes it; --fresh rebuilds it)")


def _loaded(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM response_themes)").fetchone()[0])


def _session(app) -> tuple[int, dict, str, str]:
    """The bench workspace, its surveys, an API key and an owner's session token (made once)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Survey, Workspace
    from app.models.account import Role
    from app.models.api_key import KeyScope
    from app.services.accounts import people
    from app.services.accounts.sessions import start_session
    from app.services.api_keys import issue_key

    with app.app_context():
        ws = db.session.scalar(select(Workspace).where(Workspace.name == "Bench Co"))
        surveys = {s.kind: s.id for s in db.session.scalars(select(Survey).where(Survey.workspace_id == ws.id))}
        owner = people.find_user(OWNER) or people.create_user(OWNER, "correct horse battery")
        people.set_membership(owner, ws.id, Role.OWNER)
        _, key = issue_key(ws.id, "dashboard bench", KeyScope.READ)
        db.session.commit()
        token = start_session(owner, "127.0.0.1", "bench")
        return ws.id, surveys, key, token


def report(app, url: str, args) -> None:
    from app.web.blueprint import COOKIE

    workspace_id, surveys, key, token = _session(app)
    client = app.test_client()
    client.set_cookie(COOKIE, token)
    headers = {"Authorization": f"Bearer {key}"}
    # The last 30 local days of the loaded history (END is its first instant after it).
    zone = ZoneInfo(ZONE)
    last = END.date() - timedelta(days=1)
    first = last - timedelta(days=29)
    since = datetime.combine(first, datetime.min.time(), tzinfo=zone).isoformat()
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone).isoformat()
    csat = surveys["csat"]
    page = {"from": first.isoformat(), "to": last.isoformat()}
    api = {"since": since, "until": until}
    pairs = [
        ("overview", "", page, "/metrics", api),
        ("overview", "", page, "/themes", {**api, "survey_id": csat}),
        ("trends", "/trends", {**page, "survey": csat}, "/metrics", {**api, "survey_id": csat, "interval": "week"}),
        ("themes", "/themes", {**page, "survey": csat}, "/themes", {**api, "survey_id": csat}),
        ("agents", "/agents", {**page, "survey": csat}, "/metrics", {**api, "survey_id": csat, "group_by": "agent"}),
        ("drivers", "/drivers", {**page, "survey": csat}, "/drivers", {**api, "survey_id": csat}),
    ]
    print(f"\n{args.rows:,} answers over {args.days} days; the view: {first} to {last} ({ZONE}), CSAT survey")
    print(f"{'page':10} {'p50 ms':>8} {'p99 ms':>8}   {'JSON endpoint':40} {'p50 ms':>8} {'p99 ms':>8}")
    pages_done: dict[str, tuple[float, float]] = {}
    for name, path, page_query, endpoint, api_query in pairs:

        def get_page(q=urlencode(page_query), p=path):
            response = client.get(f"/w/{workspace_id}{p}?{q}")
            assert response.status_code == 200, response.status_code

        def get_json(q=urlencode(api_query), e=endpoint):
            response = client.get(f"/api/v1{e}?{q}", headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]

        if name not in pages_done:
            pages_done[name] = timed(get_page, args.repeat)
        page_p50, page_p99 = pages_done[name]
        json_p50, json_p99 = timed(get_json, args.repeat)
        shown = endpoint + "?" + "&".join(k for k in api_query if k not in ("since", "until"))
        print(f"{name:10} {page_p50:8.1f} {page_p99:8.1f}   {shown.rstrip('?'):40} {json_p50:8.1f} {json_p99:8.1f}")
    print("target: each page's p50 < 300 ms at 1 million answers")


def compare_rollups(app, args) -> None:
    """Each themes and drivers page and endpoint over the last 30 and 90 local days and all the
    loaded history, read from the raw rows (the rollups switched off, as before they existed) and
    from the rollups, alternately within each round, so both see the same load; p50 of each and the
    median of the per-round ratios. Wall time: the work is the database's, which process_time in
    this process would not see."""
    import statistics
    from unittest import mock

    from app.services.insights import driver_rollups, theme_rollups
    from app.web.blueprint import COOKIE

    workspace_id, surveys, key, token = _session(app)
    client = app.test_client()
    client.set_cookie(COOKIE, token)
    headers = {"Authorization": f"Bearer {key}"}
    zone = ZoneInfo(ZONE)
    last = END.date() - timedelta(days=1)
    csat = surveys["csat"]
    cases = []
    for label, first in (
        ("30 d", last - timedelta(days=29)),
        ("90 d", last - timedelta(days=89)),
        ("all", (END - timedelta(days=args.days)).astimezone(zone).date()),
    ):
        since = datetime.combine(first, datetime.min.time(), tzinfo=zone).isoformat()
        until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone).isoformat()
        page = urlencode({"from": first.isoformat(), "to": last.isoformat(), "survey": csat})
        api = urlencode({"since": since, "until": until, "survey_id": csat})
        for name in [args.only] if args.only else ["themes", "drivers"]:
            cases.append((f"{name} page, {label}", f"/w/{workspace_id}/{name}?{page}", {}))
            cases.append((f"/api/v1/{name}, {label}", f"/api/v1/{name}?{api}", headers))
    raw = [
        mock.patch.object(theme_rollups, "rollup_plan", lambda *a, **k: None),
        mock.patch.object(driver_rollups, "rollup_plan", lambda *a, **k: None),
    ]

    def get(path, hdrs) -> float:
        started = time.perf_counter()
        response = client.get(path, headers=hdrs)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return (time.perf_counter() - started) * 1000

    def get_raw(path, hdrs) -> float:
        for patch in raw:
            patch.start()
        try:
            return get(path, hdrs)
        finally:
            for patch in raw:
                patch.stop()

    for _, path, hdrs in cases:  # warm both plans once
        get(path, hdrs)
        get_raw(path, hdrs)
    times = {name: ([], []) for name, _, _ in cases}
    for round_ in range(args.repeat):
        for name, path, hdrs in cases:
            before, after = times[name]
            if round_ % 2:  # alternate which goes first
                after.append(get(path, hdrs))
                before.append(get_raw(path, hdrs))
            else:
                before.append(get_raw(path, hdrs))
                after.append(get(path, hdrs))
    print(f"\n{args.rows:,} answers over {args.days} days ({ZONE}), CSAT survey; load average {os.getloadavg()[0]:.1f}")
    print(f"{'':28} {'raw p50 ms':>11} {'rollups p50 ms':>15} {'rollups p99':>12} {'ratio (median/round)':>21}")
    for name, _, _ in cases:
        before, after = times[name]
        ratio = statistics.median(a / b for a, b in zip(after, before))
        p99 = sorted(after)[min(len(after) - 1, int(round(0.99 * (len(after) - 1))))]
        print(f"{name:28} {statistics.median(before):11.1f} {statistics.median(after):15.1f} {p99:12.1f} {ratio:21.2f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}; target: p50 < 300 ms")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
