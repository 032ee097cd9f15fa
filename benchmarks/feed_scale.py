"""The Responses feed at scale: its pages in PostgreSQL, beside the JSON endpoint they share services with.

    .venv/bin/python benchmarks/feed_scale.py                    # 1 million answers (~5-10 min)
    .venv/bin/python benchmarks/feed_scale.py --rows 200000      # a quick run
    .venv/bin/python benchmarks/feed_scale.py --keep             # keep the database afterwards
    .venv/bin/python benchmarks/feed_scale.py --database NAME    # time again on a kept database
    .venv/bin/python benchmarks/feed_scale.py --db NAME          # load NAME once and keep it; reuse it after
    .venv/bin/python benchmarks/feed_scale.py --db afterword_bench_10m   # metrics_scale.py's 10 M

Loads its own database with metrics_scale.py's loader (benchmarks/scale_data.py, 90 days by
default: seven answers in ten with a comment, its sentiment label and language, most with theme
rows, as the analysis leaves them), then signs an owner in. A database metrics_scale.py or
dashboard_pages.py built serves as well (`--db`). Each filter is timed as the signed-in page (/w/{id}/responses: the page of 25, the
count of every matching answer, theme labels, ticket links, the HTML) and, in the same run, as
GET /api/v1/responses?limit=25 with the same filter (the same listing query, no count, JSON):
p50 and p99 of server time through the Flask app. The page is timed twice, interleaved: with
every matching answer counted, an agent's from the rows (as before the feed's count cap, the
baseline), and as it is now: from the rollups where they hold the filter (an agent's too),
else counting to feed.COUNT_CAP. Never run from the test suite.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from metrics_scale import ADMIN_URL, build_app, load, timed

OWNER = "bench-owner@example.com"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="answers to load (default 1 million)")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--agents", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per request")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database", help="a database an earlier --keep run left: time it again, load nothing")
    parser.add_argument("--db", help="a database of this name: loaded and kept if absent, timed again if present")
    args = parser.parse_args()

    # A branch with a migration of its own benchmarks a database of its own (--db): a shared
    # one would be upgraded past what other branches know.
    if args.db:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (args.db,)).fetchone():
                args.database = args.db
            else:
                args.keep = True
    name = args.database or args.db or f"afterword_feed_bench_{uuid.uuid4().hex[:8]}"
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    if args.database:
        app = build_app(url.replace("postgresql://", "postgresql+psycopg://", 1))
        report(app, kept_ids(app), args)
        return
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    print(f"database {name}")
    try:
        app = build_app(url.replace("postgresql://", "postgresql+psycopg://", 1))
        ids = load(app, url, args)  # comments, labels and themes included
        report(app, ids, args)
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def kept_ids(app) -> dict:
    """The ids report() needs, read back from a kept database (a fresh API key for the workspace)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Response, Survey, Workspace
    from app.models.account import Role
    from app.services.accounts import people
    from app.services.api_keys import create_key

    with app.app_context():
        ws = db.session.scalar(select(Workspace).where(Workspace.name == "Bench Co"))
        surveys = {s.kind: s.id for s in db.session.scalars(select(Survey).where(Survey.workspace_id == ws.id))}
        answers = db.session.scalar(select(func.count()).select_from(Response).where(Response.workspace_id == ws.id))
        owner = people.find_user(OWNER) or people.create_user(OWNER, "correct horse battery")
        key = create_key(people.set_membership(owner, ws.id, Role.OWNER), "bench", "read")[1]
        db.session.commit()
        return {"workspace": ws.id, "key": key, "surveys": surveys, "answers": answers}


def report(app, ids: dict, args) -> None:
    from app.extensions import db
    from app.models.account import Role
    from app.services.accounts import people
    from app.services.accounts.sessions import start_session
    from app.web.blueprint import COOKIE

    ws = ids["workspace"]
    with app.app_context():
        user = people.find_user(OWNER) or people.create_user(OWNER, "correct horse battery")
        people.set_membership(user, ws, Role.OWNER)
        db.session.commit()
        token = start_session(user, "127.0.0.1", "bench")
    client = app.test_client()
    client.set_cookie(COOKIE, token)
    api = {"Authorization": f"Bearer {ids['key']}"}
    csat = ids["surveys"]["csat"]

    first = client.get(f"/w/{ws}/responses")
    assert first.status_code == 200, first.status_code
    after = first.get_data(as_text=True).split('rel="next"')[0].rsplit("after=", 1)[1].split('"')[0]

    cases = [
        ("every answer", {}, {}),
        ("second page", {"after": after}, {"cursor": after}),
        ("survey + last 30 days", {"survey": csat, "from": "2026-10-03", "to": "2026-11-01"}, None),
        ("theme", {"theme": "refund"}, {"theme": "refund"}),
        ("agent", {"agent": "agent007"}, {"agent": "agent007"}),
        ("team + score <= 2", {"team": "team03", "score_max": 2}, {"team": "team03", "score_max": 2}),
        ("tag", {"tag": "tag05"}, {"tag": "tag05"}),
        ("negative + mismatch=0", {"sentiment": "negative", "mismatch": 0}, {"sentiment": "negative"}),
        ("text 'parcel'", {"q": "parcel"}, {"q": "parcel"}),
        # No answer matches: the capped count reads every row too (the cap's worst case).
        ("text 'zebra' (none)", {"q": "zebra"}, {"q": "zebra"}),
    ]
    from app.services.answers import feed, listing

    cap, held = feed.COUNT_CAP, listing.ROLLUP_FILTERS

    def uncapped(fn):
        """The page as it was before the cap (the baseline): every matching answer counted, and an
        agent's answers counted from the rows rather than the rollups."""

        def run():
            feed.COUNT_CAP, listing.ROLLUP_FILTERS = None, held - {"agent"}
            try:
                return fn()
            finally:
                feed.COUNT_CAP, listing.ROLLUP_FILTERS = cap, held

        return run

    print(
        f"\n{ids['answers']:,} answers; p50 / p99 in ms over {args.repeat} interleaved runs (server time through the app)"
    )
    print(
        f"{'filter':28} {'page, exact count':>20} {f'page, count to {cap:,}':>22} {'GET /api/v1/responses':>24}  shown"
    )
    for label, page_query, api_query in cases:

        def get_page(q=page_query):
            return _ok(client.get(f"/w/{ws}/responses", query_string=q))

        def get_api(q=api_query):
            return _ok(client.get("/api/v1/responses", query_string={**(q or {}), "limit": 25}, headers=api))

        runs = [uncapped(get_page), get_page] + ([get_api] if api_query is not None else [])
        figures = interleaved(runs, args.repeat)
        shown = f"{figures[2][0]:8.1f} / {figures[2][1]:7.1f}" if api_query is not None else "—"
        count = get_page().get_data(as_text=True).split('class="feed-count">', 1)[1].split("</h3>")[0].strip()
        print(
            f"{label:28} {figures[0][0]:9.1f} / {figures[0][1]:8.1f} {figures[1][0]:10.1f} / {figures[1][1]:9.1f}"
            f" {shown:>24}  {count}"
        )
    answer_id = int(first.get_data(as_text=True).split(f'href="/w/{ws}/responses/', 1)[1].split('"')[0])
    p50, p99 = timed(lambda: _ok(client.get(f"/w/{ws}/responses/{answer_id}")), args.repeat)
    print(f"{'one answer page':28} {p50:10.1f} / {p99:8.1f}")
    q = {"agent": "agent007", "from": "2026-10-03", "to": "2026-11-01"}
    p50, p99 = timed(lambda: _ok(client.get(f"/w/{ws}/responses.csv", query_string=q)), max(3, args.repeat // 4))
    api_q = {"agent": "agent007", "since": "2026-10-03T00:00:00+02:00", "until": "2026-11-02T00:00:00+01:00"}
    a50, a99 = timed(
        lambda: _ok(client.get("/api/v1/export/responses.csv", query_string=api_q, headers=api)),
        max(3, args.repeat // 4),
    )
    print(f"{'CSV: agent, 30 days':28} {p50:10.1f} / {p99:8.1f} {a50:8.1f} / {a99:7.1f}")


def interleaved(runs, repeat: int) -> list[tuple[float, float]]:
    """p50 and p99 (ms) of each of `runs`, timed in turn within each round after one warm-up of
    each, so a change of load on the shared machine touches them alike."""
    import statistics
    import time

    for run in runs:
        run()
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, kept in zip(runs, samples):
            started = time.perf_counter()
            run()
            kept.append((time.perf_counter() - started) * 1000)
    figures = []
    for kept in samples:
        kept.sort()
        figures.append((statistics.median(kept), kept[min(len(kept) - 1, int(round(0.99 * (len(kept) - 1))))]))
    return figures


def _ok(response):
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    response.get_data()  # a streamed CSV is produced here
    return response


if __name__ == "__main__":
    main()
