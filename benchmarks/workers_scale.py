"""Scale-out of the workers: one Celery worker process against two, on one PostgreSQL and one Redis.

    .venv/bin/python benchmarks/workers_scale.py [--invites 2000] [--answers 2000] [--rounds 3]

Each round hands the workers the same mixed backlog, queued at once: --invites due invites as
the sweep hands them out (afterword.send_invite_batch tasks of 100 ids, sent over loopback to an
aiosmtpd sink per worker, in processes of their own; --shared-sink gives both workers one) and
--answers comments to analyse as a workspace's re-analysis fans them out (afterword.analyze_batch
tasks of 200, with the rollup triggers). A round is timed from the first publish until the last
invite's recorded `sent_at` and until no answer is left unanalysed (polled every 50 ms:
`analyzed_at` records the version of the text, not the clock).

The two workers are real `celery worker -P solo` processes, started once and warmed up (imports,
templates, catalogues, the SMTP connection) on a queue of their own before any round. The first
always consumes the shared queue; the second is told to consume it too (Celery's remote control,
add_consumer) for the rounds with two and to stop (cancel_consumer) for the rounds with one, so
a round with two pays no start-up. Rounds alternate 1, 2, 1, 2...; each pair gives its own gain
(its two-worker rate over its one-worker rate) and the figure is their median, with the spread.
The CPU seconds each worker process, the PostgreSQL backends serving the database and the sink
spent per round are read from /proc (everything runs on this host), so the work per item can be
compared between the two set-ups and with the wall time: on a shared machine the gain is bounded
by the cores the other processes leave. Never run from the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks.common import BIN, REDIS_URL, ROOT, free_port, invite_row, scratch_database, stop, wait_port

ANALYSIS_BATCH = 200  # app.services.answers.analysis.BATCH_SIZE, what reanalyze_workspace fans out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invites", type=int, default=2000, help="due invites per round")
    parser.add_argument("--answers", type=int, default=2000, help="answers to analyse per round")
    parser.add_argument("--rounds", type=int, default=3, help="pairs of rounds (one worker, then two)")
    parser.add_argument("--max-seconds", type=float, default=300, help="per round")
    parser.add_argument("--shared-sink", dest="sink_per_worker", action="store_false", help="one sink for both workers")
    args = parser.parse_args()

    # One sink per worker (its own port), as a relay that serves every worker alike: a single
    # aiosmtpd process spends about as much CPU per email as the worker sending it, and on a busy
    # machine it, not the workers, set the rate of a shared one (measured: 0.69x with two workers).
    smtp_ports = [free_port() for _ in range(2 if args.sink_per_worker else 1)]
    sinks = [
        subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in smtp_ports
    ]
    queue = f"afterword-bench-{uuid.uuid4().hex[:8]}"
    instance = Path("/tmp") / queue
    instance.mkdir(parents=True, exist_ok=True)
    workers: list[subprocess.Popen] = []
    results: list[dict] = []
    try:
        for port in smtp_ports:
            wait_port(port)
        with scratch_database() as url:
            env = {
                "DATABASE_URL": url,
                "REDIS_URL": REDIS_URL,
                "SECRET_KEY": "bench-secret",
                "CELERY_DEFAULT_QUEUE": queue,
                "SMTP_URL": f"smtp://127.0.0.1:{smtp_ports[0]}",
                "AFTERWORD_INSTANCE": str(instance),
                "PUBLIC_URL": "https://surveys.example.com",
            }
            os.environ.update(env)
            results = run_rounds(args, env, queue, instance, workers, [sink.pid for sink in sinks], smtp_ports)
    finally:
        for process in [*workers, *sinks]:
            stop(process)
        import redis

        redis.Redis.from_url(REDIS_URL).delete(queue, f"{queue}-w1", f"{queue}-w2")
    report(args, results)
    return 0


def run_rounds(args, env: dict, queue: str, instance: Path, workers: list, sink_pids: list, ports: list) -> list[dict]:
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select, text, update

    from app import create_app
    from app.extensions import db
    from app.models import Invite, Response
    from app.models.types import utcnow
    from app.platform.queue import ANALYZE_BATCH, SEND_INVITE_BATCH
    from benchmarks.analysis_throughput import DEFAULT_DATA, load_texts
    from tests.support.factories import Factory
    from workers.tasks.sending import BATCH_SIZE

    app = create_app()
    celery = app.extensions["celery"]
    ctx = app.app_context()
    ctx.push()
    upgrade()
    make = Factory()
    survey = make.survey(make.workspace("Bench"), "csat", send_delay_minutes=60)
    serial = iter(range(10**9))

    def row(status: str, now) -> dict:
        return invite_row(survey, next(serial), now, status)

    def due_invites(n: int) -> list[int]:
        now = utcnow()
        ids = db.session.scalars(insert(Invite).returning(Invite.id), [row("scheduled", now) for _ in range(n)])
        ids = list(ids)
        db.session.commit()
        return ids

    # The answers analysed in every round: the benchmark's comments, stored once, made stale again
    # before each round (as a new analysis version or a catalogue change does).
    texts = (load_texts(DEFAULT_DATA) * (1 + args.answers // 1000))[: args.answers]
    now = utcnow()
    invite_ids = list(db.session.scalars(insert(Invite).returning(Invite.id), [row("sent", now) for _ in texts]))
    answer_ids = list(
        db.session.scalars(
            insert(Response).returning(Response.id),
            [
                {
                    "workspace_id": survey.workspace_id,
                    "survey_id": survey.id,
                    "invite_id": invite_id,
                    "score": 1 + i % 5,
                    "comment": text,
                    "answered_at": now,
                    "updated_at": now,
                    "themes": [],
                }
                for i, (invite_id, text) in enumerate(zip(invite_ids, texts))
            ],
        )
    )
    db.session.commit()

    def make_stale(ids: list[int]) -> None:
        db.session.execute(update(Response).where(Response.id.in_(ids)).values(analysis_version=None))
        db.session.commit()

    def server_cpu() -> dict[int, float]:
        """CPU seconds so far of each PostgreSQL backend serving this database (the same host)."""
        pids = db.session.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        ).all()
        db.session.commit()
        out = {}
        for pid in pids:
            with contextlib.suppress(FileNotFoundError):  # a connection closed meanwhile
                out[pid] = cpu_seconds(pid)
        return out

    def publish(invites: list[int], answers: list[int], to: str) -> None:
        """The round's tasks, sends and analyses alternated, as a busy queue holds both."""
        sends = [invites[i : i + BATCH_SIZE] for i in range(0, len(invites), BATCH_SIZE)]
        analyses = [answers[i : i + ANALYSIS_BATCH] for i in range(0, len(answers), ANALYSIS_BATCH)]
        for n in range(max(len(sends), len(analyses))):
            if n < len(sends):
                celery.send_task(SEND_INVITE_BATCH, args=[sends[n]], queue=to)
            if n < len(analyses):
                celery.send_task(ANALYZE_BATCH, args=[analyses[n]], queue=to)

    def wait_done(invites: list[int], answers: list[int], started: float, started_at, deadline: float):
        """Seconds from the first publish to the last send (its recorded sent_at) and to the last
        analysis (polled every 50 ms: analyzed_at records the text's version, not the clock)."""
        unsent = stale = None
        analysed = None
        while time.monotonic() < deadline:
            time.sleep(0.05)
            unsent = db.session.scalar(
                select(func.count()).where(Invite.id.in_(invites), Invite.status.in_(("scheduled", "sending")))
            )
            stale = db.session.scalar(
                select(func.count()).where(Response.id.in_(answers), Response.analysis_version.is_(None))
            )
            db.session.commit()
            if stale == 0 and analysed is None:
                analysed = time.perf_counter() - started
            if unsent == 0 and stale == 0:
                break
        else:
            raise RuntimeError(f"round not done in {args.max_seconds} s (unsent {unsent}, unanalysed {stale})")
        last_sent = db.session.scalar(select(func.max(Invite.sent_at)).where(Invite.id.in_(invites)))
        failed = db.session.scalar(select(func.count()).where(Invite.id.in_(invites), Invite.status != "sent"))
        db.session.commit()
        if failed:
            raise RuntimeError(f"{failed} invites not sent: see {instance}")
        return (last_sent - started_at).total_seconds(), analysed

    for n in (1, 2):
        own = f"{queue}-w{n}"
        log = (instance / f"worker{n}.log").open("wb")
        command = [str(BIN / "celery"), "-A", "workers", "worker", "-P", "solo", "-n", f"w{n}-{queue}@localhost"]
        command += ["-Q", f"{queue},{own}" if n == 1 else own, "--without-mingle", "--without-gossip", "-l", "info"]
        relay = {"SMTP_URL": f"smtp://127.0.0.1:{ports[(n - 1) % len(ports)]}"}
        workers.append(subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env, **relay}, stdout=log, stderr=log))
    names = [f"w{n}-{queue}@localhost" for n in (1, 2)]
    deadline = time.monotonic() + 300  # imports take a while on a busy machine
    while len(celery.control.ping(destination=names, timeout=1.0)) < 2:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the workers did not answer a ping: see {instance}")
    # Warm-up, not counted: each worker sends and analyses on its own queue, every answer once
    # between them. A comment's first analysis also adds the phrases it discovers to the
    # workspace's theme catalogue (an upsert per phrase, measured at 10-20 s a batch on the busy
    # machine); the rounds then time the steady state, where every phrase is known.
    half = len(answer_ids) // 2
    for n in (1, 2):
        warm = answer_ids[:half] if n == 1 else answer_ids[half:]
        make_stale(warm)
        invites = due_invites(BATCH_SIZE)
        started, started_at = time.perf_counter(), utcnow()
        publish(invites, warm, f"{queue}-w{n}")
        wait_done(invites, warm, started, started_at, time.monotonic() + args.max_seconds)

    results = []
    for _ in range(args.rounds):
        for count in (1, 2):
            if count == 2:
                assert celery.control.add_consumer(queue, destination=[names[1]], reply=True), "add_consumer"
            make_stale(answer_ids)
            invites = due_invites(args.invites)
            before = [cpu_seconds(w.pid) for w in workers]
            server_before, sink_before = server_cpu(), sum(map(cpu_seconds, sink_pids))
            load = os.getloadavg()[0]
            started, started_at = time.perf_counter(), utcnow()
            publish(invites, answer_ids, queue)
            sending, analysing = wait_done(
                invites, answer_ids, started, started_at, time.monotonic() + args.max_seconds
            )
            cpu = [cpu_seconds(w.pid) - b for w, b in zip(workers, before)]
            server_after = server_cpu()
            server = sum(t - server_before.get(pid, 0.0) for pid, t in server_after.items())
            sink = sum(map(cpu_seconds, sink_pids)) - sink_before
            if count == 2:
                assert celery.control.cancel_consumer(queue, destination=[names[1]], reply=True), "cancel_consumer"
            elapsed = max(sending, analysing)
            results.append(
                {
                    "workers": count,
                    "emails/s": args.invites / sending,
                    "analyses/s": args.answers / analysing,
                    "tasks/s": (args.invites + args.answers) / elapsed,
                    "elapsed": elapsed,
                    "cpu": cpu,
                    "server": server,
                    "sink": sink,
                    "load": load,
                }
            )
            r = results[-1]
            print(
                f"round {len(results):2d}: {count} worker(s)  {r['tasks/s']:7.1f} items/s in {elapsed:5.1f} s"
                f"  (emails {r['emails/s']:6.1f}/s, analyses {r['analyses/s']:6.1f}/s)"
                f"  CPU s: workers {' + '.join(f'{c:.1f}' for c in cpu)}, PostgreSQL {server:.1f}, sink {sink:.1f}"
                f"  load {load:.1f}",
                flush=True,
            )
    db.session.remove()
    db.engine.dispose()
    ctx.pop()
    return results


def report(args, results: list[dict]) -> None:
    if not results:
        return
    ones = [r for r in results if r["workers"] == 1]
    twos = [r for r in results if r["workers"] == 2]
    sink = "an aiosmtpd sink per worker" if args.sink_per_worker else "one aiosmtpd sink"
    print(
        f"\n{args.rounds} pairs of rounds; each round {args.invites} invite emails (tasks of 100) to {sink}"
        f" and {args.answers} comments analysed (tasks of {ANALYSIS_BATCH}), queued together"
    )
    for key in ("tasks/s", "emails/s", "analyses/s"):
        one, two = [r[key] for r in ones], [r[key] for r in twos]
        gains = [b / a for a, b in zip(one, two)]
        print(
            f"  {key:11} 1 worker {statistics.median(one):7.1f}  2 workers {statistics.median(two):7.1f}"
            f"  gain per pair {' '.join(f'{g:.2f}' for g in gains)}: median {statistics.median(gains):.2f}x"
        )
    items = args.invites + args.answers
    for label, rounds in (("1 worker", ones), ("2 workers", twos)):
        worker = statistics.median(sum(r["cpu"]) / items * 1000 for r in rounds)
        server = statistics.median(r["server"] / items * 1000 for r in rounds)
        sink = statistics.median(r["sink"] / items * 1000 for r in rounds)
        wall = statistics.median(r["elapsed"] / items * 1000 for r in rounds)
        print(
            f"  per email or analysis, {label}: CPU ms: workers {worker:.2f}, PostgreSQL {server:.2f},"
            f" sink {sink:.2f}; wall {wall:.2f} ms"
        )
    loads = [r["load"] for r in results]
    print(f"  load average (1 min) during the rounds: {min(loads):.1f}-{max(loads):.1f}, {os.cpu_count()} cores")


if __name__ == "__main__":
    sys.exit(main())
