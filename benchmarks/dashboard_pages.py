"""Dashboard pages at scale: each page's server time beside the JSON endpoint it shares services with.

    .venv/bin/python benchmarks/dashboard_pages.py                   # 1 million answers
    .venv/bin/python benchmarks/dashboard_pages.py --rows 100000     # a quick run
    .venv/bin/python benchmarks/dashboard_pages.py --drop            # drop the database afterwards

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


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
