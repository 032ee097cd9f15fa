"""The worker entry module: builds the Flask app once per process and exposes its Celery app."""
from celery.signals import worker_process_init, worker_process_shutdown

from app import create_app
from app.extensions import db
from app.services.mailer import close_connection

flask_app = create_app()
celery = app = flask_app.extensions["celery"]


@worker_process_init.connect
def _fresh_pool(**kwargs) -> None:
    # Forked children must not share the parent's database sockets.
    with flask_app.app_context():
        db.engine.dispose(close=False)


@worker_process_shutdown.connect
def _close_smtp(**kwargs) -> None:
    # The held SMTP connection says QUIT instead of vanishing mid-session.
    close_connection()
