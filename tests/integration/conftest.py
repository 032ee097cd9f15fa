"""Integration fixtures: Postgres with the migrations applied, Redis, SMTP and a Celery worker."""

from __future__ import annotations

import uuid

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import service_unavailable
from tests.integration.services import (
    REDIS_TEST_URL,
    Mailbox,
    Worker,
    create_database,
    drop_database,
    port_open,
    start_smtp,
)


@pytest.fixture(scope="session")
def postgres_url():
    if not port_open("127.0.0.1", 5432):
        service_unavailable("PostgreSQL on 127.0.0.1:5432")
    url, name = create_database()
    yield url
    drop_database(name)


@pytest.fixture(scope="session")
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        service_unavailable("Redis on 127.0.0.1:6379")
    return REDIS_TEST_URL


@pytest.fixture(scope="session")
def mailbox():
    box = Mailbox()
    controller = start_smtp(box)
    box.smtp_url = f"smtp://127.0.0.1:{controller.port}"
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def queue_name() -> str:
    # Each run gets its own queue, so parallel runs on one Redis never steal each other's tasks.
    return f"afterword-it-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def stack(postgres_url, redis_url, mailbox, queue_name, tmp_path_factory):
    """The web app (in-process) and a real worker, both on Postgres, Redis and SMTP."""
    instance = tmp_path_factory.mktemp("instance")
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": postgres_url,
        "REDIS_URL": redis_url,
        "SMTP_URL": mailbox.smtp_url,
        "PUBLIC_URL": "http://afterword.test",
        "RATELIMIT_ENABLED": False,
        "CELERY": {"task_default_queue": queue_name},
    }
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    env = {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "SMTP_URL": mailbox.smtp_url,
        "PUBLIC_URL": "http://afterword.test",
        "AFTERWORD_INSTANCE": str(instance),
        "CELERY_DEFAULT_QUEUE": queue_name,
    }
    worker = Worker(env, queue_name, instance / "worker.log")
    yield app, worker
    worker.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def pg_app(stack, mailbox):
    app, _ = stack
    with mailbox.lock:
        mailbox.messages.clear()
    with app.app_context():
        yield app
        db.session.remove()
