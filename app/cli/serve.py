"""`make run`: migrate, seed the demo workspace, then run web, worker and scheduler together.

The same three processes run in development and production; only the settings differ
(SQLite, a folder broker and an .eml outbox by default; Postgres, Redis and SMTP when set).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.config import INSTANCE


def _flask(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], check=True)


def main() -> int:
    INSTANCE.mkdir(parents=True, exist_ok=True)
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "5000")
    # Links in emails must point at where this server actually listens.
    os.environ.setdefault("PUBLIC_URL", f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}")
    _flask("db", "upgrade")
    _flask("demo")
    bin_dir = Path(sys.executable).parent
    commands = {
        "web": [
            str(bin_dir / "gunicorn"),
            "--no-control-socket",
            "-w",
            os.environ.get("WEB_CONCURRENCY", "2"),
            "-b",
            f"{host}:{port}",
            "--access-logfile",
            "-",
            "app:create_app()",
        ],
        "worker": [
            str(bin_dir / "celery"),
            "-A",
            "workers",
            "worker",
            "-l",
            "info",
            "--without-mingle",
            "--without-gossip",
            "--concurrency",
            os.environ.get("WORKER_CONCURRENCY", "2"),
        ],
        "scheduler": [
            str(bin_dir / "celery"),
            "-A",
            "workers",
            "beat",
            "-l",
            "info",
            "-s",
            str(INSTANCE / "celerybeat-schedule"),
        ],
    }
    procs = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
    print(f"Afterword is serving on http://{host}:{port} (Ctrl-C stops web, worker and scheduler).", flush=True)

    def stop(*_):
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(p.poll() is None for p in procs.values()):
            time.sleep(0.5)
    finally:
        stop()
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    failed = [name for name, p in procs.items() if p.returncode not in (0, -signal.SIGTERM)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
