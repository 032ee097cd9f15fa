"""The folder broker works without a word in the logs: no "No hostname was supplied" per task."""

from __future__ import annotations

import logging

from kombu import Connection

from app.platform.queue import _celery_settings


def test_the_folder_broker_names_a_host_so_kombu_stays_quiet(tmp_path, caplog):
    settings = _celery_settings({"BROKER_DIR": str(tmp_path / "broker")})
    with (
        caplog.at_level(logging.WARNING),
        Connection(settings["broker_url"], transport_options=settings["broker_transport_options"]) as connection,
    ):
        connection.as_uri()  # what Celery does to describe the broker, e.g. for each publish
        queue = connection.SimpleQueue("afterword-test")
        queue.put({"invite": 1})
        assert queue.get(timeout=2).payload == {"invite": 1}
        queue.close()
    assert not [r for r in caplog.records if "hostname" in r.getMessage()], caplog.text
