"""An app whose webhook retries are due at once (base delay 0), and a loopback receiver."""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import unit_config
from tests.support.api import fast_sqlite  # noqa: F401  (autouse: SQLite without fsync)
from tests.support.receiver import Receiver


@pytest.fixture
def app(tmp_path):
    config = unit_config(tmp_path) | {"WEBHOOK_RETRY_BASE_SECONDS": 0, "OUTBOUND_ALLOW_LOCAL": True}
    app = create_app(config)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()
