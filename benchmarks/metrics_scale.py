"""Metrics at scale: GET /metrics over millions of answers in PostgreSQL, rollups vs raw SQL.

    .venv/bin/python benchmarks/metrics_scale.py                   # 10 million answers (~15-25 min)
    .venv/bin/python benchmarks/metrics_scale.py --rows 500000     # a quick run
    .venv/bin/python benchmarks/metrics_scale.py --keep            # keep the database afterwards

Builds its own database (dropped at the end unless --keep) with the migrations applied, loads
invites and answers with COPY (triggers off during the load, then one rebuild of the rollups,
as a restore would), checks the rollups against the raw rows, measures what the triggers cost
per answer written, then times several /metrics requests through the Flask app (p50 and p99)
and, in the same run, a hand-written SQL query over the raw tables answering the headline
question (90 days by week by agent), plus the same endpoint with the rollups switched off.
Never run from the test suite.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import click
import psycopg

ADMIN_URL = os.environ.get("AFTERWORD_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ZONE = "Europe/Paris"
END = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday midnight in Paris is 23:00 UTC the day before
TAGS = [f"tag{i:02d}" for i in range(20)]
CHANNELS = (["email", "chat", "phone", "social"], [50, 30, 15, 5])
PRIORITIES = (["low", "normal", "high", "urgent"], [10, 60, 25, 5])
SEGMENTS = (["smb", "mid-market", "enterprise"], [60, 30, 10])
SURVEYS = [
    ("csat", 1, 5, 70, [4, 5, 8, 28, 55]),
    ("nps", 0, 10, 20, [3, 2, 2, 2, 3, 4, 5, 10, 14, 25, 30]),
    ("ces", 1, 7, 10, [3, 4, 6, 10, 17, 30, 30]),
]
REPEAT = 25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="answers to load (default 10 million)")
    parser.add_argument("--days", type=int, default=730, help="days of history the answers spread over")
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=REPEAT, help="timed runs per query")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    name = f"afterword_metrics_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    print(f"database {name}")
    try:
        app = build_app(sa_url)
        ids = load(app, url, args)
        report(app, url, ids, args)
    finally:
        if args.keep:
            print(f"kept database {name} ({sa_url})")
        else:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_app(sa_url: str):
    import tempfile

    os.environ.setdefault("AFTERWORD_INSTANCE", tempfile.mkdtemp(prefix="afterword-bench-"))
    from flask_migrate import upgrade

    from app import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": sa_url, "TESTING": True, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"}
    )
    with app.app_context():
        upgrade()
    return app


def load(app, url: str, args) -> dict:
    """Workspaces, surveys, then invites and answers by COPY; returns the ids the queries need."""
    from app.extensions import db
    from app.services.surveys import create_survey
    from app.services.workspaces import create_workspace

    with app.app_context():
        ws, key = create_workspace("Bench Co", ZONE)
        other, _ = create_workspace("Neighbour Co", "America/New_York")  # tenant noise
        surveys = {
            kind: create_survey(ws.id, {"name": kind, "kind": kind, "scale": [low, high]}).id
            for kind, low, high, _, _ in SURVEYS
        }
        other_survey = create_survey(other.id, {"name": "csat", "kind": "csat"}).id
        ws_id = ws.id
        db.session.remove()
        db.engine.dispose()

    rng = random.Random(args.seed)
    agents = [f"agent{i:03d}" for i in range(args.agents)]
    agent_weights = [1 / (i + 10) for i in range(args.agents)]
    teams = {a: f"team{i % 12:02d}" for i, a in enumerate(agents)}
    kinds = [(surveys[kind], low, weights, share) for kind, low, high, share, weights in SURVEYS]
    span = args.days * 86400
    start_s = (END - timedelta(days=args.days)).timestamp()

    day_text: dict[int, str] = {}

    def stamp(seconds: float) -> str:
        """Epoch seconds as COPY text, fast: the date part is cached per day."""
        day, rest = divmod(seconds, 86400)
        text = day_text.get(day)
        if text is None:
            text = day_text[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
        hours, rest = divmod(rest, 3600)
        minutes, rest = divmod(rest, 60)
        return f"{text} {int(hours):02d}:{int(minutes):02d}:{rest:06.3f}+00"

    null = "\\N"
    unanswered_share = 0.25  # one invite in four is delivered and never answered
    total_invites = int(args.rows / (1 - unanswered_share))

    def table(values, weights, size=1000):
        """Values repeated by weight: a uniform index into it is a weighted draw, and cheap."""
        total = sum(weights)
        out = []
        for value, weight in zip(values, weights):
            out.extend([value] * max(1, round(size * weight / total)))
        return out

    agent_table = table(agents, agent_weights, 5000)
    channel_table, priority_table, segment_table = table(*CHANNELS), table(*PRIORITIES), table(*SEGMENTS)
    kind_table = table(range(len(kinds)), [k[3] for k in kinds])
    score_tables = [table(range(len(k[2])), k[2]) for k in kinds]
    tag_lists = [[]] * 2 + [[t] for t in TAGS] + [[a, b] for a, b in zip(TAGS, TAGS[3:] + TAGS[:3])]
    tag_json = [json.dumps(t) for t in tag_lists]

    with psycopg.connect(url) as conn:
        # A bulk load as a restore does it: no per-row triggers (rollups, foreign-key checks; the
        # generated rows are consistent by construction), then one rebuild of the rollups.
        conn.execute("ALTER TABLE invites DISABLE TRIGGER ALL")
        conn.execute("ALTER TABLE responses DISABLE TRIGGER ALL")
        # Secondary indexes are built once after the load rather than maintained row by row.
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('invites', 'responses')"
            " AND indexname NOT LIKE 'pk_%%' AND indexname NOT LIKE 'uq_%%'"
        ).fetchall()
        for index_name, _ in indexes:
            conn.execute(f'DROP INDEX "{index_name}"')
        conn.commit()
        answered = 0
        t0 = time.perf_counter()
        with click.progressbar(length=total_invites, label="COPY invites + answers", show_pos=True) as bar:
            chunk = 200_000
            for first in range(1, total_invites + 1, chunk):
                last = min(first + chunk, total_invites + 1)
                invites, responses = io.StringIO(), io.StringIO()
                rnd, expo = rng.random, rng.expovariate
                for invite_id in range(first, last):
                    k = kind_table[int(rnd() * len(kind_table))]
                    survey_id, low, _, _ = kinds[k]
                    sent_s = start_s + rnd() * span
                    agent = agent_table[int(rnd() * len(agent_table))]
                    created_s = sent_s - expo(1 / 30) * 3600
                    is_answered = answered < args.rows and rnd() >= unanswered_share * 0.98
                    answer_s = sent_s + expo(1 / 6) * 3600 if is_answered else None
                    invites.write(
                        f"{invite_id}\t{ws_id}\t{survey_id}\tbench{invite_id}\tsent\ten\tc{invite_id}@example.com\t"
                        f"{segment_table[int(rnd() * len(segment_table))]}\tT-{invite_id}\t{agent}\t{agent.title()}\t"
                        f"{teams[agent]}\t{channel_table[int(rnd() * len(channel_table))]}\t"
                        f"{priority_table[int(rnd() * len(priority_table))]}\t"
                        f"{tag_json[int(rnd() * len(tag_json))]}\t{stamp(created_s)}\t"
                        f"{stamp(created_s + expo(1 / 90) * 60)}\t{stamp(sent_s - 300)}\t{1 if rnd() < 0.12 else 0}\t"
                        f"{int(expo(1 / 600))}\t{stamp(sent_s)}\t{stamp(sent_s)}\t{stamp(sent_s)}\t"
                        f"{stamp(answer_s) if is_answered else null}\n"
                    )
                    if is_answered:
                        answered += 1
                        score = low + score_tables[k][int(rnd() * len(score_tables[k]))]
                        polarity = f"{rnd() * 2 - 1:.3f}" if rnd() < 0.7 else null
                        responses.write(
                            f"{answered}\t{ws_id}\t{survey_id}\t{invite_id}\t{score}\t{stamp(answer_s)}\t"
                            f"{stamp(answer_s)}\t{polarity}\t[]\n"
                        )
                with conn.cursor() as cur:
                    with cur.copy(
                        "COPY invites (id, workspace_id, survey_id, token, status, locale, customer_email,"
                        " customer_segment, ticket_id, agent_id, agent_name, team, channel, priority, tags,"
                        " ticket_created_at, first_response_at, solved_at, reopens, handle_seconds, created_at,"
                        " due_at, sent_at, answered_at) FROM STDIN"
                    ) as copy:
                        copy.write(invites.getvalue())
                    with cur.copy(
                        "COPY responses (id, workspace_id, survey_id, invite_id, score, answered_at, updated_at,"
                        " polarity, themes) FROM STDIN"
                    ) as copy:
                        copy.write(responses.getvalue())
                conn.commit()
                bar.update(last - first)
        print(f"loaded {total_invites:,} invites and {answered:,} answers in {time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        for _, definition in indexes:
            conn.execute(definition)
        conn.commit()
        print(f"indexes rebuilt in {time.perf_counter() - t0:.0f} s")
        conn.execute("SELECT setval('invites_id_seq', (SELECT max(id) FROM invites))")
        conn.execute("SELECT setval('responses_id_seq', (SELECT max(id) FROM responses))")
        t0 = time.perf_counter()
        conn.execute("SELECT afterword_rollup_rebuild(%s)", (ws_id,))
        conn.execute("ALTER TABLE invites ENABLE TRIGGER ALL")
        conn.execute("ALTER TABLE responses ENABLE TRIGGER ALL")
        conn.commit()
        print(f"rollups rebuilt in {time.perf_counter() - t0:.0f} s")
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        rollup_rows = conn.execute("SELECT count(*) FROM metric_rollups").fetchone()[0]
        print(f"metric_rollups: {rollup_rows:,} rows")
    return {"workspace": ws_id, "key": key, "surveys": surveys, "other_survey": other_survey, "answers": answered}


def check_and_write_cost(url: str, ids: dict) -> None:
    """Rollup totals equal the raw counts; then the trigger's cost per answer written."""
    with psycopg.connect(url) as conn:
        raw = conn.execute("SELECT count(*) FROM responses WHERE workspace_id = %s", (ids["workspace"],)).fetchone()[0]
        rolled = conn.execute(
            "SELECT sum(" + " + ".join(f"s{i}" for i in range(11)) + ") FROM metric_rollups"
            " WHERE workspace_id = %s AND grain = 0",
            (ids["workspace"],),
        ).fetchone()[0]
        print(f"check: raw answers {raw:,} = rollup answers {rolled:,}: {'OK' if raw == rolled else 'MISMATCH'}")
        timings = {}
        for enabled in (False, True):
            conn.execute(f"ALTER TABLE invites {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER")
            conn.execute(f"ALTER TABLE responses {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER")
            survey = ids["surveys"]["csat"]
            started = time.perf_counter()
            for i in range(300):
                invite_id = conn.execute(
                    "INSERT INTO invites (workspace_id, survey_id, token, status, locale, agent_id, team, channel,"
                    " priority, customer_segment, tags, created_at, due_at, sent_at) VALUES (%s, %s, %s, 'sent', 'en',"
                    " 'agent001', 'team01', 'chat', 'high', 'smb', '[\"tag01\"]', now(), now(), now()) RETURNING id",
                    (ids["workspace"], survey, f"w{enabled}{i}{uuid.uuid4().hex[:6]}"),
                ).fetchone()[0]
                conn.execute(
                    "INSERT INTO responses (workspace_id, survey_id, invite_id, score, answered_at, updated_at,"
                    " themes) VALUES (%s, %s, %s, 4, now(), now(), '[]')",
                    (ids["workspace"], survey, invite_id),
                )
                conn.execute("UPDATE invites SET answered_at = now() WHERE id = %s", (invite_id,))
                conn.commit()
            timings[enabled] = (time.perf_counter() - started) / 300 * 1000
        print(
            f"write cost per answer (invite + answer + answered_at, own transaction): "
            f"{timings[False]:.2f} ms without triggers, {timings[True]:.2f} ms with"
        )


HAND_SQL = """
WITH answers AS (
    SELECT date_trunc('week', r.answered_at AT TIME ZONE %(zone)s)::date AS week,
           COALESCE(NULLIF(i.agent_id, ''), NULLIF(i.agent_email, ''), NULLIF(i.agent_name, ''), '') AS agent,
           r.score, r.polarity, r.answered_at
    FROM responses r JOIN invites i ON i.id = r.invite_id
    WHERE r.workspace_id = %(ws)s AND r.survey_id = %(survey)s
      AND r.answered_at >= %(prev)s AND r.answered_at < %(until)s
)
SELECT 'series', week::text, score, count(*), avg(polarity) FROM answers WHERE answered_at >= %(since)s GROUP BY week, score
UNION ALL
SELECT 'group', agent, score, count(*), avg(polarity) FROM answers WHERE answered_at >= %(since)s GROUP BY agent, score
UNION ALL
SELECT 'previous', '', score, count(*), avg(polarity) FROM answers WHERE answered_at < %(since)s GROUP BY score
UNION ALL
SELECT 'delivered', date_trunc('week', sent_at AT TIME ZONE %(zone)s)::date::text, NULL, count(*), count(answered_at)
FROM invites WHERE workspace_id = %(ws)s AND survey_id = %(survey)s AND sent_at >= %(since)s AND sent_at < %(until)s
GROUP BY 2
"""


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm the cache and the plan once
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
    return statistics.median(samples), p99


def report(app, url: str, ids: dict, args) -> None:
    check_and_write_cost(url, ids)
    from zoneinfo import ZoneInfo

    paris = ZoneInfo(ZONE)
    until = datetime(2026, 11, 2, tzinfo=paris).astimezone(UTC)  # Monday midnight, Paris
    since = until - timedelta(days=91)
    since = datetime.combine(since.astimezone(paris).date(), datetime.min.time(), tzinfo=paris).astimezone(UTC)
    csat = ids["surveys"]["csat"]
    base = f"survey_id={csat}&since={since.isoformat()}&until={until.isoformat()}".replace("+", "%2B")
    queries = [
        ("90 d by week by agent (headline)", f"{base}&interval=week&group_by=agent"),
        ("90 d by day, no grouping", f"{base}&interval=day"),
        ("90 d by week by team, channel=chat", f"{base}&interval=week&group_by=team&channel=chat"),
        ("90 d by week by tag", f"{base}&interval=week&group_by=tag"),
        (
            "90 d by week by agent, 4 filters",
            f"{base}&interval=week&group_by=agent&channel=email&priority=high&segment=smb&team=team01",
        ),
        ("90 d by week by segment, tag + channel", f"{base}&interval=week&group_by=segment&tag=tag03&channel=chat"),
        ("90 d by week by agent, tz=America/New_York", f"{base}&interval=week&group_by=agent&tz=America/New_York"),
        (
            "365 d by month, all surveys, partial days",
            f"since={(until - timedelta(days=365, hours=5)).isoformat()}"
            f"&until={(until - timedelta(hours=3)).isoformat()}"
            f"&interval=month".replace("+", "%2B"),
        ),
    ]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {ids['key']}"}
    print(f"\n{'query':52} {'p50 ms':>8} {'p99 ms':>8}  source")
    results = {}
    for label, query in queries:

        def call(q=query):
            response = client.get(f"/api/v1/metrics?{q}", headers=headers)
            assert response.status_code == 200, response.json
            return response.json

        source = call()["source"]
        p50, p99 = timed(call, args.repeat)
        results[label] = p50
        print(f"{label:52} {p50:8.1f} {p99:8.1f}  {source}")

    params = {
        "zone": ZONE,
        "ws": ids["workspace"],
        "survey": csat,
        "since": since,
        "until": until,
        "prev": since - (until - since),
    }
    with psycopg.connect(url) as conn:

        def hand():
            conn.execute(HAND_SQL, params).fetchall()

        hand_p50, hand_p99 = timed(hand, max(5, args.repeat // 3))
    print(f"{'hand-written SQL over raw tables (headline)':52} {hand_p50:8.1f} {hand_p99:8.1f}  raw SQL")
    app.config["METRICS_ROLLUPS"] = False

    def raw_endpoint():
        assert client.get(f"/api/v1/metrics?{queries[0][1]}", headers=headers).status_code == 200

    raw_p50, raw_p99 = timed(raw_endpoint, max(5, args.repeat // 3))
    app.config["METRICS_ROLLUPS"] = True
    print(f"{'headline with rollups off (endpoint, raw path)':52} {raw_p50:8.1f} {raw_p99:8.1f}  raw")
    headline = results[queries[0][0]]
    print(f"\nratio hand-written raw SQL ÷ endpoint (headline, p50): {hand_p50 / headline:.1f}x")
    print(f"answers: {ids['answers']:,}; targets: headline p50 < 200 ms, every query < 1000 ms")


if __name__ == "__main__":
    main()
