"""What customers see: survey pages, unsubscribe, the widget and its token-scoped JSON."""

from app.respondent import pages, public_api, unsubscribe, widget  # noqa: F401  (register routes)
from app.respondent.blueprint import bp

__all__ = ["bp"]
