"""What CX teams see, signed in: sign-in, password reset, invitations, and each workspace's pages."""

from app.web import (  # noqa: F401  (register routes)
    account,
    agents,
    alerts,
    brand,
    cases,
    digests,
    drivers,
    feed,
    home,
    integrations,
    keys,
    overview,
    people,
    privacy,
    profile,
    reporting,
    security,
    settings,
    surveys,
    themes,
    trends,
    widget,
)
from app.web.blueprint import bp

__all__ = ["bp"]
