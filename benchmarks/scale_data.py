"""The benchmarks' data set at scale, made by PostgreSQL itself: invites, answers (with comments,
sentiment labels, languages, mismatches and themes) and theme rows, then indexes and rollups.

Shared by metrics_scale.py, dashboard_pages.py and feed_scale.py, so one built database serves
all three. Why not COPY from Python, as before: at 10 M answers generating the text took most of
the 661 s the COPY step took (one process, ~50 µs per invite, on a 2-core machine where the
server parses the text on the other core). Here every value is a function of the row's id: a
hash of (id, seed, draw) is each row's "random" draw, so the invites and their answers are
written by two connections at once, each recomputing the draws it needs, and a rerun with the
same seed writes the same rows. Invites are numbered in time order (the sent times increase
with the id, with jitter inside each step), as a live service writes them: no CLUSTER needed.

The build runs as a restore would: triggers off (the rollups' and the foreign keys'; the rows are
consistent by construction), secondary indexes dropped and made after the load, the rollup
tables' keys too, so each rollup is written by its own rebuild function
(afterword_rollup_rebuild, afterword_rollup_hourly_rebuild: exactly what the triggers would have
kept) into a table with no index, the two at once. Each step is timed.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from datetime import timedelta

import psycopg

TAGS = [f"tag{i:02d}" for i in range(20)]
CHANNELS = (["email", "chat", "phone", "social"], [50, 30, 15, 5])
PRIORITIES = (["low", "normal", "high", "urgent"], [10, 60, 25, 5])
SEGMENTS = (["smb", "mid-market", "enterprise"], [60, 30, 10])
UNANSWERED_SHARE = 0.25  # one invite in four is delivered and never answered
# Comments, their sentiment label and language: dashboard_pages.py reads the labels and
# languages, feed_scale.py searches the text ('parcel').
COMMENTS = [
    ("Quick reply and a friendly agent, thank you!", "positive", "en"),
    ("Took ages to get a reply and the issue is still not fixed.", "negative", "en"),
    ("Fine, but I had to explain my problem twice.", "neutral", "en"),
    ("Réponse rapide, merci beaucoup.", "positive", "fr"),
    ("Viel zu lange Wartezeit.", "negative", "de"),
    ("Me cobraron dos veces.", "negative", "es"),
    ("My parcel arrived late and damaged.", "negative", "en"),
]
COMMENTED = 7  # answers whose id ends in 0..6 have a comment
THEMED_SHARE = 0.6  # answers with a first theme (of the commented ones, all but a few)
SECOND_THEME_SHARE = 0.2  # answers with a second one


class Draws:
    """Uniform draws in [0, 1) as SQL over the integer column `g`: a hash of (g, seed, draw number)."""

    def __init__(self, seed: int, column: str = "g") -> None:
        self.seed, self.column = seed, column

    def __call__(self, k: int) -> str:
        return f"((hashint8extended({self.column}, {self.seed * 64 + k}) & 2147483647)::float8 * {2.0**-31!r})"

    def expo(self, k: int, mean: float) -> str:
        return f"(-ln(1.0 - {self(k)}) * {mean!r})"


def _pick(u: str, values: list, weights: list) -> str:
    """A weighted choice by thresholds on the draw `u`, as a CASE."""
    total, running, whens = sum(weights), 0.0, []
    for value, weight in zip(values[:-1], weights[:-1]):
        running += weight / total
        whens.append(f"WHEN {u} < {running!r} THEN {_literal(value)}")
    return f"(CASE {' '.join(whens)} ELSE {_literal(values[-1])} END)"


def _literal(value) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def _tags_sql(u: str) -> str:
    """One of: no tags (2 in 42), one tag (20 in 42), two tags three apart (20 in 42): JSON text as
    Python's json.dumps writes it."""
    j = f"floor({u} * 42)::int"
    one = f"'[\"tag' || lpad(({j} - 2)::text, 2, '0') || '\"]'"
    two = f"'[\"tag' || lpad(({j} - 22)::text, 2, '0') || '\", \"tag' || lpad((({j} - 19) % 20)::text, 2, '0') || '\"]'"
    return f"(CASE WHEN {j} < 2 THEN '[]' WHEN {j} < 22 THEN {one} ELSE {two} END)::json"


def _base_sql(plan: dict, first: int, last: int) -> str:
    """Per invite id g in [first, last): what both the invite and its answer are made of.

    OFFSET 0 keeps it a subquery of its own, so each draw is computed once per row."""
    u = Draws(plan["seed"])
    kinds = plan["kinds"]  # (survey id, low, weights, share)
    agents = plan["agents"]
    span = plan["days"] * 86400
    step = span / plan["total"]
    kind = _pick(u(1), list(range(len(kinds))), [k[3] for k in kinds])
    # Agent i drawn with weight 1/(i + 10): the inverse of that (continuous) distribution function.
    agent = f"least({agents - 1}, floor(10 * exp({u(2)} * {math.log((agents + 10) / 10)!r}) - 10))::int"
    score_cases = " ".join(
        f"WHEN {i} THEN {low} + {_pick(u(3), list(range(len(weights))), weights)}"
        for i, (_, low, weights, _) in enumerate(kinds)
    )
    survey_cases = " ".join(f"WHEN {i} THEN {survey_id}" for i, (survey_id, _, _, _) in enumerate(kinds))
    return f"""
        SELECT g, kind, agent, sent, sent - {u.expo(4, 30 * 3600.0)} * interval '1 second' AS created,
            CASE WHEN {u(5)} >= {UNANSWERED_SHARE} THEN sent + {u.expo(6, 6 * 3600.0)} * interval '1 second' END
                AS answered,
            CASE kind {survey_cases} END AS survey_id,
            CASE kind {score_cases} END AS score
        FROM (
            SELECT g, {kind} AS kind, {agent} AS agent,
                to_timestamp({plan["start"]!r} + (g - 1 + {u(7)}) * {step!r}) AS sent
            FROM generate_series({first}, {last - 1}) AS g
        ) AS drawn
        OFFSET 0"""


def _invites_sql(plan: dict, first: int, last: int) -> str:
    u = Draws(plan["seed"])
    return f"""
        INSERT INTO invites (id, workspace_id, survey_id, token, status, locale, customer_email,
            customer_segment, ticket_id, agent_id, agent_name, team, channel, priority, tags,
            ticket_created_at, first_response_at, solved_at, reopens, handle_seconds, created_at,
            due_at, sent_at, answered_at)
        SELECT g, {plan["ws_id"]}, survey_id, 'bench' || g, 'sent', 'en', 'c' || g || '@example.com',
            {_pick(u(10), *SEGMENTS)}, 'T-' || g, 'agent' || lpad(agent::text, 3, '0'),
            'Agent' || lpad(agent::text, 3, '0'), 'team' || lpad((agent % 12)::text, 2, '0'),
            {_pick(u(11), *CHANNELS)}, {_pick(u(12), *PRIORITIES)}, {_tags_sql(u(13))},
            created, created + {u.expo(14, 90 * 60.0)} * interval '1 second', sent - interval '300 seconds',
            ({u(15)} < 0.12)::int, floor({u.expo(16, 600.0)})::int, sent, sent, sent, answered
        FROM ({_base_sql(plan, first, last)}) AS b"""


def _responses_sql(plan: dict, first: int, last: int, theme_keys: list[str]) -> str:
    """The answers of the answered invites in [first, last) (an answer's id is its invite's), with
    a comment for ids ending in 0..6, its label and language, a mismatch for one in fifty, and up
    to two themes (skewed towards the catalogue's first keys, as real themes are) whose polarity
    follows the score."""
    u = Draws(plan["seed"])
    n, keys = len(COMMENTS), len(theme_keys)
    texts, labels, languages = ("ARRAY[" + ", ".join(_literal(c[i]) for c in COMMENTS) + "]::text[]" for i in range(3))
    key_array = "(ARRAY[" + ", ".join(_literal(k) for k in theme_keys) + "]::text[])"
    commented = f"g % 10 < {COMMENTED}"
    themed = f"{commented} AND {u(20)} < {THEMED_SHARE / (COMMENTED / 10)!r}"
    first_theme = f"CASE WHEN {themed} THEN {key_array}[1 + floor(power({u(21)}, 2) * {keys})::int] END"
    # A second theme only beside a first (it may draw the same key: then there is one).
    second = f"{key_array}[1 + (floor(power({u(23)}, 2) * {keys})::int + 7) % {keys}]"
    second_theme = f"CASE WHEN {themed} AND {u(22)} < {SECOND_THEME_SHARE / THEMED_SHARE!r} THEN {second} END"
    return f"""
        INSERT INTO responses (id, workspace_id, survey_id, invite_id, score, answered_at, updated_at,
            polarity, comment, sentiment_label, language, mismatch_reason, analysis_version, analyzed_at,
            themes, theme_sentiment)
        SELECT g, {plan["ws_id"]}, survey_id, g, score, answered, answered, polarity,
            CASE WHEN {commented} THEN ({texts})[1 + (g / 10) % {n}] END,
            CASE WHEN {commented} THEN ({labels})[1 + (g / 10) % {n}] END,
            CASE WHEN {commented} THEN ({languages})[1 + (g / 10) % {n}] END,
            CASE WHEN g % 50 = 0 THEN 'score and tone disagree (generated)' END,
            CASE WHEN {commented} THEN 3 END, CASE WHEN {commented} THEN answered END,
            COALESCE(to_json(array_remove(ARRAY[t1, NULLIF(t2, t1)], NULL)), '[]'::json),
            CASE WHEN t2 IS NOT NULL AND t2 <> t1 THEN json_build_object(t1, tone, t2, tone)
                 WHEN t1 IS NOT NULL THEN json_build_object(t1, tone) END
        FROM (
            SELECT b.*, CASE WHEN {u(24)} < 0.7 THEN round(({u(25)} * 2 - 1)::numeric, 3)::float8 END AS polarity,
                {first_theme} AS t1, {second_theme} AS t2,
                CASE WHEN b.score >= 4 THEN 0.5 ELSE -0.5 END AS tone
            FROM ({_base_sql(plan, first, last)}) AS b
            WHERE answered IS NOT NULL
            OFFSET 0
        ) AS a"""


_THEME_ROWS_SQL = """
    INSERT INTO response_themes (response_id, theme, polarity)
    SELECT r.id, t.value, CASE WHEN r.score >= 4 THEN 0.5 ELSE -0.5 END
    FROM responses r, json_array_elements_text(r.themes) AS t(value)
    WHERE r.workspace_id = %s AND r.id >= %s AND r.id < %s AND r.theme_sentiment IS NOT NULL"""


def ranged_rebuild_sql(bucket) -> str:
    """The rollup's rebuild function (app/models/rollup_sql.py, as migration 0018 left it) for the
    facts of [p_from, p_until) only, as a function of this session (pg_temp), writing into a table
    the caller has emptied.

    Why: one rebuild of 10 M answers is one process on one core, and its grouping sets (17 for
    the daily rollup) hold tens of millions of groups, which spill to disk; pieces of a few months
    run side by side and fit in memory. Every grouping key includes the bucket (local day or UTC
    hour), so when the pieces are cut at local midnights (whole hours too) no row spans two
    pieces and their union is exactly the function's result."""
    from app.models.rollup_sql import _rebuild_sql

    sql = _rebuild_sql(bucket)
    name = f"{bucket.prefix}_rebuild(p_workspace integer)"
    changes = [
        (
            f"CREATE OR REPLACE FUNCTION {name}",
            "CREATE OR REPLACE FUNCTION pg_temp.bench_rebuild_"
            f"{bucket.column}(p_workspace integer, p_from timestamptz, p_until timestamptz)",
        ),
        (f"    DELETE FROM {bucket.table} WHERE workspace_id = p_workspace;\n", ""),
        (
            "WHERE r.workspace_id = p_workspace",
            "WHERE r.workspace_id = p_workspace AND r.answered_at >= p_from AND r.answered_at < p_until",
        ),
        (
            "WHERE i.workspace_id = p_workspace AND i.sent_at IS NOT NULL",
            "WHERE i.workspace_id = p_workspace AND i.sent_at >= p_from AND i.sent_at < p_until",
        ),
    ]
    for old, new in changes:
        assert sql.count(old) == 1, old
        sql = sql.replace(old, new)
    return sql


def rebuild_pieces(plan: dict, zone: str, pieces: int) -> list[tuple]:
    """[from, until) cuts at local midnights of `zone` (whole UTC hours too), covering everything."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    start = datetime.fromtimestamp(plan["start"], UTC)
    days = plan["days"] + 2
    cuts = [
        datetime.combine(
            (start + timedelta(days=days * k / pieces)).astimezone(tz).date(), datetime.min.time(), tzinfo=tz
        )
        for k in range(1, pieces)
    ]
    bounds = [datetime(1900, 1, 1, tzinfo=UTC), *cuts, datetime(2200, 1, 1, tzinfo=UTC)]
    return list(zip(bounds, bounds[1:]))


class Parallel:
    """Two connections, each with the bulk-load settings, running statements from one queue."""

    def __init__(self, url: str, connections: int = 2) -> None:
        self.conns = [psycopg.connect(url, autocommit=True) for _ in range(connections)]
        for conn in self.conns:
            # Nothing here needs to survive a crash (a failed build is dropped and made again);
            # memory for the sorts of the index builds and the rollups' grouping sets.
            conn.execute("SET synchronous_commit = off")
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")  # the two connections use both cores
            conn.execute("SET work_mem = '1GB'")
            conn.execute("SET temp_buffers = '1GB'")
            conn.execute("SET jit = off")

    def run(self, jobs: list[tuple], label: str, progress: bool = False) -> float:
        """Runs every (sql, params) of `jobs` on whichever connection is free; returns the seconds taken."""
        queue, lock, errors = list(jobs), threading.Lock(), []
        started, done = time.perf_counter(), [0]

        def worker(conn):
            while True:
                with lock:
                    if not queue or errors:
                        return
                    sql, params = queue.pop(0)
                try:
                    conn.execute(sql, params)
                except Exception as exc:  # surfaced below, in the main thread
                    errors.append(exc)
                    return
                with lock:
                    done[0] += 1
                    if progress:
                        print(f"  {label}: {done[0]}/{len(jobs)} in {time.perf_counter() - started:.0f} s", flush=True)

        cpu_before = self.cpu_seconds()
        threads = [threading.Thread(target=worker, args=(conn,)) for conn in self.conns]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        seconds = time.perf_counter() - started
        cpu = [after - before for before, after in zip(cpu_before, self.cpu_seconds())]
        CPU[label] = cpu
        print(f"{label}: {seconds:.0f} s (server CPU {' + '.join(f'{c:.0f}' for c in cpu)} s)", flush=True)
        return seconds

    def cpu_seconds(self) -> list[float]:
        """CPU seconds each connection's server process has used (user + system), read from
        /proc (the server runs on this machine): on a shared machine the wall clock says more
        about the other jobs than about the build."""
        out = []
        for conn in self.conns:
            try:
                with open(f"/proc/{conn.info.backend_pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                out.append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
            except OSError:
                out.append(0.0)
        return out

    def close(self) -> None:
        for conn in self.conns:
            conn.close()


CPU: dict[str, list[float]] = {}  # each step's server CPU seconds per connection, of the last build
_TABLES = ("invites", "responses", "response_themes")
_ROLLUPS = ("metric_rollups", "metric_rollups_hourly")


def rebuild_rollups(url: str, plan: dict, pieces: int, connections: int) -> float:
    """Both rollups by the rebuild functions' own SQL, in pieces of local days run side by side
    (see ranged_rebuild_sql); the tables are empty (or emptied here)."""
    from app.models.rollup_sql import DAILY, HOURLY

    pool = Parallel(url, connections)
    try:
        zone = pool.conns[0].execute("SELECT timezone FROM workspaces WHERE id = %s", (plan["ws_id"],)).fetchone()[0]
        for conn in pool.conns:
            conn.execute("SET work_mem = '512MB'")
            for bucket in (DAILY, HOURLY):
                conn.execute(ranged_rebuild_sql(bucket))
        for table in _ROLLUPS:
            pool.conns[0].execute(f"DELETE FROM {table} WHERE workspace_id = %s", (plan["ws_id"],))
        jobs = [
            (f"SELECT pg_temp.bench_rebuild_{column}(%s, %s, %s)", (plan["ws_id"], start, end))
            for start, end in rebuild_pieces(plan, zone, pieces)
            for column in ("day", "hour")
        ]
        return pool.run(jobs, f"rollup rebuilds ({pieces} pieces each, {connections} connections)", progress=True)
    finally:
        pool.close()


def build(
    url: str,
    plan: dict,
    theme_keys: list[str],
    chunk: int = 1_000_000,
    rollup_pieces: int = 12,
    rollup_connections: int = 4,
) -> dict:
    """Loads the rows of `plan` into the (migrated, empty) database at `url`; returns the timings.

    plan: ws_id, kinds [(survey id, lowest score, score weights, share)], agents, days, seed,
    total (invites), start (epoch seconds of the first)."""
    timings: dict[str, float] = {}
    total = plan["total"]
    with psycopg.connect(url, autocommit=True) as conn:
        for table in _TABLES:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        # Secondary indexes are built once after the load rather than row by row; the rollup
        # tables' keys likewise (each rebuild writes every row of its table once, conflict-free).
        indexes = conn.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " AND indexname NOT LIKE 'pk_%%' AND indexname NOT LIKE 'uq_%%'",
            (list(_TABLES),),
        ).fetchall()
        for _, index_name, _ in indexes:
            conn.execute(f'DROP INDEX "{index_name}"')
        # Unique constraints too (a token's or a ticket's text is inserted in no useful order, so
        # keeping them meant random B-tree writes), and the rollups' keys; the primary keys of
        # the raw tables stay (foreign keys point at them, and ids arrive in order).
        keys = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE (conrelid = ANY(%s::regclass[]) AND contype = 'u') OR (conrelid = ANY(%s::regclass[]) AND contype = 'p')",
            (list(_TABLES), list(_ROLLUPS)),
        ).fetchall()
        for table, name, _ in keys:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        unique = [(t, n, d) for t, n, d in keys if t in _TABLES]
        keys = [(t, n, d) for t, n, d in keys if t in _ROLLUPS]
    pool = Parallel(url)
    try:
        pieces = [(first, min(first + chunk, total + 1)) for first in range(1, total + 1, chunk)]
        # Invites and answers of the same ids at once: each recomputes the draws it needs.
        jobs = []
        for first, last in pieces:
            jobs.append((_invites_sql(plan, first, last), None))
            jobs.append((_responses_sql(plan, first, last, theme_keys), None))
        timings["rows"] = pool.run(jobs, "invites + answers", progress=True)
        timings["themes"] = pool.run(
            [(_THEME_ROWS_SQL, (plan["ws_id"], first, last)) for first, last in pieces], "theme rows"
        )
        # The biggest index first, so the two connections finish together.
        by_size = sorted(indexes, key=lambda row: _TABLES.index(row[0]))
        timings["indexes"] = pool.run(
            [(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}', None) for table, name, definition in unique]
            + [(definition, None) for _, _, definition in by_size],
            "indexes",
        )
        with pool.conns[0].transaction():
            for table in _TABLES:
                pool.conns[0].execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                pool.conns[0].execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        timings["analyze"] = pool.run([(f"ANALYZE {table}", None) for table in _TABLES], "analyze")
    finally:
        pool.close()
    timings["rollups"] = rebuild_rollups(url, plan, rollup_pieces, rollup_connections)
    pool = Parallel(url)
    try:
        # The themes' and drivers' rollups (migration 0017), as its backfill makes them: their
        # triggers were off with the others during the load.
        from app.models.driver_rollup_sql import DRIVER_BACKFILL_SQL
        from app.models.theme_rollup_sql import THEME_BACKFILL_SQL

        timings["report rollups"] = pool.run(
            [(THEME_BACKFILL_SQL, None), (DRIVER_BACKFILL_SQL, None)], "report rollups"
        )
        timings["rollup keys"] = pool.run(
            [(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}', None) for table, name, definition in keys],
            "rollup keys",
        )
        # No CLUSTER: each piece writes its rows grain by grain (the grouping sets come out one
        # after another), so the rows of one grain over a few months already lie together. (One
        # rebuild of the whole history wrote them scattered: 25,000 rows of 90 days by agent lay
        # on ~2,800 pages at 1 M answers, ~840 after a CLUSTER; the query went from ~300 to ~50 ms.)
        # Visibility maps for index-only scans, statistics for the planner.
        timings["vacuum"] = pool.run(
            [(f"VACUUM ANALYZE {table}", None) for table in ("invites", *_ROLLUPS, "responses", "response_themes")],
            "vacuum",
        )
    finally:
        pool.close()
    return timings


def plan_for(ws_id: int, kinds: list, args, end) -> dict:
    """The generation plan of a run's arguments; `end` is the first instant after the history."""
    total = int(args.rows / (1 - UNANSWERED_SHARE))
    return {
        "ws_id": ws_id,
        "kinds": kinds,
        "agents": args.agents,
        "days": args.days,
        "seed": args.seed,
        "total": total,
        "start": (end - timedelta(days=args.days)).timestamp(),
    }


def describe(plan: dict) -> str:
    return json.dumps({k: v for k, v in plan.items() if k != "kinds"})
