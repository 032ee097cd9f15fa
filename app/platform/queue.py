"""The Celery app bound to Flask, and `enqueue`, the one way the app hands work to workers.

Services name tasks rather than import them, so imports keep going one way (workers -> app).
"""

from __future__ import annotations

import logging
from pathlib import Path

from celery import Celery, Task
from flask import Flask, current_app

from app.platform.publisher import BatchPublisher

SEND_INVITE_EMAIL = "afterword.send_invite_email"
ANALYZE_RESPONSE = "afterword.analyze_response"
ANALYZE_BATCH = "afterword.analyze_batch"
REANALYZE_WORKSPACE = "afterword.reanalyze_workspace"
SWEEP_DUE_INVITES = "afterword.sweep_due_invites"
SWEEP_STALE_ANALYSIS = "afterword.sweep_stale_analysis"
SEND_INVITE_BATCH = "afterword.send_invite_batch"
SEND_REMINDER = "afterword.send_reminder"
COMPLETE_DELIVERY = "afterword.complete_delivery"
COMPLETE_DELIVERIES = "afterword.complete_deliveries"
PURGE_EXPIRED_DATA = "afterword.purge_expired_data"
DELIVER_WEBHOOKS = "afterword.deliver_webhooks"
RUN_ALERTS = "afterword.run_alerts"
WRITE_HELPDESK_NOTES = "afterword.write_helpdesk_notes"
SEND_DIGESTS = "afterword.send_digests"

log = logging.getLogger(__name__)


def init_celery(app: Flask) -> Celery:
    """Create the Celery app from the Flask config: Redis when REDIS_URL is set, else files."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(_celery_settings(app.config))
    celery.conf.update(app.config.get("CELERY", {}))
    celery.set_default()
    app.extensions["celery"] = celery
    # Intake hands stored deliveries to this write-behind publisher (see app/platform/publisher.py).
    app.extensions["delivery_publisher"] = BatchPublisher(lambda ids: celery.send_task(COMPLETE_DELIVERIES, args=[ids]))
    return celery


def _celery_settings(config) -> dict:
    redis_url = config.get("REDIS_URL")
    settings = {
        "task_ignore_result": True,
        "broker_connection_retry_on_startup": True,
        # A publish must fail fast when the broker is down: the invite is already stored and the
        # periodic sweep will send it, so a web request should never hang on the broker.
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        "broker_connection_timeout": 2,
        "worker_hijack_root_logger": False,
        "beat_schedule": {
            "sweep-due-invites": {"task": SWEEP_DUE_INVITES, "schedule": 30.0},
            # Answers whose analysis task was lost (broker down, worker killed) get scored here.
            "sweep-stale-analysis": {"task": SWEEP_STALE_ANALYSIS, "schedule": 300.0},
            # Outbound webhook messages due: retries, and any whose hand-off or worker was lost.
            "deliver-webhooks": {"task": DELIVER_WEBHOOKS, "schedule": 15.0},
            # Alert rules: answers whose debounce is over are weighed, alerts sent and retried.
            "run-alerts": {"task": RUN_ALERTS, "schedule": 30.0},
            # Answers written back to their tickets as notes, and retries of those that failed.
            "write-helpdesk-notes": {"task": WRITE_HELPDESK_NOTES, "schedule": 30.0},
            # Digest emails whose time has come (each subscription's next_due_at).
            "send-digests": {"task": SEND_DIGESTS, "schedule": 300.0},
            # Retention windows are counted in days: hourly is prompt enough, and each run is batched.
            "purge-expired-data": {"task": PURGE_EXPIRED_DATA, "schedule": 3600.0},
        },
        "timezone": "UTC",
        # The worker imports these; eager mode (tests) imports them on first use.
        "include": [
            "workers.tasks.intake",
            "workers.tasks.sending",
            "workers.tasks.analysis",
            "workers.tasks.outbound",
            "workers.tasks.privacy",
        ],
    }
    if redis_url:
        settings["broker_url"] = redis_url
        # Short timeouts and no transport-level retries: a publish while Redis is down fails
        # within about a second (the request still answers 202), and the sweep sends it later.
        settings["broker_transport_options"] = {
            "socket_connect_timeout": 1,
            "socket_timeout": 5,
        }
    else:
        # No broker installed: a folder under instance/ carries the messages between processes.
        folder = Path(config["BROKER_DIR"])
        for sub in ("queue", "processed"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        # A host name the transport ignores: without one kombu logs "No hostname was supplied.
        # Reverting to default 'localhost'" each time it describes the connection (every task).
        settings["broker_url"] = "filesystem://localhost/"
        settings["broker_transport_options"] = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            # kombu's default is ./control, relative to wherever the process was started.
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        settings["worker_enable_remote_control"] = False
    return settings


def enqueue(task_name: str, *args) -> None:
    """Hand a task to the workers (or run it in place when CELERY task_always_eager is on)."""
    celery: Celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:
        if task_name not in celery.tasks:
            celery.loader.import_default_modules()
        celery.tasks[task_name].apply(args=args, throw=True)
    else:
        celery.send_task(task_name, args=args)


def complete_delivery_later(delivery_id: int) -> None:
    """Have a worker complete a committed delivery: batched in the background, or in place when eager.

    Never raises for a broker outage and never waits on the broker: a lost message leaves the
    delivery pending, and the periodic sweep completes it.
    """
    celery: Celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:  # tests: deterministic, done before the response
        try:
            enqueue(COMPLETE_DELIVERY, delivery_id)
        except Exception:  # stored: the periodic sweep completes it
            log.warning("could not complete delivery %s; the sweep will", delivery_id, exc_info=True)
    else:
        current_app.extensions["delivery_publisher"].submit(delivery_id)
