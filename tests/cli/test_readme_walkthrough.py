"""The README's walk-through, run literally with bash against `make run`'s launcher on a port that
is not the default: what a newcomer pastes must work as written, wherever PORT points."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_serve import ROOT, _free_port, _healthz, _processes


def walkthrough() -> str:
    """The first bash block under the README's walk-through heading, as written."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Walk-through") :]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def test_the_walkthrough_uses_the_port_and_one_survey_throughout():
    script = walkthrough()
    assert "${PORT:-5000}" in script and ":5000 " not in script
    assert 'survey_id\\": $SURVEY' in script and "survey_id=1" not in script
    assert "$WEBHOOK_SECRET" in script and "$SECRET" not in script


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_the_readme_walkthrough_runs_as_written_on_another_port(tmp_path):
    port = _free_port()
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SMTP_URL", "PUBLIC_URL")}
    env |= {
        "AFTERWORD_INSTANCE": str(instance),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WORKER_CONCURRENCY": "1",
        "PYTHONPATH": str(ROOT),
    }
    log = (tmp_path / "serve.log").open("wb")
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
        deadline = time.monotonic() + 45
        while _healthz(port) != 200:
            assert launcher.poll() is None and time.monotonic() < deadline, output()
            time.sleep(0.2)
        # A newcomer's folder: the project's instance/ and .venv/ where the README expects them.
        here = tmp_path / "project"
        here.mkdir()
        (here / "instance").symlink_to(instance)
        (here / ".venv").symlink_to(Path(sys.executable).parents[1])
        ran = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", walkthrough()],
            cwd=here,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 0, ran.stderr + ran.stdout
        out = ran.stdout
        assert '"status":"accepted"' in out.replace(" ", ""), out
        assert f"http://127.0.0.1:{port}/s/" in out, out  # the email's links point at this port
        responses, metrics = (json.loads(line) for line in out.strip().splitlines()[-2:])
        assert responses["items"] == []  # nobody has answered yet: that is the browser's step
        survey_id = metrics["survey_id"]
        assert survey_id > 3  # the survey step 1 made (the demo has three), used by steps 2 to 5
        assert metrics["scores"] == [] and metrics["interval"] == "week"
        assert "No hostname was supplied" not in output()  # quiet logs on the folder broker
    finally:
        if launcher.poll() is None or _processes(3, launcher.pid):
            os.killpg(launcher.pid, signal.SIGTERM)
            try:
                launcher.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
        launcher.wait(timeout=5)
        log.close()
