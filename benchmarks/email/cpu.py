"""CPU per invite email in one process: `send_invites` against a raw smtplib loop, same sink.

    .venv/bin/python benchmarks/email/cpu.py [--batch 100] [--batches 5] [--rounds 10] [--profile FILE]

`run.py`'s figure is wall time with the sink, PostgreSQL, Redis and Celery sharing the cores;
this one is the worker's own part of it, read with `time.process_time` (every thread of this
process, so the outcome thread's writes count): `send_invites(ids, wait=True)` in batches of
--batch due invites (the worker's batch size), against the same smtplib loop as `run.py` sending
the same number of prepared messages on one held connection. Rounds alternate the two and print
each round's own ratio of CPU per email; the median is the figure. --profile writes a cProfile
of our side's rounds (read it with `python -m pstats`).
"""

from __future__ import annotations

import argparse
import cProfile
import email.policy
import os
import smtplib
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common import REDIS_URL, free_port, invite_row, scratch_database, stop, wait_port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--batches", type=int, default=5, help="per round")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--profile", help="write a cProfile of our side to this file")
    args = parser.parse_args()

    smtp_port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(smtp_port)
        with scratch_database() as url:
            os.environ.update(
                {
                    "DATABASE_URL": url,
                    "REDIS_URL": REDIS_URL,
                    "SECRET_KEY": "bench-secret",
                    "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
                    "AFTERWORD_INSTANCE": str(Path("/tmp") / f"afterword-cpu-{uuid.uuid4().hex[:8]}"),
                    "PUBLIC_URL": "https://surveys.example.com",
                }
            )
            from flask_migrate import upgrade
            from sqlalchemy import insert

            from app import create_app
            from app.extensions import db
            from app.models import Invite
            from app.models.types import utcnow
            from app.platform.mail import close_connection
            from app.services.sending.invite_email import build_invite_email
            from app.services.sending.send import send_invites
            from tests.support.factories import Factory

            app = create_app()
            with app.app_context():
                upgrade()
                make = Factory()
                survey = make.survey(make.workspace("Bench"), "csat", send_delay_minutes=60)
                serial = iter(range(10**9))

                def due_invites(n: int) -> list[int]:
                    now = utcnow()
                    rows = []
                    for _ in range(n):
                        rows.append(invite_row(survey, next(serial), now))
                    ids = list(db.session.scalars(insert(Invite).returning(Invite.id), rows))
                    db.session.commit()
                    return ids

                sample = db.session.get(Invite, due_invites(1)[0])
                raw_bytes = build_invite_email(sample, survey, make.workspace("Bench 2").row).as_bytes(
                    policy=email.policy.SMTP
                )
                db.session.commit()
                profiler = cProfile.Profile(time.process_time) if args.profile else None

                def raw_loop(batches: list[list[int]]) -> float:
                    started = time.process_time()
                    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
                        for batch in batches:
                            for i in batch:
                                smtp.sendmail("surveys@afterword.localhost", [f"c{i}@example.com"], raw_bytes)
                    return time.process_time() - started

                def ours(batches: list[list[int]], profile: bool) -> float:
                    close_connection()  # one connect per round, as the raw loop
                    started = time.process_time()
                    if profile and profiler:
                        profiler.enable()
                    for batch in batches:
                        outcomes = send_invites(batch, wait=True)
                        assert len(outcomes) == len(batch), outcomes
                    if profile and profiler:
                        profiler.disable()
                    return time.process_time() - started

                def batches() -> list[list[int]]:
                    return [due_invites(args.batch) for _ in range(args.batches)]

                n = args.batch * args.batches
                raw_loop(batches())
                ours(batches(), False)  # warm-up: imports, templates, catalogues, connections
                raw_ms, our_ms, ratios = [], [], []
                for _ in range(args.rounds):
                    work = batches()
                    raw = raw_loop(work) / n * 1000
                    work = batches()
                    mine = ours(work, True) / n * 1000
                    raw_ms.append(raw)
                    our_ms.append(mine)
                    ratios.append(raw / mine)
                    print(
                        f"  round: raw {raw:.3f} ms, ours {mine:.3f} ms per email, ratio {raw / mine:.0%}", flush=True
                    )
                db.session.remove()
                db.engine.dispose()
                if profiler:
                    profiler.dump_stats(args.profile)
    finally:
        stop(sink)

    print(
        f"{args.rounds} rounds of {args.batches} batches of {args.batch} invite emails, CPU of this process "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    print(f"  raw smtplib loop   {statistics.median(raw_ms):.3f} ms per email ({min(raw_ms):.3f}-{max(raw_ms):.3f})")
    print(f"  send_invites       {statistics.median(our_ms):.3f} ms per email ({min(our_ms):.3f}-{max(our_ms):.3f})")
    print(
        f"  ratio within each round: {[f'{r:.0%}' for r in ratios]}, median {statistics.median(ratios):.0%} "
        f"(spread {min(ratios):.0%}-{max(ratios):.0%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
