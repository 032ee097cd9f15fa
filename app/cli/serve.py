"""`make run`: migrate, seed the demo workspace, then run web, worker and scheduler together.

The same three processes run in development and production; only the settings differ
(SQLite, a folder broker and an .eml outbox by default; Postgres, Redis and SMTP when set).

They are supervised, not merely started: one that dies is started again after a growing delay,
and the others carry on. Before, the first exit stopped all three, so a worker killed by the
OOM killer took the web process with it: requests in flight were reset and webhooks refused
until someone restarted `make run`. Ctrl-C or SIGTERM still stops everything.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.config import INSTANCE

log = logging.getLogger(__name__)


@dataclass
class _Child:
    command: list[str]
    proc: subprocess.Popen | None = None
    started: float = 0.0  # monotonic time of the last start
    delay: float = 0.0  # the last wait before a restart (0: never restarted yet)
    restart_at: float | None = None  # when a dead child is due to start again


class Supervisor:
    """Keeps named commands running: one that exits is restarted after an exponential backoff.

    The delay starts at `first_delay` and doubles up to `max_delay`, so a process that cannot
    start (a bad setting, a database that is down) is retried without spinning; once a process
    has stayed up `stable_after`, its next death starts again from `first_delay`.
    """

    def __init__(
        self,
        commands: dict[str, list[str]],
        *,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 60.0,
        grace: float = 15.0,
        tick: float = 0.2,
    ):
        self.children = {name: _Child(list(command)) for name, command in commands.items()}
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.grace, self.tick = grace, tick
        self._stopping = False

    def run(self) -> int:
        """Start every command, keep them running until stop(), then stop them: 0 if all stopped cleanly."""
        for name in self.children:
            self._start(name)
        while not self._stopping:
            self.check()
            time.sleep(self.tick)
        return self._stop_all()

    def stop(self, *_signal_args) -> None:
        """Ask run() to stop everything; safe in a signal handler (it only sets a flag)."""
        self._stopping = True

    def check(self) -> None:
        """Notice children that exited and start those whose delay has passed."""
        now = time.monotonic()
        for name, child in self.children.items():
            if child.proc is not None and child.proc.poll() is not None:
                self._died(name, child, now)
            if child.restart_at is not None and now >= child.restart_at and not self._stopping:
                self._start(name)

    def _died(self, name: str, child: _Child, now: float) -> None:
        self._schedule_restart(child, now)
        log.warning(
            "%s (pid %s) %s after %.0f s up; restarting in %.1f s",
            name,
            child.proc.pid,
            _how_it_ended(child.proc.returncode),
            now - child.started,
            child.delay,
        )
        child.proc = None

    def _schedule_restart(self, child: _Child, now: float) -> None:
        if now - child.started >= self.stable_after:
            child.delay = 0.0  # it had been up a while: a new failure, not the same one again
        child.delay = min(self.max_delay, child.delay * 2) if child.delay else self.first_delay
        child.restart_at = now + child.delay

    def _start(self, name: str) -> None:
        child = self.children[name]
        child.started, child.restart_at = time.monotonic(), None
        try:
            child.proc = subprocess.Popen(child.command)
        except OSError as exc:  # e.g. the executable is missing: retried like a crash
            self._schedule_restart(child, child.started)
            log.error("%s could not start (%s); retrying in %.1f s", name, exc, child.delay)
            return
        if child.delay:
            log.warning("%s restarted (pid %s)", name, child.proc.pid)

    def _stop_all(self) -> int:
        """SIGTERM to every child, SIGKILL to those still running after the grace period."""
        running = {name: c.proc for name, c in self.children.items() if c.proc is not None and c.proc.poll() is None}
        log.info("stopping %s", ", ".join(running) or "(nothing running)")
        for proc in running.values():
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        killed = []
        for name, proc in running.items():
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %s) still running %.0f s after SIGTERM; killing it", name, proc.pid, self.grace)
                proc.kill()
                proc.wait()
                killed.append(name)
        return 1 if killed else 0


def _how_it_ended(returncode: int) -> str:
    if returncode >= 0:
        return f"exited with code {returncode}"
    try:
        return f"was killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"was killed by signal {-returncode}"


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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [serve] %(levelname)s %(message)s")
    supervisor = Supervisor(commands)
    # Ctrl-C reaches the children too (same process group); stop() makes sure none is restarted.
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    print(f"Afterword is serving on http://{host}:{port} (Ctrl-C stops web, worker and scheduler).", flush=True)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
