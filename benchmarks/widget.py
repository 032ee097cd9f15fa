"""Widget benchmark: embed.js's size on the wire and its time to interactive, against a blank page.

    .venv/bin/python benchmarks/widget.py              # 15 cold loads of each page
    .venv/bin/python benchmarks/widget.py --runs 40

Serves the app (SQLite, tasks in place) and a host site on two loopback ports, then loads in
headless Chromium, each time in a fresh browser context (cold cache):
  baseline  a blank host page: time from navigation start to its load event;
  widget    the same page with the snippet: its load event, and the moment the scale is
            rendered and can take a click (a MutationObserver on the widget's shadow root sees
            the first radio arrive; recorded in the page, so polling adds nothing).
The widget's cost is reported as its interactive time minus the baseline's load, in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("AFTERWORD_INSTANCE", tempfile.mkdtemp(prefix="afterword-bench-"))
for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL"):
    os.environ.pop(name, None)

import logging  # noqa: E402

from werkzeug.serving import make_server  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services.invites.creation import create_invite  # noqa: E402
from app.services.surveys import create_survey  # noqa: E402
from app.services.workspaces import create_workspace  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title></head>
<body><h1>Your chat has ended</h1><p>Thanks for chatting with us.</p>{snippet}</body></html>"""
# Watch every shadow root as it is attached, and note when the widget's first radio lands in it.
WATCH = """(() => { const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) { const root = attach.call(this, init);
    new MutationObserver((_, observer) => { if (root.querySelector('input[type=radio]')) {
      window.__awReady = performance.now(); observer.disconnect(); } }).observe(root, {childList: true, subtree: true});
    return root; }; })();"""
INTERACTIVE = "() => window.__awReady || false"
LOADED = "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
FETCHED = """() => performance.getEntriesByType('resource').map(e => [e.name, e.responseEnd])"""


def serve(wsgi) -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def build_app(tmp: Path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
            "OUTBOX_DIR": str(tmp / "outbox"),
            "BROKER_DIR": str(tmp / "broker"),
            "RATELIMIT_ENABLED": False,
            "CELERY": {"task_always_eager": True},
        }
    )
    with app.app_context():
        db.create_all()
        workspace, _ = create_workspace("Bench Co")
        survey = create_survey(workspace.id, {"name": "NPS", "kind": "nps"})
        invite = create_invite(
            workspace.id, {"survey_id": survey.id, "customer": {"email": "b@example.com"}, "ticket": {"id": "B-1"}}
        )
        token = invite.token
    return app, token


def stats(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
    return f"median {statistics.median(values):7.1f} ms   p90 {p90:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        print(f"{CHROMIUM} not found: install Debian's chromium", file=sys.stderr)
        return 2
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log in the report
    app, token = build_app(Path(tempfile.mkdtemp(prefix="afterword-bench-")))
    app_url, app_server = serve(app)
    app.config["PUBLIC_URL"] = app_url
    pages = {
        "/blank": PAGE.format(snippet=""),
        "/widget": PAGE.format(snippet=f'<script src="{app_url}/embed.js" data-token="{token}" async></script>'),
    }

    def host(environ, start_response):
        html = pages.get(Request(environ).path)
        return Response(html or "", 200 if html else 404, mimetype="text/html")(environ, start_response)

    host_url, host_server = serve(host)

    client = app.test_client()
    raw = client.get("/embed.js").data
    wire = client.get("/embed.js", headers={"Accept-Encoding": "gzip"}).data
    source = (Path(app.root_path) / "respondent" / "assets" / "embed.js").stat().st_size
    print(
        f"embed.js: source {source} B, served {len(raw)} B, gzipped on the wire {len(wire)} B "
        f"({len(wire) / 1024:.2f} KiB; budget 6 KiB); gzip -9 of the source {len(gzip.compress(Path(app.root_path, 'survey', 'widget', 'embed.js').read_bytes(), 9))} B"
    )

    from playwright.sync_api import sync_playwright

    blank, loaded, interactive, script_done, json_done = [], [], [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for i in range(args.runs + 1):  # the first round warms the servers up and is not counted
            for path in ("/blank", "/widget"):
                context = browser.new_context()
                page = context.new_page()
                page.add_init_script(WATCH)
                page.goto(host_url + path, wait_until="load")
                load = page.evaluate(LOADED)
                ready = page.wait_for_function(INTERACTIVE).json_value() if path == "/widget" else None
                fetched = dict(page.evaluate(FETCHED)) if path == "/widget" else {}
                context.close()
                if i == 0:
                    continue
                if path == "/blank":
                    blank.append(load)
                else:
                    loaded.append(load)
                    interactive.append(ready)
                    script_done.append(next(t for url, t in fetched.items() if url.endswith("/embed.js")))
                    json_done.append(next(t for url, t in fetched.items() if "/api/v1/public/" in url))
        browser.close()
    app_server.shutdown()
    host_server.shutdown()

    print(f"runs: {args.runs} cold loads each (fresh browser context), headless Chromium, loopback")
    print(f"baseline  blank page, load event        {stats(blank)}")
    print(f"widget    same page, load event         {stats(loaded)}")
    print(f"widget    embed.js received             {stats(script_done)}")
    print(f"widget    survey JSON received          {stats(json_done)}")
    print(f"widget    time to interactive (scale)   {stats(interactive)}")
    overhead = [w - b for w, b in zip(interactive, blank)]
    print(f"widget    interactive minus baseline    {stats(overhead)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
