"""Background work. `celery -A workers worker` loads the Celery app from `workers.celery`."""
