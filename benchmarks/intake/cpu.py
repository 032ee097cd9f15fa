"""In-process CPU per webhook: our WSGI app against the bare endpoint's, called directly.

    .venv/bin/python benchmarks/intake/cpu.py [--rounds 15] [--per-round 200] [--profile out.prof]

No gunicorn, no HTTP: each request is a WSGI environ handed to the app's `wsgi_app`, so what is
measured is the process's own CPU (`time.process_time`, the publisher thread included) per
request, on a scratch Postgres database. Rounds alternate the two apps; prints each side's
minimum and median, and the median of the per-round ratios of CPU per request (bare / ours:
the share of the bare endpoint's rate one core would reach).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common import REDIS_URL, intake_world, scratch_database


def environ(path: str, body: bytes, headers: dict[str, str]) -> dict:
    env = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "python-http.client",
        "HTTP_ACCEPT_ENCODING": "identity",
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        env[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    env["_body"] = body
    return env


def call(app, env: dict) -> str:
    env = dict(env)
    env["wsgi.input"] = io.BytesIO(env.pop("_body"))
    status = []
    chunks = app(env, lambda s, h, exc_info=None: status.append(s))
    try:
        for _ in chunks:
            pass
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    return status[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--profile", help="write a cProfile of our side's timed rounds here")
    args = parser.parse_args()

    from app.integrations.generic import sign

    queue = f"afterword-bench-{uuid.uuid4().hex[:8]}"
    with scratch_database() as url:
        app, secret, hook_id = intake_world(url, queue)
        from app.extensions import db

        sys.path.insert(0, str(Path(__file__).parent))
        import bare

        stamp = int(time.time())
        total = args.per_round * (args.rounds + 1)
        ours, plain = [], []
        for i in range(total):
            body = json.dumps(
                {
                    "customer": {"email": f"c{i}@example.com", "name": f"Customer {i}"},
                    "ticket": {
                        "id": f"T-{i}",
                        "agent": {"id": "7", "name": "Sam"},
                        "channel": "email",
                        "tags": ["billing"],
                        "solved_at": "2026-11-21T09:00:00Z",
                    },
                }
            ).encode()
            headers = {
                "Content-Type": "application/json",
                "webhook-id": f"msg_{i}",
                "webhook-timestamp": str(stamp),
                "webhook-signature": sign(secret, f"msg_{i}", stamp, body),
            }
            ours.append(environ(f"/hooks/{hook_id}", body, headers))
            plain.append(environ("/bare", body, {"Content-Type": "application/json"}))

        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
        cpu = {"bare": [], "ours": []}
        for r in range(args.rounds + 1):  # round 0 warms both up and is not counted
            chunk = slice(r * args.per_round, (r + 1) * args.per_round)
            for name, wsgi, envs in (("bare", bare.app, plain[chunk]), ("ours", app, ours[chunk])):
                if profiler and name == "ours" and r:
                    profiler.enable()
                started = time.process_time()
                for e in envs:
                    status = call(wsgi, e)
                    if not status.startswith("202"):
                        raise SystemExit(f"{name}: {status}")
                spent = time.process_time() - started
                if profiler and name == "ours" and r:
                    profiler.disable()
                if r:
                    cpu[name].append(spent / len(envs) * 1000)
        app.extensions["delivery_publisher"].flush()
        import redis

        redis.Redis.from_url(REDIS_URL).delete(queue)
        bare.engine.dispose()
        with app.app_context():
            db.engine.dispose()
    if profiler:
        profiler.dump_stats(args.profile)

    ratios = sorted(b / o for b, o in zip(cpu["bare"], cpu["ours"]))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.rounds} rounds of {args.per_round} requests each side")
    for name, values in cpu.items():
        print(f"  {name}: ms CPU per request min {min(values):.3f}, median {statistics.median(values):.3f}")
    print(
        f"  bare/ours per round: {[f'{r:.2f}' for r in ratios]}, median {statistics.median(ratios):.2f} "
        f"({ratios[0]:.2f}-{ratios[-1]:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
