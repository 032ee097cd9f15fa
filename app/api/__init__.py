"""The JSON API under /api/v1: thin views over the services."""

from app.api import insights, integrations, invites, openapi, privacy, reports, surveys, themes, workspace  # noqa: F401  (register routes)
from app.api.blueprint import bp

__all__ = ["bp"]
