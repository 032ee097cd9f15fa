"""A database made by the migrations has exactly the rollup triggers and functions of the models."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from tests.conftest import unit_config
from tests.integration.services import create_database, drop_database

pytestmark = pytest.mark.integration

TRIGGERS = "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
FUNCTIONS = "SELECT proname, pg_get_functiondef(oid) FROM pg_proc WHERE proname LIKE 'afterword%' ORDER BY proname"


def _definitions(url: str) -> tuple[list, list]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(TRIGGERS)).all(), conn.execute(text(FUNCTIONS)).all()
    finally:
        engine.dispose()


def test_migrated_and_created_databases_have_the_same_triggers(stack, postgres_url, tmp_path):
    created_url, name = create_database()  # `stack` has applied the migrations to postgres_url
    try:
        app = create_app({**unit_config(tmp_path), "SQLALCHEMY_DATABASE_URI": created_url})
        with app.app_context():
            db.create_all()
            db.session.remove()
            db.engine.dispose()
        migrated, created = _definitions(postgres_url), _definitions(created_url)
    finally:
        drop_database(name)
    assert [t for t, _ in migrated[0]] == [t for t, _ in created[0]]
    assert migrated == created
    assert any(t == "afterword_rollup_invites_updated" for t, _ in migrated[0])
