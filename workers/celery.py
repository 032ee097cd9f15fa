"""The worker entry module: builds the Flask app once per process and exposes its Celery app."""

from celery.signals import worker_process_init, worker_process_shutdown, worker_shutdown

from app import create_app
from app.extensions import db
from app.platform.mail import close_connection
from app.services.sending.send import flush_outcomes

flask_app = create_app()
celery = app = flask_app.extensions["celery"]


@worker_process_init.connect
def _fresh_pool(**kwargs) -> None:
    # Forked children must not share the parent's database sockets.
    with flask_app.app_context():
        db.engine.dispose(close=False)


@worker_process_shutdown.connect  # a pool's child process stopping
@worker_shutdown.connect  # the worker itself stopping (with -P solo, the process that sends)
def _finish_sending(**kwargs) -> None:
    # Outcomes of the last batches may still be being written (send_invites(wait=False)): let
    # them finish, so a normal stop leaves no invite `sending`. The held SMTP connection says
    # QUIT instead of vanishing mid-session.
    flush_outcomes()
    close_connection()
