"""Fixtures: an app per test on its own SQLite file, tasks run in place, factories for rows."""

from __future__ import annotations

import os
import tempfile

# Keep every test run's instance files (secret key, outbox) out of the developer's instance/.
os.environ.setdefault("AFTERWORD_INSTANCE", tempfile.mkdtemp(prefix="afterword-test-"))
for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "PUBLIC_URL"):
    os.environ.pop(name, None)

import pytest  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from tests.support.factories import Factory  # noqa: E402

REQUIRE_SERVICES = os.environ.get("AFTERWORD_REQUIRE_SERVICES") == "1"


def pytest_configure(config) -> None:
    # The .mo catalogues are build output; a plain `pytest` run compiles any that are stale.
    from app.platform.i18n import compile_catalogs

    compile_catalogs()


def service_unavailable(what: str) -> None:
    """Skip a test whose service is missing, except in CI, where that is a failure."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (AFTERWORD_REQUIRE_SERVICES=1) but is not available")
    pytest.skip(f"{what} is not available")


def unit_config(tmp_path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "BROKER_DIR": str(tmp_path / "broker"),
        "PUBLIC_URL": "http://afterword.test",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "CELERY": {"task_always_eager": True},
        "ARGON2_PROFILE": "CHEAPEST",  # argon2 at RFC 9106 strength takes ~50 ms a hash
    }


@pytest.fixture
def app(tmp_path):
    app = create_app(unit_config(tmp_path))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app) -> Factory:
    return Factory()


@pytest.fixture
def workspace(make):
    return make.workspace()


@pytest.fixture
def auth(workspace) -> dict:
    return {"Authorization": f"Bearer {workspace.key}"}
