"""What CX teams see, signed in: sign-in, password reset, invitations, and each workspace's pages."""

from app.web import (  # noqa: F401  (register routes)
    account,
    alerts,
    cases,
    digests,
    home,
    integrations,
    keys,
    people,
    profile,
    reporting,
    security,
    settings,
    surveys,
    widget,
)
from app.web.blueprint import bp

__all__ = ["bp"]
