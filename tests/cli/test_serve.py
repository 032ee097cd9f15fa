"""`make run` supervises web, worker and scheduler: a process that dies is restarted, the rest carry on."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from app.cli.serve import Supervisor

ROOT = Path(__file__).resolve().parents[2]
SLEEPS = [sys.executable, "-c", "import time; time.sleep(30)"]
CRASHES = [sys.executable, "-c", "raise SystemExit(3)"]


def _running(supervisor: Supervisor, name: str):
    """The supervisor running in a thread, as main() runs it; yields it once `name` has started."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", supervisor.run()), daemon=True)
    thread.start()
    _wait_for(lambda: supervisor.children[name].proc is not None, 5)
    return thread, result


def _wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _restart_delays(caplog, name: str) -> list[float]:
    pattern = re.compile(rf"^{name} \(pid \d+\) exited with code 3 after \d+ s up; restarting in ([\d.]+) s$")
    return [float(m[1]) for r in caplog.records if (m := pattern.match(r.getMessage()))]


def test_a_dying_child_is_restarted_with_growing_delays_and_the_others_are_untouched(caplog):
    caplog.set_level(logging.INFO, logger="app.cli.serve")
    supervisor = Supervisor({"web": SLEEPS, "worker": CRASHES}, first_delay=0.1, max_delay=0.4, tick=0.01)
    thread, result = _running(supervisor, "web")
    web = supervisor.children["web"].proc
    # Four restarts take 0.1 + 0.2 + 0.4 + 0.4 s of delays plus each Python start: wait for them
    # rather than a fixed time, which a loaded machine outruns.
    _wait_for(lambda: len(_restart_delays(caplog, "worker")) >= 4, 20)
    supervisor.stop()
    thread.join(10)
    delays = _restart_delays(caplog, "worker")
    assert delays[:4] == [0.1, 0.2, 0.4, 0.4]  # doubling, up to the ceiling
    restarts = [r.created for r in caplog.records if r.getMessage().startswith("worker restarted")]
    deaths = [r.created for r in caplog.records if r.getMessage().startswith("worker (pid")]
    assert all(started - died >= delay - 0.02 for started, died, delay in zip(restarts, deaths, delays))
    assert supervisor.children["web"].proc is web  # never restarted, never stopped until the end
    assert web.returncode == -signal.SIGTERM and result["code"] == 0


def test_the_delay_starts_again_after_a_child_stayed_up_a_while(caplog):
    caplog.set_level(logging.INFO, logger="app.cli.serve")
    lives_a_while = [sys.executable, "-c", "import time; time.sleep(0.3); raise SystemExit(3)"]
    supervisor = Supervisor({"worker": lives_a_while}, first_delay=0.1, stable_after=0.2, tick=0.01)
    thread, _ = _running(supervisor, "worker")
    _wait_for(lambda: len(_restart_delays(caplog, "worker")) >= 3, 10)
    supervisor.stop()
    thread.join(10)
    assert set(_restart_delays(caplog, "worker")) == {0.1}  # each death a first one: up 0.3 s > 0.2 s


def test_a_command_that_cannot_start_is_retried_with_the_same_backoff(caplog):
    caplog.set_level(logging.INFO, logger="app.cli.serve")
    supervisor = Supervisor({"worker": ["/nonexistent/celery"]}, first_delay=0.1, max_delay=0.4, tick=0.01)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    pattern = re.compile(r"^worker could not start \(.*\); retrying in ([\d.]+) s$")
    delays = lambda: [float(m[1]) for r in caplog.records if (m := pattern.match(r.getMessage()))]
    _wait_for(lambda: len(delays()) >= 4, 5)
    supervisor.stop()
    thread.join(10)
    assert delays()[:4] == [0.1, 0.2, 0.4, 0.4]


def test_a_stop_request_terminates_every_child():
    supervisor = Supervisor({"web": SLEEPS, "worker": SLEEPS, "scheduler": SLEEPS}, tick=0.01)
    thread, result = _running(supervisor, "scheduler")
    procs = [child.proc for child in supervisor.children.values()]
    started = time.monotonic()
    supervisor.stop()
    thread.join(10)
    assert time.monotonic() - started < 2
    assert [p.returncode for p in procs] == [-signal.SIGTERM] * 3
    assert result["code"] == 0


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    ready = tmp_path / "ready"
    stubborn = [
        sys.executable,
        "-c",
        "import pathlib, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        " pathlib.Path(sys.argv[1]).touch(); time.sleep(30)",
        str(ready),
    ]
    supervisor = Supervisor({"web": SLEEPS, "worker": stubborn}, grace=0.5, tick=0.01)
    thread, result = _running(supervisor, "worker")
    _wait_for(ready.exists, 5)
    supervisor.stop()
    thread.join(10)
    assert supervisor.children["worker"].proc.returncode == -signal.SIGKILL
    assert supervisor.children["web"].proc.returncode == -signal.SIGTERM
    assert result["code"] == 1  # not a clean stop


# The real launcher: gunicorn, a Celery worker and beat on SQLite and the folder broker.


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (which may hold spaces): state, ppid, pgrp, session..."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _processes(field: int, value: int) -> list[int]:
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    return [pid for pid in pids if (stat := _stat(pid)) and int(stat[field]) == value and stat[0] != "Z"]


def _children(pid: int) -> list[int]:
    return _processes(1, pid)


def _argv(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def _celery_worker(launcher: int) -> int | None:
    return next((pid for pid in _children(launcher) if "worker" in _argv(pid) and "workers" in _argv(pid)), None)


def _healthz(port: int) -> int | str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status
    except Exception as exc:  # refused, reset, 5xx: all recorded, none expected once up
        return getattr(exc, "code", None) or exc.__class__.__name__


@pytest.mark.integration
@pytest.mark.timeout(60)
def test_make_run_keeps_serving_while_a_killed_worker_is_restarted_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SMTP_URL", "PUBLIC_URL")}
    env |= {
        "AFTERWORD_INSTANCE": str(tmp_path),  # SQLite, the folder broker and the outbox in here
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WORKER_CONCURRENCY": "1",
        "PYTHONPATH": str(ROOT),  # the children import this tree's app and workers
    }
    log = (tmp_path / "serve.log").open("wb")
    # Its own session: everything it starts can be found, and cleaned up.
    launcher = subprocess.Popen(
        [sys.executable, "-m", "app.cli.serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = lambda: (tmp_path / "serve.log").read_text(errors="replace")
    try:
        # Migrations, the demo workspace (90 days of answers, analysed), then gunicorn; a loaded CI
        # machine running the suite on every core needs well over the ~10 s a quiet one takes.
        deadline = time.monotonic() + 90
        while _healthz(port) != 200:
            assert launcher.poll() is None and time.monotonic() < deadline, output()
            time.sleep(0.2)
        worker = _celery_worker(launcher.pid)
        assert worker, output()

        answers, polling = [], threading.Event()
        polling.set()

        def poll():
            while polling.is_set():
                answers.append(_healthz(port))
                time.sleep(0.05)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 5  # restarted after 1 s
        while (restarted := _celery_worker(launcher.pid)) in (None, worker):
            assert time.monotonic() < deadline, output()
            time.sleep(0.05)
        time.sleep(1)  # and the web process still answers once the new worker is up
        polling.clear()
        poller.join(5)
        assert len(answers) > 20 and set(answers) == {200}, answers
        assert f"worker (pid {worker}) was killed by SIGKILL" in output()
        assert f"worker restarted (pid {restarted})" in output()
        children = _children(launcher.pid)
        assert len(children) == 3

        started = time.monotonic()
        os.kill(launcher.pid, signal.SIGINT)
        assert launcher.wait(timeout=15) == 0, output()
        # Measured 2 to 8 s: the Celery worker's warm shutdown is most of it.
        assert time.monotonic() - started < 12
        assert _processes(3, launcher.pid) == []  # nothing left in its session (pool processes included)
    finally:
        if launcher.poll() is None or _processes(3, launcher.pid):
            os.killpg(launcher.pid, signal.SIGKILL)  # the group it leads: only what this test started
        launcher.wait(timeout=5)
        log.close()
