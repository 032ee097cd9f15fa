"""The customer-facing side: survey pages and the widget's token-scoped JSON."""
from app.survey import embed, pages, public_api, unsubscribe  # noqa: F401  (register routes)
from app.survey.blueprint import bp

__all__ = ["bp"]
