"""What CX teams see, signed in: sign-in, password reset, invitations, and each workspace's pages."""

from app.web import account, home, integrations, keys, people, reporting, settings, surveys, widget  # noqa: F401  (register routes)
from app.web.blueprint import bp

__all__ = ["bp"]
