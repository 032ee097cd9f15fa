"""Browser fixtures: the app and a host page on two loopback origins, driven by headless Chromium."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app import create_app
from app.extensions import db
from tests.conftest import service_unavailable, unit_config
from tests.support.factories import Factory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class Served:
    """A WSGI app on a loopback port, in a thread, for the length of the session."""

    def __init__(self, wsgi):
        self.server = make_server("127.0.0.1", 0, wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


class HostSite:
    """Someone else's web app: pages the tests write, served with a strict CSP of their own."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        self.served = Served(self._wsgi)
        self.url = self.served.url

    def put(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.url + path

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        html = self.pages.get(request.path)
        if html is None:
            return Response("not found", 404)(environ, start_response)
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = self.csp
        return response(environ, start_response)

    csp = ""


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        service_unavailable("Chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def live(tmp_path_factory, chromium_path):
    """The app on SQLite with tasks run in place and CSRF on, as a customer's browser meets it."""
    tmp = tmp_path_factory.mktemp("live")
    config = {
        **unit_config(tmp),
        "WTF_CSRF_ENABLED": True,
        "TESTING": False,
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 15}},
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
    served = Served(app)
    app.config["PUBLIC_URL"] = served.url
    app.url = served.url
    yield app
    served.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def host(live):
    site = HostSite()
    # No inline script or style without the nonce: the widget must live with a strict host CSP.
    site.csp = (
        f"default-src 'none'; script-src {live.url} 'nonce-hostnonce'; connect-src {live.url}; "
        "style-src 'nonce-hostnonce'; img-src https: data:"
    )
    yield site
    site.served.stop()


@pytest.fixture
def seed(live):
    """Rows made through the real services, in the live app's database."""

    class Seed:
        def __call__(self, fn):
            with live.app_context():
                result = fn(Factory())
                db.session.expunge_all()
                return result

    return Seed()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, request):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-US")
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_messages = []
    page.on("console", lambda message: page.console_messages.append(message.text))
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    assert not page.errors, page.errors


@pytest.fixture
def shot(request):
    """Save a screenshot under test-artifacts/ named after the test."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, label: str = "") -> Path:
        name = request.node.name.replace("/", "_") + (f"-{label}" if label else "") + ".png"
        path = ARTIFACTS / name
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
